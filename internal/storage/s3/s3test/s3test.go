// Package s3test runs a real S3 server for tests: versitygw with its posix
// backend in a temporary directory, on 127.0.0.1.
//
// Start gives a test a fresh bucket on a server of its own. Tests that
// want many buckets, such as the conformance suite with a store per
// subtest, start one Server and ask it for a bucket each:
//
//	srv := s3test.NewServer(t)
//	storagetest.Run(t, func(t *testing.T) storage.Blobs {
//		st, err := s3.Open(t.Context(), srv.Bucket(t))
//		...
//	})
//
// The versitygw binary is found through WHARF_VERSITYGW, then
// $GOPATH/bin/versitygw, then PATH. Without it the test is skipped, unless
// CI is set: CI must never skip silently, so there the test fails.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"go/build"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/wharf-registry/wharf/internal/storage/s3"
)

// Version is the versitygw release the tests are written against.
const Version = "v1.8.0"

// install is the command that installs versitygw, quoted in errors.
const install = "go install github.com/versity/versitygw/cmd/versitygw@" + Version

// Server is a running versitygw. Its methods are safe for concurrent use.
type Server struct {
	endpoint string // http://127.0.0.1:PORT
	access   string
	secret   string
	client   *minio.Client
	buckets  atomic.Int64
}

// Start starts a versitygw for t and returns the Config of a new, empty
// bucket on it, with PathStyle set and the region us-east-1. The server
// stops when t ends.
func Start(t testing.TB) s3.Config {
	t.Helper()
	return NewServer(t).Bucket(t)
}

// NewServer starts a versitygw that stops when t ends. It skips t (or,
// when the environment variable CI is set, fails it) if versitygw is not
// installed.
func NewServer(t testing.TB) *Server {
	t.Helper()
	bin := binary(t)
	var lastErr error
	for range 3 { // the free port may be taken before versitygw binds it
		srv, err := start(t, bin)
		if err == nil {
			return srv
		}
		lastErr = err
	}
	t.Fatalf("s3test: %v", lastErr)
	return nil
}

// Bucket creates a new, empty bucket and returns its Config. The bucket
// lives as long as the server.
func (s *Server) Bucket(t testing.TB) s3.Config {
	t.Helper()
	name := fmt.Sprintf("wharf-test-%d", s.buckets.Add(1))
	if err := s.client.MakeBucket(t.Context(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", name, err)
	}
	return s3.Config{
		Bucket:          name,
		Endpoint:        s.endpoint,
		Region:          "us-east-1",
		AccessKeyID:     s.access,
		SecretAccessKey: s.secret,
		PathStyle:       true,
	}
}

// binary finds the versitygw executable, or skips or fails t.
func binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("WHARF_VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("s3test: WHARF_VERSITYGW=%s: %v; install versitygw with `%s` or fix the variable", p, err, install)
		}
		return p
	}
	if gopath := filepath.SplitList(build.Default.GOPATH); len(gopath) > 0 && gopath[0] != "" {
		p := filepath.Join(gopath[0], "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	msg := fmt.Sprintf("s3test: versitygw not found (looked at WHARF_VERSITYGW, $GOPATH/bin and PATH); install it with `%s`, or set WHARF_VERSITYGW to its path", install)
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// start runs versitygw on a free port and waits until it answers.
func start(t testing.TB, bin string) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	root := t.TempDir()
	s := &Server{endpoint: "http://" + addr, access: randomHex(10), secret: randomHex(20)}
	cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", root)
	// Credentials go through the environment, not the process listing.
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.access, "ROOT_SECRET_ACCESS_KEY="+s.secret)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan struct{}) // closed when versitygw has exited
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(exited)
	}()
	s.client, err = minio.New(addr, &minio.Options{
		Creds:        credentials.NewStaticV4(s.access, s.secret, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	if err == nil {
		err = s.waitReady(exited)
	}
	if err != nil {
		stop(cmd, exited)
		return nil, fmt.Errorf("versitygw on %s: %w (exit: %v); its output:\n%s", addr, err, waitErr, out.String())
	}
	t.Cleanup(func() {
		if err := stop(cmd, exited); err != nil {
			t.Errorf("s3test: stopping versitygw: %v; its output:\n%s", err, out.String())
		}
	})
	return s, nil
}

// waitReady polls the server until it answers a bucket listing, for at
// most 30 seconds.
func (s *Server) waitReady(exited <-chan struct{}) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("exited early")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after 30s: %w", err)
		}
	}
}

// stop interrupts versitygw and waits for it, killing it after 10 seconds.
func stop(cmd *exec.Cmd, exited <-chan struct{}) error {
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return nil
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		return errors.New("did not stop within 10s of SIGTERM; killed")
	}
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// syncBuffer collects a process's output from two pipes.
type syncBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
