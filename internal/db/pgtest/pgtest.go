// Package pgtest runs a real PostgreSQL cluster for tests: started on first
// use by Start, once per test binary, listening only on 127.0.0.1 on a free
// port, with a fresh database for every test; Main stops it when the tests
// end. When the tests run as root, initdb and postgres run as the postgres
// user (PostgreSQL refuses to run as root).
//
// Without PostgreSQL installed Start skips the test, except when the CI
// environment variable is set: then it fails, so CI never passes by
// skipping.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// cluster is the one PostgreSQL server of this test binary.
var cluster struct {
	once  sync.Once
	dir   string    // temporary directory: data/, the log
	proc  *exec.Cmd // the postmaster
	exit  chan struct{}
	bin   string              // PostgreSQL's programs
	cred  *syscall.Credential // who runs them; nil: this user
	port  int
	base  string // postgres://postgres@127.0.0.1:PORT
	admin string // URL of the maintenance database
	skip  string // why PostgreSQL cannot run here
	err   error
	dbs   atomic.Int64
}

// Start returns the URL of a new, empty database on the test cluster,
// starting the cluster on first use. The database is dropped when the test
// ends.
func Start(t testing.TB) string {
	t.Helper()
	cluster.once.Do(startCluster)
	if cluster.skip != "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but PostgreSQL cannot run: %s. .ci/run installs postgresql-15.", cluster.skip)
		}
		t.Skipf("skipping: this test needs PostgreSQL 15 and %s (apt-get install postgresql-15, or run .ci/run).", cluster.skip)
	}
	if cluster.err != nil {
		t.Fatalf("starting the PostgreSQL test cluster: %v", cluster.err)
	}
	name := fmt.Sprintf("wharf_test_%d_%d", os.Getpid(), cluster.dbs.Add(1))
	if err := adminExec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("creating test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := adminExec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("dropping test database %s: %v", name, err)
		}
	})
	return cluster.base + "/" + name + "?sslmode=disable"
}

// Main runs the tests and then stops the cluster, if one was started, and
// removes its files. Use it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop shuts the cluster down (fast shutdown, then kill after 10s) and
// removes its directory. It is safe to call when no cluster runs.
func Stop() {
	if cluster.proc != nil && cluster.proc.Process != nil {
		_ = cluster.proc.Process.Signal(syscall.SIGINT)
		select {
		case <-cluster.exit:
		case <-time.After(10 * time.Second):
			_ = cluster.proc.Process.Kill()
			<-cluster.exit
		}
		cluster.proc = nil
	}
	if cluster.dir != "" {
		os.RemoveAll(cluster.dir)
		cluster.dir = ""
	}
}

func adminExec(stmt string) error {
	db, err := sql.Open("pgx", cluster.admin)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

// binDir finds PostgreSQL's programs: version 15 first (what CI installs),
// then any other installed version, then PATH.
func binDir() (string, error) {
	candidates := []string{"/usr/lib/postgresql/15/bin"}
	more, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	candidates = append(candidates, more...)
	for _, d := range candidates {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("initdb was not found in /usr/lib/postgresql/*/bin or on PATH")
}

func startCluster() {
	bin, err := binDir()
	if err != nil {
		cluster.skip = err.Error()
		return
	}
	cred, err := runAs()
	if err != nil {
		cluster.skip = err.Error()
		return
	}
	dir, err := os.MkdirTemp("", "wharf-pgtest-")
	if err != nil {
		cluster.err = err
		return
	}
	cluster.dir = dir
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			cluster.err = err
			return
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		cluster.err = fmt.Errorf("initdb: %v\n%s", err, out)
		return
	}
	cluster.bin, cluster.cred = bin, cred
	for attempt := 1; ; attempt++ {
		err := startServer(0)
		if err == nil || attempt == 3 {
			cluster.err = err
			return
		}
	}
}

// Outage stops the test cluster's server the way an operator's restart or
// a crash does to its clients (a fast shutdown: every open connection is
// terminated) and returns a function that starts it again on the same
// port with the same databases. A test that calls it must not run in
// parallel with other tests of its binary that use the cluster; the
// cluster is restarted when the test ends if it has not been already.
func Outage(t testing.TB) (restart func()) {
	t.Helper()
	Start(t) // the cluster runs, or the test is skipped
	if cluster.proc == nil {
		t.Fatal("pgtest.Outage: the cluster is not running")
	}
	_ = cluster.proc.Process.Signal(syscall.SIGINT)
	select {
	case <-cluster.exit:
	case <-time.After(30 * time.Second):
		t.Fatal("pgtest.Outage: postgres did not stop within 30s of a fast shutdown")
	}
	cluster.proc = nil
	var once sync.Once
	restart = func() {
		once.Do(func() {
			if err := startServer(cluster.port); err != nil {
				t.Fatalf("pgtest.Outage: starting postgres again: %v", err)
			}
		})
	}
	t.Cleanup(restart)
	return restart
}

// runAs returns the credentials to run PostgreSQL with: the postgres user
// when the tests run as root, nil (this user) otherwise.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("the tests run as root and there is no postgres user to run PostgreSQL as")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// startServer starts postgres on port of 127.0.0.1 (a free one when 0),
// durability traded for speed (the data is thrown away), and waits until
// it answers.
func startServer(port int) error {
	bin, data, cred := cluster.bin, filepath.Join(cluster.dir, "data"), cluster.cred
	if port == 0 {
		p, err := freePort()
		if err != nil {
			return err
		}
		port = p
	}
	cluster.port = port
	logPath := filepath.Join(cluster.dir, "postgres.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	if cred != nil {
		_ = logf.Chown(int(cred.Uid), int(cred.Gid))
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+cluster.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=64MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	// SIGQUIT (immediate shutdown) if this test binary dies without Main's
	// Stop: no stray server outlives the tests.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	exit := make(chan struct{})
	go func() { cmd.Wait(); close(exit) }()
	cluster.proc, cluster.exit = cmd, exit
	cluster.base = fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port)
	cluster.admin = cluster.base + "/postgres?sslmode=disable"
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-exit:
			cluster.proc = nil
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres exited at start-up:\n%s", log)
		default:
		}
		if adminExec("SELECT 1") == nil {
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exit
			cluster.proc = nil
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("postgres did not accept connections within 30s:\n%s", log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
