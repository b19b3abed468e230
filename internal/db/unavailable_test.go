package db

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/testenv/tmpfs"
)

// wantUnavailable checks that err is registry.ErrUnavailable with a
// sentence that names the database.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, registry.ErrUnavailable) || !strings.Contains(registry.Message(err), "database") {
		t.Errorf("%s: %v, want ErrUnavailable with a sentence about the database", what, err)
	}
}

// TestLockedSQLite: a write that waits longer than the busy timeout for a
// lock another connection holds fails with ErrUnavailable and changes
// nothing; reads go on (WAL); once the lock is released the same handle
// writes again.
func TestLockedSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wharf.db")
	d, err := OpenSQLiteWith(ctx, path, SQLiteOptions{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	seedAccount(t, d, "alice")
	other, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	lock, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = d.CreateAccount(ctx, &registry.Account{Name: "bob", Kind: registry.KindUser, CreatedAt: time.Now()})
	wantUnavailable(t, "a write while another process holds the lock", err)
	_, err = d.CountEvent(ctx, "addr:192.0.2.1", 1700000000, 100)
	wantUnavailable(t, "a counted event (Raw...Scan) while another process holds the lock", err)
	if took := time.Since(start); took < 400*time.Millisecond || took > 5*time.Second {
		t.Errorf("the two writes failed after %v, want each after the 200ms busy timeout", took)
	}
	if _, err := d.AccountByName(ctx, "alice"); err != nil {
		t.Errorf("a read while the lock is held: %v, want it served (WAL readers are not blocked)", err)
	}
	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AccountByName(ctx, "bob"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("the refused write left bob: %v", err)
	}
	if err := d.CreateAccount(ctx, &registry.Account{Name: "bob", Kind: registry.KindUser, CreatedAt: time.Now()}); err != nil {
		t.Errorf("a write after the lock was released: %v", err)
	}
}

// TestPostgresOutage: while the server is down every call fails with
// ErrUnavailable, quickly; when it is back the same handle (its pool of
// dead connections) works again without reopening.
func TestPostgresOutage(t *testing.T) {
	ctx := context.Background()
	d, err := OpenPostgres(ctx, pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	seedAccount(t, d, "alice")
	restart := pgtest.Outage(t)
	for i := range 3 { // the first call meets the terminated connections, the next ones a refused dial
		start := time.Now()
		err := d.CreateAccount(ctx, &registry.Account{Name: "bob", Kind: registry.KindUser, CreatedAt: time.Now()})
		wantUnavailable(t, "a write while the server is down", err)
		_, err = d.AccountByName(ctx, "alice")
		wantUnavailable(t, "a read while the server is down", err)
		wantUnavailable(t, "a transaction while the server is down", d.SetListed(ctx, "none", "1.0.0", 1, false, time.Now()))
		_, err = d.CountEvent(ctx, "addr:192.0.2.1", 1700000000, 100)
		wantUnavailable(t, "a counted event (Raw...Scan) while the server is down", err)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("round %d: failing took %v, want an answer at once", i, took)
		}
	}
	restart()
	if _, err := d.AccountByName(ctx, "alice"); err != nil {
		t.Errorf("a read after the server is back: %v", err)
	}
	if err := d.CreateAccount(ctx, &registry.Account{Name: "bob", Kind: registry.KindUser, CreatedAt: time.Now()}); err != nil {
		t.Errorf("a write after the server is back: %v", err)
	}
}

// TestCommitCutShort: when the connection dies during COMMIT the caller
// cannot know whether the change was saved; the error says so
// (ErrOutcomeUnknown with ErrUnavailable). A deferred trigger makes the
// server end its own session at commit time.
func TestCommitCutShort(t *testing.T) {
	ctx := context.Background()
	d, err := OpenPostgres(ctx, pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	alice := seedAccount(t, d, "alice")
	for _, stmt := range []string{
		`CREATE FUNCTION die_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$`,
		`CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON package_versions
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION die_at_commit()`,
	} {
		if err := d.gorm.Exec(stmt).Error; err != nil {
			t.Fatal(err)
		}
	}
	v, _ := nuget.ParseVersion("1.0.0")
	err = d.InsertVersion(ctx, "Cut.Short", alice.ID, 1, &registry.PackageVersion{Version: v, OriginalVersion: "1.0.0", Listed: true, Published: time.Now()})
	if !errors.Is(err, registry.ErrOutcomeUnknown) || !errors.Is(err, registry.ErrUnavailable) {
		t.Errorf("a commit cut short: %v, want ErrOutcomeUnknown and ErrUnavailable", err)
	}
	// A failure before the commit is not in doubt.
	restart := pgtest.Outage(t)
	err = d.InsertVersion(ctx, "Cut.Short", alice.ID, 1, &registry.PackageVersion{Version: v, OriginalVersion: "1.0.0", Listed: true, Published: time.Now()})
	if !errors.Is(err, registry.ErrUnavailable) || errors.Is(err, registry.ErrOutcomeUnknown) {
		t.Errorf("a transaction that could not start: %v, want ErrUnavailable only", err)
	}
	restart()
}

// TestSQLiteDiskFull: when the disk holding SQLite is full, a write fails
// with ErrStorageFull and a sentence, reads go on, and once space is freed
// the same handle writes again.
func TestSQLiteDiskFull(t *testing.T) {
	ctx := context.Background()
	disk := tmpfs.Mount(t, filepath.Join(t.TempDir(), "data"), "4m")
	d, err := OpenSQLite(ctx, SQLitePath(disk.Dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	seedAccount(t, d, "alice")
	disk.Fill(0)
	big := strings.Repeat("x", 256<<10)
	for i := 0; ; i++ {
		err = d.Audit(ctx, &registry.AuditEvent{At: time.Now(), Kind: "test", Outcome: "done", Message: big})
		if err != nil || i == 100 {
			break
		}
	}
	if !errors.Is(err, registry.ErrStorageFull) || !strings.Contains(registry.Message(err), "disk holding the registry's database is full") {
		t.Fatalf("writing to a full disk: %v, want ErrStorageFull with a sentence", err)
	}
	if _, err := d.AccountByName(ctx, "alice"); err != nil {
		t.Errorf("a read on a full disk: %v", err)
	}
	disk.Empty()
	if err := d.Audit(ctx, &registry.AuditEvent{At: time.Now(), Kind: "test", Outcome: "done", Message: big}); err != nil {
		t.Errorf("a write once space is free: %v", err)
	}
}
