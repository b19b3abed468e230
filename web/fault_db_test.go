// The database made unavailable under a running server: SQLite locked by
// another process, PostgreSQL stopped. Writes answer 503 with a sentence
// and change nothing, reads are served as far as they can be, and
// everything works again once the database does, without a restart.

package web_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/testenv"
)

// dbFault is a feed with trusted publishing whose database a test makes
// unavailable, with what the refused requests need prepared beforehand.
type dbFault struct {
	*tpFeed
	log     *testenv.Buffer
	kept    []byte   // Kept.Pkg 1.0.0, pushed and read through this server
	token   string   // a CI token not exchanged yet
	tpKey   string   // a trusted-publishing key, to revoke
	secrets []string // what must never reach the log
}

func newDBFault(t *testing.T, dir string, d *db.DB, blobs storage.Blobs) *dbFault {
	t.Helper()
	tp, o := trustedPublishing(t, 0)
	logs := &testenv.Buffer{}
	o.Logger = slog.New(slog.NewTextHandler(logs, nil))
	tp.feed = newFeedOn(t, dir, d, blobs, o, nil)
	x := &dbFault{tpFeed: tp, log: logs}
	x.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	spec := nugettest.Spec{ID: "Kept.Pkg", Version: "1.0.0"}
	x.mustPush(spec)
	x.kept = spec.Build()
	if v := x.versions("kept.pkg"); v != `{"versions":["1.0.0"]}` {
		t.Fatalf("versions of kept.pkg: %s", v)
	}
	// Another replica pushes Other.Pkg: this server has never read it.
	ctx := context.Background()
	other, err := registry.New(d, blobs, registry.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	key, err := other.Authenticate(ctx, x.key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Push(ctx, key, upload(nugettest.Spec{ID: "Other.Pkg", Version: "1.0.0"}.Build())); err != nil {
		t.Fatal(err)
	}
	x.tpKey = x.mustExchange(x.claims(), "alice")
	x.token = x.iss.Token(x.claims())
	x.secrets = []string{x.key, x.tpKey, x.token}
	return x
}

func upload(b []byte) registry.Upload {
	return registry.Upload{R: strings.NewReader(string(b)), Size: int64(len(b))}
}

// revoke revokes a trusted-publishing key with itself as bearer.
func (x *dbFault) revoke(key string) (*http.Response, string) {
	req, _ := http.NewRequest(http.MethodDelete, x.urls.Token(), nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res := x.do(req)
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// whileDown checks every kind of request while the database cannot
// serve: writes refused with status 503 and phrase, a cached package
// served, the package this server never read answered otherStatus,
// /readyz answered readyStatus.
func (x *dbFault) whileDown(t *testing.T, phrase string, otherStatus, readyStatus int) {
	t.Helper()
	refusal(t, "push", x.push(x.key, nugettest.Spec{ID: "New.Pkg", Version: "1.0.0"}.Build()), http.StatusServiceUnavailable, phrase)
	refusal(t, "unlist", x.unlistReq(x.key, "Kept.Pkg", "1.0.0", http.MethodDelete), http.StatusServiceUnavailable, phrase)
	if res, out := x.exchange(x.token, "alice"); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(out["error"], phrase) {
		t.Errorf("token exchange: %s %v, want 503 saying %q\n%s", res.Status, out, phrase, x.log.String())
	}
	if res, body := x.revoke(x.tpKey); res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, phrase) {
		t.Errorf("revoking a trusted key: %s %s, want 503 saying %q", res.Status, body, phrase)
	}
	if v := x.versions("kept.pkg"); v != `{"versions":["1.0.0"]}` {
		t.Errorf("versions of a package this server has read: %q, want it served", v)
	}
	if got := x.nupkg("kept.pkg", "1.0.0"); string(got) != string(x.kept) {
		t.Errorf("download of a package this server has read: %d bytes, want the %d pushed", len(got), len(x.kept))
	}
	res, body := x.get(x.urls.Versions("other.pkg"))
	if res.StatusCode != otherStatus || otherStatus != http.StatusOK && !strings.Contains(string(body), phrase) {
		t.Errorf("versions of a package this server never read: %s %s, want %d", res.Status, body, otherStatus)
	}
	if res, body := x.get(x.urls.Base() + "/readyz"); res.StatusCode != readyStatus {
		t.Errorf("/readyz: %s %s, want %d", res.Status, body, readyStatus)
	}
}

// recovered checks that every request refused while the database was
// down now succeeds, the same token included (a refused exchange does
// not spend it), that the refusals changed nothing, and what was logged.
func (x *dbFault) recovered(t *testing.T, before string) {
	t.Helper()
	x.wantUnchanged(t, "the requests refused while the database was unavailable", before)
	x.mustPush(nugettest.Spec{ID: "New.Pkg", Version: "1.0.0"})
	if res := x.unlistReq(x.key, "Kept.Pkg", "1.0.0", http.MethodDelete); res.StatusCode != http.StatusNoContent {
		t.Errorf("unlist: %s", res.Status)
	}
	res, out := x.exchange(x.token, "alice")
	if res.StatusCode != http.StatusOK {
		t.Errorf("exchanging the token refused before: %s %v, want 200 (a refused exchange must not spend it)", res.Status, out)
	}
	x.secrets = append(x.secrets, out["apiKey"])
	if res, body := x.revoke(x.tpKey); res.StatusCode != http.StatusNoContent {
		t.Errorf("revoke: %s %s", res.Status, body)
	}
	if v := x.versions("other.pkg"); v != `{"versions":["1.0.0"]}` {
		t.Errorf("versions of other.pkg: %q", v)
	}
	if res, body := x.get(x.urls.Base() + "/readyz"); res.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %s %s", res.Status, body)
	}
	log := x.log.String()
	for _, s := range x.secrets {
		if s != "" && strings.Contains(log, s) {
			t.Errorf("the log contains a secret (%.12s…)", s)
		}
	}
	pushes := 0
	for line := range strings.Lines(log) {
		if strings.Contains(line, `msg="request failed"`) && strings.Contains(line, "method=PUT") {
			pushes++
		}
	}
	if pushes != 1 {
		t.Errorf("the refused push was logged %d times, want once:\n%s", pushes, log)
	}
}

// TestDatabaseLocked: another process holds SQLite's write lock longer
// than the busy timeout. Writes (push, unlist, token exchange, revoking a
// key) answer 503 after the timeout with a sentence and change nothing;
// reads are all served, from memory or from the database (WAL readers are
// never blocked), and /readyz stays 200. Once the lock is released,
// everything works without a restart.
func TestDatabaseLocked(t *testing.T) {
	dir := t.TempDir()
	path := db.SQLitePath(dir)
	d, err := db.OpenSQLiteWith(context.Background(), path, db.SQLiteOptions{BusyTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	x := newDBFault(t, dir, d, testenv.Blobs(t, testenv.SQLiteFS, dir))
	before := x.state()
	other, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	x.whileDown(t, "The registry's database is busy: another process holds its lock. Try again in a moment.", http.StatusOK, http.StatusOK)
	if _, err := lock.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	lock.Close()
	x.recovered(t, before)
}

// TestDatabaseUnreachable: the PostgreSQL server stops (a fast shutdown,
// as in a restart or a failover). Every request that needs the database
// answers 503 with a sentence: writes, /readyz, and reads of a package
// this server has not cached; packages it has read are served from
// memory. When PostgreSQL is back, everything works without restarting
// Wharf. The password in the database URL never reaches the log. It runs
// when PostgreSQL is the test backend, and in CI.
func TestDatabaseUnreachable(t *testing.T) {
	backend := testenv.Backend()
	if !strings.HasPrefix(backend, "postgres") {
		if os.Getenv("CI") == "" {
			t.Skip("skipping: stopping PostgreSQL needs WHARF_TEST_BACKEND=postgres+fs (or postgres+s3), or CI=1")
		}
		backend = testenv.PostgresFS
	}
	const password = "n0t-in-the-log"
	url := strings.Replace(pgtest.Start(t), "postgres@", "postgres:"+password+"@", 1)
	dir := t.TempDir()
	d, err := db.Open(context.Background(), url, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	x := newDBFault(t, dir, d, testenv.Blobs(t, backend, dir))
	x.secrets = append(x.secrets, password)
	before := x.state()
	restart := pgtest.Outage(t)
	x.whileDown(t, "The registry's database does not answer.", http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	restart()
	x.recovered(t, before)
}
