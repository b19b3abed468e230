package fs

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/storage"
)

// TestLazyWrites: PutLazy replaces a key and is readable at once; Link
// shares the source's bytes (same inode, no copy); Flush syncs what they
// wrote and forgets it; a missing source is ErrNotFound.
func TestLazyWrites(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	read := func(key string) string {
		t.Helper()
		b, err := s.Open(ctx, key)
		if err != nil {
			t.Fatalf("open %s: %v", key, err)
		}
		defer b.Close()
		got, _ := io.ReadAll(b)
		return string(got)
	}
	for _, body := range []string{"first", "second, longer"} {
		if err := s.PutLazy(ctx, "static/v3/a/index.json", strings.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
		if got := read("static/v3/a/index.json"); got != body {
			t.Errorf("after PutLazy: %q, want %q", got, body)
		}
	}
	if err := s.PutLazy(ctx, "static/short", strings.NewReader("abc"), 4); !errors.Is(err, storage.ErrSizeMismatch) {
		t.Errorf("short PutLazy: %v", err)
	}
	if err := s.Put(ctx, "packages/a/1/a.nupkg", strings.NewReader("package"), 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Link(ctx, "packages/a/1/a.nupkg", "static/v3/package/a/1/a.1.nupkg"); err != nil {
		t.Fatal(err)
	}
	if got := read("static/v3/package/a/1/a.1.nupkg"); got != "package" {
		t.Errorf("linked: %q", got)
	}
	a, _ := os.Stat(s.root + "/packages/a/1/a.nupkg")
	b, _ := os.Stat(s.root + "/static/v3/package/a/1/a.1.nupkg")
	if !os.SameFile(a, b) {
		t.Errorf("Link copied the file rather than linking it")
	}
	if err := s.Link(ctx, "packages/none", "static/none"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Link of a missing source: %v", err)
	}
	if len(s.lazy) == 0 {
		t.Fatal("nothing waits for Flush")
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.lazy) != 0 {
		t.Errorf("Flush left %d paths", len(s.lazy))
	}
	if entries, _ := os.ReadDir(s.tmp); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}
