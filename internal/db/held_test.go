package db

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestHeldVersions: on SQLite and PostgreSQL, a held version keeps its
// coordinates from a push and from a second hold, is listed with what
// changed, joins the feed in one transaction on release (after which its
// row is gone), and the trusted-only switches read back per package and
// per owner.
func TestHeldVersions(t *testing.T) {
	eachBackend(t, func(t *testing.T, d *DB, _ func() *DB) {
		ctx := context.Background()
		alice := seedAccount(t, d, "alice")
		now := time.Now().UTC().Truncate(time.Second)
		v1, _ := nuget.ParseVersion("1.0.0")
		v2, _ := nuget.ParseVersion("2.0.0")
		est := &registry.Provenance{Issuer: "https://i", Repository: "contoso/sdk", RepositoryID: "1"}
		if err := d.InsertVersion(ctx, "Held.Lib", alice.ID, 1, &registry.PackageVersion{Version: v1, OriginalVersion: "1.0.0", Listed: true,
			Published: now, BlobPrefix: "packages/held.lib/1.0.0/a", Metadata: &registry.Metadata{}, Provenance: est}); err != nil {
			t.Fatal(err)
		}
		p, err := d.Package(ctx, "held.lib")
		if err != nil {
			t.Fatal(err)
		}
		h := &registry.HeldVersion{PackageID: p.ID, FeedID: 1, Name: "Held.Lib", Version: v2, OriginalVersion: "2.0.0", Size: 3, SHA512: "x",
			BlobPrefix: "packages/held.lib/2.0.0/b", Metadata: &registry.Metadata{Description: "held"}, Established: est, EstablishedVersion: "1.0.0",
			Changes: []registry.ProvenanceChange{{What: "publisher", Was: "trusted publishing from contoso/sdk", Now: "a long-lived API key"}},
			OwnerID: alice.ID, PushedBy: alice.ID, KeyHint: "wharf_ab", HeldAt: now}
		if err := d.PutHeld(ctx, h); err != nil {
			t.Fatal(err)
		}
		if err := d.PutHeld(ctx, &registry.HeldVersion{PackageID: p.ID, Name: "Held.Lib", Version: v2, OriginalVersion: "2.0.0", Metadata: &registry.Metadata{},
			Changes: []registry.ProvenanceChange{}, HeldAt: now}); !errors.Is(err, registry.ErrConflict) {
			t.Errorf("a second hold of 2.0.0: %v, want ErrConflict", err)
		}
		if err := d.InsertVersion(ctx, "Held.Lib", alice.ID, 1, &registry.PackageVersion{Version: v2, OriginalVersion: "2.0.0", Listed: true,
			Published: now, Metadata: &registry.Metadata{}}); !errors.Is(err, registry.ErrConflict) {
			t.Errorf("a push of the held 2.0.0: %v, want ErrConflict", err)
		}
		hs, err := d.HeldVersions(ctx, "held.lib")
		if err != nil || len(hs) != 1 || hs[0].Provenance != nil || hs[0].Established.RepositoryID != "1" || len(hs[0].Changes) != 1 ||
			hs[0].Metadata.Description != "held" || !hs[0].HeldAt.Equal(now) {
			t.Fatalf("held versions: %+v (%v)", hs, err)
		}
		var prefixes []string
		if err := d.BlobPrefixes(ctx, func(p string) error { prefixes = append(prefixes, p); return nil }); err != nil || len(prefixes) != 2 {
			t.Errorf("blob prefixes %v (%v): want the version's and the held one's", prefixes, err)
		}
		if err := d.ReleaseHeld(ctx, &hs[0], alice.ID, alice.ID, hs[0].AsVersion(now)); err != nil {
			t.Fatal(err)
		}
		if _, err := d.HeldVersion(ctx, "held.lib", "2.0.0"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("after the release the row is %v, want ErrNotFound", err)
		}
		if p, err := d.Package(ctx, "held.lib"); err != nil || len(p.Versions) != 2 {
			t.Errorf("versions after the release: %v (%v)", p, err)
		}
		if err := d.ReleaseHeld(ctx, &hs[0], alice.ID, alice.ID, hs[0].AsVersion(now)); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("a second release: %v, want ErrNotFound", err)
		}

		if err := d.SetPackageRequireTrusted(ctx, "held.lib", true); err != nil {
			t.Fatal(err)
		}
		if err := d.SetPackageRequireTrusted(ctx, "no.such", true); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("switching a missing package: %v, want ErrNotFound", err)
		}
		if err := d.SetOwnerRequireTrusted(ctx, alice.ID, true); err != nil {
			t.Fatal(err)
		}
		got, err := d.RequireTrusted(ctx, "held.lib", []int64{alice.ID})
		if err != nil || !got.Package || len(got.Owners) != 1 || got.Owners[0] != "alice" {
			t.Errorf("switches: %+v (%v)", got, err)
		}
		if got, err := d.RequireTrusted(ctx, "new.id", nil); err != nil || got.Required() {
			t.Errorf("a new ID without owners: %+v (%v)", got, err)
		}
	})
}
