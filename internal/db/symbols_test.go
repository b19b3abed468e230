package db

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

func TestSymbols(t *testing.T) { eachBackend(t, testSymbols) }

// testSymbols: a version's symbol package is stored with its files in one
// go, once; only an owner of the package stores it; PDBs are found by key;
// the symbol package's prefix counts as live for the orphan sweep.
func testSymbols(t *testing.T, d *DB, _ func() *DB) {
	ctx := context.Background()
	alice := &registry.Account{Name: "alice", Kind: registry.KindUser, CreatedAt: time.Now()}
	bob := &registry.Account{Name: "bob", Kind: registry.KindUser, CreatedAt: time.Now()}
	for _, a := range []*registry.Account{alice, bob} {
		if err := d.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	v, _ := nuget.ParseVersion("1.0.0")
	pv := &registry.PackageVersion{Version: v, OriginalVersion: "1.0.0", Listed: true, Published: time.Now(), BlobPrefix: "packages/pkg/1.0.0/aa"}
	if err := d.InsertVersion(ctx, "Pkg", alice.ID, 1, pv); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SymbolPackage(ctx, pv.ID); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("symbols before any push: %v, want ErrNotFound", err)
	}
	key := "foo.pdb/497b72f6390a44fc878e5a2d63b6cc4bffffffff/foo.pdb"
	sp := func() *registry.SymbolPackage {
		return &registry.SymbolPackage{VersionID: pv.ID, BlobPrefix: "packages/pkg/1.0.0/bb", Size: 10, SHA512: "h", PushedBy: alice.ID, Created: time.Now(),
			Files: []registry.SymbolFile{{Key: key, Path: "lib/net8.0/Foo.pdb", Blob: "0.pdb", Size: 4}}}
	}
	if err := d.InsertSymbols(ctx, bob.ID, sp()); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("a non-owner's symbols: %v, want ErrForbidden", err)
	}
	first := sp()
	if err := d.InsertSymbols(ctx, alice.ID, first); err != nil || first.ID == 0 {
		t.Fatalf("the owner's symbols: %v (ID %d)", err, first.ID)
	}
	if err := d.InsertSymbols(ctx, alice.ID, sp()); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("symbols pushed twice: %v, want ErrConflict", err)
	}
	got, err := d.SymbolPackage(ctx, pv.ID)
	if err != nil || got.BlobPrefix != "packages/pkg/1.0.0/bb" || len(got.Files) != 1 || got.Files[0].Key != key || got.PushedBy != alice.ID {
		t.Errorf("SymbolPackage = %+v, %v", got, err)
	}
	locs, err := d.SymbolLocations(ctx, key, 5)
	want := []registry.SymbolLocation{{LowerID: "pkg", LowerVersion: "1.0.0", BlobKey: "packages/pkg/1.0.0/bb/0.pdb", Size: 4}}
	if err != nil || !slices.Equal(locs, want) {
		t.Errorf("SymbolLocations = %+v, %v; want %+v", locs, err, want)
	}
	if locs, _ := d.SymbolLocations(ctx, "bar.pdb/00ffffffff/bar.pdb", 5); len(locs) != 0 {
		t.Errorf("an unknown key found %+v", locs)
	}
	var prefixes []string
	if err := d.BlobPrefixes(ctx, func(p string) error { prefixes = append(prefixes, p); return nil }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(prefixes)
	if !slices.Equal(prefixes, []string{"packages/pkg/1.0.0/aa", "packages/pkg/1.0.0/bb"}) {
		t.Errorf("BlobPrefixes = %q, want the version's and its symbols'", prefixes)
	}
}
