package db

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// backend is one kind of database: create makes a fresh database for a
// test and returns a function that opens a handle on it (call it again for
// another process's handle).
type backend struct {
	name   string
	create func(t *testing.T) func() (*DB, error)
}

var backends = []backend{
	{"sqlite", func(t *testing.T) func() (*DB, error) {
		path := filepath.Join(t.TempDir(), "wharf.db")
		return func() (*DB, error) { return OpenSQLite(context.Background(), path) }
	}},
	{"postgres", func(t *testing.T) func() (*DB, error) {
		url := pgtest.Start(t)
		return func() (*DB, error) { return OpenPostgres(context.Background(), url) }
	}},
}

// eachBackend runs test once per database kind as a named subtest, with a
// fresh database; again opens another handle on the same database.
func eachBackend(t *testing.T, test func(t *testing.T, d *DB, again func() *DB)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			open := b.create(t)
			again := func() *DB {
				t.Helper()
				d, err := open()
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				return d
			}
			test(t, again(), again)
		})
	}
}

func TestMigrationsApplyOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, _ *DB, again func() *DB) {
		d := again() // a second open (another process, a restart) must not re-apply
		var n int64
		if err := d.gorm.Raw(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n).Error; err != nil || n != int64(len(migrations)) {
			t.Errorf("schema_migrations has %d rows (%v), want %d", n, err, len(migrations))
		}
		if d.dialect != "sqlite" {
			return
		}
		var mode string
		d.gorm.Raw(`PRAGMA journal_mode`).Scan(&mode)
		var fk int
		d.gorm.Raw(`PRAGMA foreign_keys`).Scan(&fk)
		if mode != "wal" || fk != 1 {
			t.Errorf("journal_mode=%s foreign_keys=%d, want wal and 1", mode, fk)
		}
	})
}

// TestConcurrentStartMigratesOnce starts four replicas on one empty
// PostgreSQL database at the same moment: every one must come up, and
// each migration must be recorded once.
func TestConcurrentStartMigratesOnce(t *testing.T) {
	url := pgtest.Start(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := OpenPostgres(context.Background(), url)
			if err == nil {
				d.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d failed to start: %v", i, err)
		}
	}
	d, err := OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n int64
	d.gorm.Raw(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n)
	if n != int64(len(migrations)) {
		t.Errorf("schema_migrations has %d rows, want %d", n, len(migrations))
	}
}

func TestErrorMapping(t *testing.T) { eachBackend(t, testErrorMapping) }

func testErrorMapping(t *testing.T, d *DB, _ func() *DB) {
	ctx := context.Background()
	a := &registry.Account{Name: "Alice", Kind: registry.KindUser, CreatedAt: time.Now()}
	if err := d.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := d.CreateAccount(ctx, &registry.Account{Name: "alice", Kind: registry.KindUser, CreatedAt: time.Now()}); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("duplicate name: %v, want ErrConflict", err)
	}
	if _, err := d.AccountByName(ctx, "nobody"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("missing account: %v, want ErrNotFound", err)
	}
	if _, err := d.Package(ctx, "nothing"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("missing package: %v, want ErrNotFound", err)
	}
	v, _ := nuget.ParseVersion("1.0.0")
	pv := &registry.PackageVersion{Version: v, OriginalVersion: "1.0.0", Listed: true, Published: time.Now()}
	if err := d.InsertVersion(ctx, "Pkg", a.ID, 1, pv); err != nil {
		t.Fatal(err)
	}
	dup := *pv
	if err := d.InsertVersion(ctx, "PKG", a.ID, 1, &dup); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("duplicate version: %v, want ErrConflict", err)
	}
	other := &registry.Account{Name: "bob", Kind: registry.KindUser, CreatedAt: time.Now()}
	d.CreateAccount(ctx, other)
	v2, _ := nuget.ParseVersion("2.0.0")
	if err := d.InsertVersion(ctx, "pkg", other.ID, 1, &registry.PackageVersion{Version: v2, OriginalVersion: "2.0.0", Published: time.Now()}); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("non-owner insert: %v, want ErrForbidden", err)
	}
	if err := d.SetListed(ctx, "pkg", "9.9.9", a.ID, false, time.Now()); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("unlisting a missing version: %v, want ErrNotFound", err)
	}
	if err := d.SetListed(ctx, "pkg", "1.0.0", other.ID, false, time.Now()); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("unlisting by a non-owner: %v, want ErrForbidden", err)
	}
	ids, rev, err := d.Changes(ctx, 0)
	if err != nil || rev != 1 || len(ids) != 1 || ids[0] != "pkg" {
		t.Errorf("changes = %v rev %d (%v)", ids, rev, err)
	}
}

func TestPurgeExpired(t *testing.T) { eachBackend(t, testPurgeExpired) }

func testPurgeExpired(t *testing.T, d *DB, _ func() *DB) {
	ctx := context.Background()
	a := &registry.Account{Name: "alice", Kind: registry.KindUser, CreatedAt: time.Now()}
	d.CreateAccount(ctx, a)
	p := &trust.Policy{Name: "p", Provider: trust.GitHub, Issuer: "https://i", CreatedBy: a.ID, OwnerID: a.ID, RepoOwner: "o", Repository: "r", CreatedAt: time.Now(), PendingSince: time.Now()}
	if err := d.CreatePolicy(ctx, p); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, exp := range []time.Time{now.Add(-2 * time.Hour), now.Add(time.Hour)} {
		exp := exp
		k := &registry.APIKey{UserID: a.ID, OwnerID: a.ID, Hint: "h", ExpiresAt: &exp, CreatedAt: now}
		m := &registry.Mint{Issuer: "https://i", JTI: strconv.Itoa(i), TokenExpiry: exp, Policy: p, Key: k, Hash: "hash" + strconv.Itoa(i)}
		if err := d.MintTrustedKey(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	replay := &registry.Mint{Issuer: "https://i", JTI: "1", TokenExpiry: now, Policy: p, Key: &registry.APIKey{UserID: a.ID, OwnerID: a.ID, CreatedAt: now}, Hash: "other"}
	if err := d.MintTrustedKey(ctx, replay); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("reused jti: %v, want ErrConflict", err)
	}
	keys, tokens, err := d.PurgeExpired(ctx, now)
	if err != nil || keys != 1 || tokens != 1 {
		t.Errorf("purged %d keys and %d tokens (%v), want 1 and 1", keys, tokens, err)
	}
	if _, err := d.KeyByHash(ctx, "hash1"); err != nil {
		t.Errorf("the live key was purged: %v", err)
	}
}

func TestRedactHidesPasswords(t *testing.T) {
	for _, u := range []string{"postgres://wharf:s3cr3t-pw@db:5432/wharf", "postgresql://db/wharf?user=wharf&password=s3cr3t-pw"} {
		if got := Redact(u); strings.Contains(got, "s3cr3t-pw") || !strings.Contains(got, "db") {
			t.Errorf("Redact(%q) = %q", u, got)
		}
	}
	_, err := OpenPostgres(context.Background(), "postgres://wharf:s3cr3t-pw@127.0.0.1:1/wharf?connect_timeout=1")
	if err == nil || strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("a failed connection: %v, want an error without the password", err)
	}
}
