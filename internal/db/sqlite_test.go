package db

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
)

// TestSQLiteInAnyDirectory: the data directory may be any path, and its
// database is wharf.db in it. The DSN is a file: URI, where '#' starts a
// fragment, '?' the parameters and '%' an escape: unescaped, a directory
// named "data#1" opened the file "data" next to it, which "data#2" shared.
func TestSQLiteInAnyDirectory(t *testing.T) {
	parent := t.TempDir()
	ctx := context.Background()
	names := []string{"data#1", "data#2", "data?x=1", "data%41", "data 50%", "da&ta=1"}
	for _, name := range names {
		d, err := Open(ctx, "", filepath.Join(parent, name))
		if err != nil {
			t.Fatalf("open in %q: %v", name, err)
		}
		if err := d.CreateAccount(ctx, &registry.Account{Name: "owner", Kind: registry.KindUser}); err != nil {
			t.Errorf("a fresh database in %q already has an account: %v", name, err)
		}
		d.Close()
		if _, err := os.Stat(filepath.Join(parent, name, "wharf.db")); err != nil {
			t.Errorf("the database of %q is not in it: %v", name, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("the parent directory holds %q, want only the data directories %q", got, names)
	}
}
