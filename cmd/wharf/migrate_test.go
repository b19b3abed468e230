package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestMigrateToPostgres fills a registry on SQLite and a folder, moves it
// with "wharf migrate", compares every stored file byte for byte, runs the
// move again (it resumes and copies nothing), and serves the moved
// registry from PostgreSQL: every package restores as pushed and the old
// key still pushes. A target holding another registry is refused.
func TestMigrateToPostgres(t *testing.T) {
	src := startWharfIn(t, "")
	key := src.apiKey(t, "alice")
	pushed := map[string][]byte{}
	for i := range 4 {
		for _, v := range []string{"1.0.0", "1.1.0-beta.1", "2.0.0"} {
			spec := nugettest.Spec{ID: fmt.Sprintf("Moved.Pkg%d", i), Version: v, Readme: []byte("# read me"), Payload: 4 << 10}
			pushed[spec.ID+"/"+v] = src.mustPushHTTP(t, key, spec)
		}
	}
	if status, text := src.changeListing(t, "DELETE", "Moved.Pkg0", "2.0.0", key); status != 204 {
		t.Fatal(text)
	}
	src.stopServer(t)
	src.exited = true

	pg := pgtest.Start(t)
	store := t.TempDir()
	stdout, _ := src.wharfOK(t, "migrate", "--to-database", pg, "--to-storage", "file://"+store)
	if !strings.Contains(stdout, "package_versions 12") || !strings.Contains(stdout, "verified byte for byte") {
		t.Errorf("the summary does not report 12 versions and verified blobs:\n%s", stdout)
	}
	sameFiles(t, filepath.Join(src.data, "packages"), store)

	stdout, _ = src.wharfOK(t, "migrate", "--to-database", pg, "--to-storage", "file://"+store)
	if !strings.Contains(stdout, "0 copied now") || !strings.Contains(stdout, "resumed") {
		t.Errorf("a second run should resume and copy no blob:\n%s", stdout)
	}

	moved := startWharfIn(t, "", "WHARF_DATABASE_URL="+pg, "WHARF_STORAGE_URL=file://"+store)
	for idv, want := range pushed {
		id, v, _ := strings.Cut(idv, "/")
		if got := moved.nupkg(t, id, v); !bytes.Equal(got, want) {
			t.Errorf("%s %s after the move: %d bytes, want the %d pushed", id, v, len(got), len(want))
		}
	}
	if moved.listed(t, "Moved.Pkg0", "2.0.0") {
		t.Error("an unlisted version was listed again by the move")
	}
	moved.mustPushHTTP(t, key, nugettest.Spec{ID: "Moved.Pkg0", Version: "3.0.0"})

	other := startWharfIn(t, "")
	other.apiKey(t, "mallory")
	other.stopServer(t)
	other.exited = true
	_, stderr, code := other.wharf(t, "migrate", "--to-database", pg, "--to-storage", "file://"+t.TempDir())
	if code == 0 || !strings.Contains(stderr, "already holds another registry") {
		t.Errorf("moving another registry into the used database: exit %d, stderr %q; want a refusal", code, stderr)
	}
}

// sameFiles requires two folders to hold the same files, byte for byte.
func sameFiles(t *testing.T, a, b string) {
	t.Helper()
	files := func(root string) map[string][]byte {
		m := map[string][]byte{}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				rel, _ := filepath.Rel(root, p)
				m[rel], _ = os.ReadFile(p)
			}
			return nil
		})
		return m
	}
	fa, fb := files(a), files(b)
	if len(fa) == 0 || len(fa) != len(fb) {
		t.Errorf("%s has %d files, %s has %d", a, len(fa), b, len(fb))
	}
	for name, data := range fa {
		if !bytes.Equal(data, fb[name]) {
			t.Errorf("%s differs after the move (%d bytes, copy %d)", name, len(data), len(fb[name]))
		}
	}
}
