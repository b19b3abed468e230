package db

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TestCopyCoversTheSchema fails when a migration adds a table that a
// registry move would silently leave behind.
func TestCopyCoversTheSchema(t *testing.T) {
	d, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "wharf.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var tables []string
	d.gorm.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).Scan(&tables)
	for _, name := range tables {
		copied := slices.ContainsFunc(copyTables, func(c struct {
			name string
			pk   []string
		}) bool {
			return c.name == name
		})
		if !copied && !slices.Contains(skipTables, name) {
			t.Errorf("table %s is neither copied by CopyRows nor listed in skipTables", name)
		}
	}
}

func TestCopyRowsToPostgres(t *testing.T) {
	ctx := context.Background()
	src, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "wharf.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	alice := seedAccount(t, src, "alice")
	p := newPolicy(t, src, alice.ID)
	if err := src.MintTrustedKey(ctx, mintFor(p, "jti-1", "hash-1")); err != nil {
		t.Fatal(err)
	}
	ro := &trust.Policy{Name: "ro", Provider: trust.GitHub, Issuer: "https://i", CreatedBy: alice.ID, OwnerID: alice.ID,
		RepoOwner: "o", Repository: trust.AnyRepository, RepositoryID: trust.AnyRepository, ReadOnly: true, CreatedAt: time.Now(), PendingSince: time.Now()}
	if err := src.CreatePolicy(ctx, ro); err != nil {
		t.Fatal(err)
	}
	secret := &feeds.Feed{Name: "secret", Private: true, CreatedAt: time.Now()}
	if err := src.CreateFeed(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if err := src.SetGrant(ctx, feeds.Grant{FeedID: secret.ID, Kind: feeds.SubjectUser, SubjectID: alice.ID, Role: feeds.RoleReader, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	secret.OwnersMayDelete = true
	if err := src.UpdateFeed(ctx, secret); err != nil {
		t.Fatal(err)
	}
	// A version deleted for good: its tombstone moves with the registry,
	// so the target refuses the same coordinates too.
	v1, _ := nuget.ParseVersion("1.0.0")
	if err := src.InsertVersion(ctx, "Gone.Lib", alice.ID, 1, &registry.PackageVersion{Version: v1, OriginalVersion: "1.0.0", Listed: true, Published: time.Now(), BlobPrefix: "packages/gone.lib/1.0.0/x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.DeleteVersion(ctx, &registry.Tombstone{LowerID: "gone.lib", LowerVersion: "1.0.0", Version: "1.0.0", DeletedAt: time.Now(), ActorName: "operator", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	dst, err := OpenPostgres(ctx, pgtest.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	for run := 1; run <= 2; run++ { // the second run is a resumed move: nothing doubles
		counts, err := dst.CopyRows(ctx, src, nil)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if i := slices.IndexFunc(counts, func(c TableCount) bool { return c.Table == "api_keys" }); counts[i].Rows != 1 {
			t.Errorf("run %d copied %d keys, want 1", run, counts[i].Rows)
		}
	}
	k, err := dst.KeyByHash(ctx, "hash-1")
	if err != nil || k.PolicyID == nil || *k.PolicyID != p.ID || k.ExpiresAt == nil {
		t.Errorf("the copied key: %+v (%v)", k, err)
	}
	if err := dst.MintTrustedKey(ctx, mintFor(p, "jti-1", "hash-2")); err == nil {
		t.Error("a token used before the move was accepted again after it")
	}
	if got, err := dst.Policy(ctx, ro.ID); err != nil || !got.ReadOnly || !got.AnyRepo() || got.RepositoryID != trust.AnyRepository {
		t.Errorf("the copied read-only policy: %+v (%v)", got, err)
	}
	if fs, err := dst.ListFeeds(ctx); err != nil || len(fs) != 2 || fs[1].Name != "secret" || !fs[1].Private {
		t.Errorf("the copied feeds: %+v (%v), want default and the private secret", fs, err)
	}
	if gs, err := dst.FeedGrants(ctx, secret.ID); err != nil || len(gs) != 1 || gs[0].SubjectID != alice.ID {
		t.Errorf("the copied grants of secret: %+v (%v), want alice's", gs, err)
	}
	if fs, err := dst.ListFeeds(ctx); err != nil || len(fs) != 2 || !fs[1].OwnersMayDelete {
		t.Errorf("the copied feeds lost owners_may_delete: %+v (%v)", fs, err)
	}
	if tb, err := dst.Tombstone(ctx, "gone.lib", "1.0.0"); err != nil || tb.Name != "Gone.Lib" || tb.Reason != "test" || len(tb.OwnerIDs) != 1 || tb.OwnerIDs[0] != alice.ID {
		t.Errorf("the copied tombstone: %+v (%v)", tb, err)
	}
	var gone *registry.TombstonedError
	if err := dst.InsertVersion(ctx, "GONE.LIB", alice.ID, 1, &registry.PackageVersion{Version: v1, OriginalVersion: "1.0", Listed: true, Published: time.Now()}); !errors.As(err, &gone) {
		t.Errorf("pushing deleted coordinates after the move: %v, want a TombstonedError", err)
	}
	bob := &registry.Account{Name: "bob", Kind: registry.KindUser, CreatedAt: time.Now()}
	if err := dst.CreateAccount(ctx, bob); err != nil || bob.ID <= alice.ID {
		t.Errorf("a new account after the move: ID %d (%v), want past the copied IDs", bob.ID, err)
	}
}
