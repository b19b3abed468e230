// Package testenv opens Wharf's real stores for tests: SQLite and the
// filesystem blob store in a fresh temporary directory, closed when the
// test ends. Tests use these instead of mocks.
package testenv

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/storage/fs"
)

// Stores opens a database and a blob store under dir (a t.TempDir() when
// dir is ""), laid out as a data directory: wharf.db and packages/.
func Stores(t testing.TB, dir string) (*db.DB, *fs.Store) {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	d, err := db.OpenSQLite(context.Background(), filepath.Join(dir, "wharf.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	blobs, err := fs.New(filepath.Join(dir, "packages"))
	if err != nil {
		t.Fatal(err)
	}
	return d, blobs
}
