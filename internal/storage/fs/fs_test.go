package fs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/storagetest"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// TestConformance runs the shared suite and checks after every case that
// no temporary file was left behind.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Blobs {
		s := newStore(t)
		t.Cleanup(func() { wantNoTemp(t, s) })
		return s
	})
}

func wantNoTemp(t *testing.T, s *Store) {
	t.Helper()
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		t.Fatalf("reading %s: %v", s.tmp, err)
	}
	for _, e := range entries {
		t.Errorf("temporary file left behind: %s", e.Name())
	}
}

func put(t *testing.T, s *Store, key, data string) error {
	t.Helper()
	return s.Put(t.Context(), key, strings.NewReader(data), int64(len(data)))
}

func TestNew(t *testing.T) {
	dir := t.TempDir()
	s, err := New(filepath.Join(dir, "a", "b"))
	if err != nil {
		t.Fatalf("New of a missing nested root: %v", err)
	}
	for _, p := range []string{s.root, s.tmp} {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&^0o750 != 0 {
			t.Errorf("%s: %v, %v; want a directory with at most mode 0750", p, fi.Mode(), err)
		}
	}
	if _, err := New(""); err == nil {
		t.Errorf("New(\"\") = nil error; want an error")
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := New(file); err == nil {
		t.Errorf("New on a regular file = nil error; want an error")
	}
}

func TestFileMode(t *testing.T) {
	s := newStore(t)
	if err := put(t, s, "k", "x"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(s.root, "k"))
	if err != nil || fi.Mode().Perm()&^0o640 != 0 {
		t.Errorf("stored file mode %v (%v); want at most 0640", fi.Mode(), err)
	}
}

func TestReservedTmpKey(t *testing.T) {
	s := newStore(t)
	for _, key := range []string{".tmp", ".tmp/x"} {
		if err := put(t, s, key, "x"); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v; want ErrInvalidKey", key, err)
		}
		if err := s.Delete(t.Context(), key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v; want ErrInvalidKey", key, err)
		}
	}
	if err := put(t, s, "a/.tmp", "x"); err != nil {
		t.Errorf("Put(a/.tmp): %v; .tmp is reserved only at the top", err)
	}
}

// TestKeyDirectoryConflict covers what the file system cannot hold: a key
// that is another key's directory. Put fails and leaves no temporary file.
func TestKeyDirectoryConflict(t *testing.T) {
	s := newStore(t)
	if err := put(t, s, "a/b/c", "c"); err != nil {
		t.Fatal(err)
	}
	if err := put(t, s, "a/b", "b"); err == nil {
		t.Errorf("Put(a/b) over directory a/b = nil; want an error")
	}
	if err := put(t, s, "a/b/c/d", "d"); err == nil {
		t.Errorf("Put(a/b/c/d) under file a/b/c = nil; want an error")
	}
	wantNoTemp(t, s)
	if got, err := s.Stat(t.Context(), "a/b/c"); err != nil || got.Size != 1 {
		t.Errorf("Stat(a/b/c) = %+v, %v after the failed Puts", got, err)
	}
}

func TestDeleteRemovesEmptyDirs(t *testing.T) {
	s := newStore(t)
	for _, key := range []string{"packages/a/1/u/f", "packages/a/2/u/f"} {
		if err := put(t, s, key, "x"); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(rel string) bool {
		_, err := os.Lstat(filepath.Join(s.root, filepath.FromSlash(rel)))
		return err == nil
	}
	if err := s.Delete(t.Context(), "packages/a/1/u/f"); err != nil {
		t.Fatal(err)
	}
	if exists("packages/a/1") || !exists("packages/a/2/u/f") {
		t.Errorf("after deleting packages/a/1/u/f: packages/a/1 exists %v, packages/a/2/u/f exists %v; want false, true",
			exists("packages/a/1"), exists("packages/a/2/u/f"))
	}
	if err := s.Delete(t.Context(), "packages/a/2/u/f"); err != nil {
		t.Fatal(err)
	}
	if exists("packages") || !exists(".tmp") {
		t.Errorf("after deleting every key: packages exists %v, .tmp exists %v; want false, true", exists("packages"), exists(".tmp"))
	}
	if _, err := os.Stat(s.root); err != nil {
		t.Errorf("root removed: %v", err)
	}
}

// TestListSkipsForeignFiles checks that List shows only keys: not temporary
// files, names that are not valid keys, or symlinks.
func TestListSkipsForeignFiles(t *testing.T) {
	s := newStore(t)
	if err := put(t, s, "p/k", "x"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.tmp, "put-123"), []byte("partial"), 0o600)
	os.WriteFile(filepath.Join(s.root, "p", "bad name"), nil, 0o600)
	os.Mkdir(filepath.Join(s.root, "p", "bad dir"), 0o750)
	os.WriteFile(filepath.Join(s.root, "p", "bad dir", "f"), nil, 0o600)
	if err := os.Symlink(filepath.Join(s.root, "p", "k"), filepath.Join(s.root, "p", "link")); err != nil {
		t.Logf("no symlink: %v", err)
	}
	var got []string
	err := s.List(t.Context(), "", func(i storage.Info) error {
		got = append(got, i.Key)
		return nil
	})
	if err != nil || len(got) != 1 || got[0] != "p/k" {
		t.Errorf("List(\"\") = %q, %v; want [p/k]", got, err)
	}
}

func TestSweepTemp(t *testing.T) {
	s := newStore(t)
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{"put-old", "put-old2"} {
		p := filepath.Join(s.tmp, name)
		os.WriteFile(p, []byte("partial"), 0o600)
		os.Chtimes(p, old, old)
	}
	os.WriteFile(filepath.Join(s.tmp, "put-new"), []byte("in progress"), 0o600)
	if err := put(t, s, "k", "kept"); err != nil {
		t.Fatal(err)
	}
	if err := s.SweepTemp(time.Hour); err != nil {
		t.Fatalf("SweepTemp: %v", err)
	}
	entries, _ := os.ReadDir(s.tmp)
	if len(entries) != 1 || entries[0].Name() != "put-new" {
		t.Errorf("after SweepTemp(1h), .tmp holds %v; want only put-new", entries)
	}
	if _, err := s.Stat(t.Context(), "k"); err != nil {
		t.Errorf("SweepTemp touched a stored key: %v", err)
	}
	if err := s.SweepTemp(0); err != nil {
		t.Fatalf("SweepTemp(0): %v", err)
	}
	wantNoTemp(t, s)
}
