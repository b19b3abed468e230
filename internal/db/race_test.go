package db

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// Two replicas are two handles on one database: these tests race them
// and check what must hold whichever wins.

// race runs f on two handles at once and returns both errors.
func race(a, b *DB, f func(d *DB, i int) error) [2]error {
	var errs [2]error
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, d := range []*DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(d, i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func oneWon(t *testing.T, what string, errs [2]error, loser error) {
	t.Helper()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, loser):
			t.Errorf("%s: unexpected error %v", what, err)
		}
	}
	if ok != 1 {
		t.Errorf("%s: %d of 2 succeeded (%v), want exactly 1", what, ok, errs)
	}
}

func seedAccount(t *testing.T, d *DB, name string) *registry.Account {
	t.Helper()
	a := &registry.Account{Name: name, Kind: registry.KindUser, CreatedAt: time.Now()}
	if err := d.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func newPolicy(t *testing.T, d *DB, owner int64) *trust.Policy {
	t.Helper()
	p := &trust.Policy{Name: "p", Provider: trust.GitHub, Issuer: "https://i", CreatedBy: owner, OwnerID: owner,
		RepoOwner: "o", Repository: "r", CreatedAt: time.Now(), PendingSince: time.Now()}
	if err := d.CreatePolicy(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func mintFor(p *trust.Policy, jti, hash string) *registry.Mint {
	exp := time.Now().Add(time.Hour)
	k := &registry.APIKey{UserID: p.CreatedBy, OwnerID: p.OwnerID, Hint: "h", ExpiresAt: &exp, CreatedAt: time.Now()}
	return &registry.Mint{Issuer: "https://i", JTI: jti, TokenExpiry: exp, Policy: p, Key: k, Hash: hash}
}

func TestRaceReplayedToken(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *DB, again func() *DB) {
		b := again()
		p := newPolicy(t, a, seedAccount(t, a, "alice").ID)
		for i := range 10 {
			jti := fmt.Sprint("jti-", i)
			errs := race(a, b, func(d *DB, n int) error {
				return d.MintTrustedKey(context.Background(), mintFor(p, jti, fmt.Sprint(jti, "-", n)))
			})
			oneWon(t, "the same token exchanged on two replicas", errs, registry.ErrConflict)
		}
	})
}

func TestRaceMintAgainstDelete(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *DB, again func() *DB) {
		b := again()
		alice := seedAccount(t, a, "alice")
		for i := range 10 {
			p := newPolicy(t, a, alice.ID)
			m := mintFor(p, fmt.Sprint("jti-", i), fmt.Sprint("hash-", i))
			errs := race(a, b, func(d *DB, n int) error {
				if n == 0 {
					return d.MintTrustedKey(context.Background(), m)
				}
				return d.DeletePolicy(context.Background(), p.ID, time.Now())
			})
			if errs[1] != nil {
				t.Fatalf("delete: %v", errs[1])
			}
			if errs[0] != nil {
				if !errors.Is(errs[0], registry.ErrForbidden) {
					t.Errorf("mint: %v, want success or ErrForbidden", errs[0])
				}
				continue
			}
			k, err := a.KeyByHash(context.Background(), m.Hash)
			if err != nil {
				t.Fatal(err)
			}
			if k.RevokedAt == nil {
				t.Errorf("round %d: a key minted while its policy was deleted is still valid", i)
			}
		}
	})
}

func TestRaceRemoveLastOwners(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *DB, again func() *DB) {
		b := again()
		ctx := context.Background()
		alice, bob := seedAccount(t, a, "alice"), seedAccount(t, a, "bob")
		for i := range 5 {
			id := fmt.Sprint("pkg", i)
			v, _ := nuget.ParseVersion("1.0.0")
			if err := a.InsertVersion(ctx, id, alice.ID, 1, &registry.PackageVersion{Version: v, OriginalVersion: "1.0.0", Listed: true, Published: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := a.SetOwner(ctx, id, bob.ID, true, time.Now()); err != nil {
				t.Fatal(err)
			}
			errs := race(a, b, func(d *DB, n int) error {
				return d.SetOwner(ctx, id, []int64{alice.ID, bob.ID}[n], false, time.Now())
			})
			oneWon(t, "removing both owners at once", errs, registry.ErrConflict)
		}
	})
}

func TestRacePushes(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *DB, again func() *DB) {
		b := again()
		ctx := context.Background()
		alice := seedAccount(t, a, "alice")
		version := func(s string) *registry.PackageVersion {
			v, _ := nuget.ParseVersion(s)
			return &registry.PackageVersion{Version: v, OriginalVersion: s, Listed: true, Published: time.Now()}
		}
		for i := range 5 {
			id := fmt.Sprint("same", i)
			oneWon(t, "the same version pushed twice", race(a, b, func(d *DB, _ int) error {
				return d.InsertVersion(ctx, id, alice.ID, 1, version("1.0.0"))
			}), registry.ErrConflict)
			id = fmt.Sprint("new", i)
			errs := race(a, b, func(d *DB, n int) error {
				return d.InsertVersion(ctx, id, alice.ID, 1, version(fmt.Sprint(n+1, ".0.0")))
			})
			if errs[0] != nil || errs[1] != nil {
				t.Errorf("two versions of a new ID pushed at once: %v", errs)
			}
			if p, err := a.Package(ctx, id); err != nil || len(p.Versions) != 2 {
				t.Errorf("%s after two pushes: %v", id, err)
			}
		}
		ids, rev, err := b.Changes(ctx, 0)
		if err != nil || rev != 15 || len(ids) != 10 {
			t.Errorf("changes: %d ids at revision %d (%v), want 10 at 15 (a refused push takes no revision)", len(ids), rev, err)
		}
	})
}

func TestRaceRateCounters(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *DB, again func() *DB) {
		b := again()
		const budget = 60
		var wg sync.WaitGroup
		var counted atomic.Int64
		for _, d := range []*DB{a, b, a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 25 {
					ok, err := d.CountEvent(context.Background(), "addr:192.0.2.1", 1700000000, budget)
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						counted.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if n := counted.Load(); n != budget {
			t.Errorf("100 tries on two replicas with a budget of %d counted %d", budget, n)
		}
		if ok, err := a.CountEvent(context.Background(), "addr:192.0.2.1", 1700000000, budget); ok || err != nil {
			t.Errorf("the window is full, yet the next try counted (%v)", err)
		}
		if ok, _ := a.CountEvent(context.Background(), "addr:192.0.2.1", 1700000060, budget); !ok {
			t.Error("the next window refused its first event")
		}
	})
}

// TestRetriedUpdatePolicy: a transaction that PostgreSQL aborts as a
// deadlock is run again; the retry must apply the edit the caller asked
// for, not fail as a conflict with itself. The deadlock is injected by a
// trigger that fails the first key revocation (a sequence counts, since
// the abort rolls back everything else).
func TestRetriedUpdatePolicy(t *testing.T) {
	eachBackend(t, func(t *testing.T, d *DB, _ func() *DB) {
		if d.dialect != "postgres" {
			t.Skip("SQLite serialises writers: no deadlocks to retry")
		}
		ctx := context.Background()
		alice := seedAccount(t, d, "alice")
		p := newPolicy(t, d, alice.ID)
		for _, stmt := range []string{
			`CREATE SEQUENCE fail_once`,
			`CREATE FUNCTION fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('fail_once') = 1 THEN RAISE EXCEPTION 'injected deadlock' USING ERRCODE = '40P01'; END IF;
  RETURN NULL;
END $$`,
			`CREATE TRIGGER fail_once BEFORE UPDATE ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION fail_once()`,
		} {
			if err := d.gorm.Exec(stmt).Error; err != nil {
				t.Fatal(err)
			}
		}
		p.Name = "renamed"
		if err := d.UpdatePolicy(ctx, p, time.Now()); err != nil {
			t.Fatalf("an edit retried after a deadlock: %v", err)
		}
		got, err := d.Policy(ctx, p.ID)
		if err != nil || got.Name != "renamed" || got.Revision != 1 || p.Revision != 1 {
			t.Errorf("after the retried edit: %+v, %v (caller's revision %d); want renamed at revision 1", got, err, p.Revision)
		}
	})
}

// TestRaceDownloadCounts: two replicas flushing overlapping download
// counts at once, crossing packages in opposite version orders, lose no
// count and fail neither flush.
func TestRaceDownloadCounts(t *testing.T) {
	eachBackend(t, func(t *testing.T, a *DB, again func() *DB) {
		b := again()
		ctx := context.Background()
		alice := seedAccount(t, a, "alice")
		var vids []int64 // pkg1 1.0.0, pkg2 1.0.0, pkg1 2.0.0, pkg2 2.0.0: versions alternate packages
		for _, ver := range []string{"1.0.0", "2.0.0"} {
			for _, id := range []string{"pkg1", "pkg2"} {
				v, _ := nuget.ParseVersion(ver)
				pv := &registry.PackageVersion{Version: v, OriginalVersion: ver, Listed: true, Published: time.Now()}
				if err := a.InsertVersion(ctx, id, alice.ID, 1, pv); err != nil {
					t.Fatal(err)
				}
				vids = append(vids, pv.ID)
			}
		}
		for range 20 {
			errs := race(a, b, func(d *DB, n int) error {
				if n == 0 {
					return d.AddDownloads(ctx, map[int64]int64{vids[1]: 1, vids[2]: 1}, time.Now(), map[int64]bool{vids[1]: true})
				}
				return d.AddDownloads(ctx, map[int64]int64{vids[0]: 1, vids[3]: 1}, time.Now(), nil)
			})
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("flushing at once: %v", errs)
			}
		}
		for _, id := range []string{"pkg1", "pkg2"} {
			p, err := a.Package(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if p.TotalDownloads != 40 || p.Versions[0].Downloads != 20 || p.Versions[1].Downloads != 20 {
				t.Errorf("%s: total %d, versions %d and %d; want 40, 20 and 20", id, p.TotalDownloads, p.Versions[0].Downloads, p.Versions[1].Downloads)
			}
		}
	})
}
