package main

import (
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/testenv/tmpfs"
)

// diskTree lists every file of a data directory's package store and
// upload spool with its size, the tmpfs filler excepted: two equal lists
// mean no file was written or left behind. (The database's version rows
// are compared by intact; its files change with background writes.)
func diskTree(t *testing.T, data string) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{filepath.Join(data, "packages"), filepath.Join(data, "tmp")} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() == tmpfs.FillerName {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			files = append(files, fmt.Sprintf("%s %d", strings.TrimPrefix(path, data), info.Size()))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(files)
	return files
}

// diskFeed is a server whose data directory (or part of it) is a tmpfs,
// with packages already stored that must survive whatever the test does.
type diskFeed struct {
	*e2e
	fs   *tmpfs.FS
	key  string
	kept map[string][]byte // by "id/version"
}

// newDiskFeed mounts a tmpfs of size at mount (relative to the data
// directory: "packages" or ""), starts wharf serve and stores three
// packages.
func newDiskFeed(t *testing.T, mount, size string) *diskFeed {
	data := t.TempDir()
	f := &diskFeed{fs: tmpfs.Mount(t, filepath.Join(data, mount), size), kept: map[string][]byte{}}
	f.e2e = startWharfIn(t, data)
	f.key = f.apiKey(t, "alice")
	for i := range 3 {
		spec := nugettest.Spec{ID: "Kept.Pkg", Version: fmt.Sprintf("1.0.%d", i), Payload: 32 << 10}
		f.kept[spec.ID+"/"+spec.Version] = f.mustPushHTTP(t, f.key, spec)
	}
	return f
}

// refused pushes spec and requires the status with phrase in the answer,
// and the data directory exactly as before.
func (f *diskFeed) refused(t *testing.T, spec nugettest.Spec, status int, phrase string) {
	t.Helper()
	before := diskTree(t, f.data)
	got, why := f.pushHTTP(t, f.key, spec)
	if got != status || !strings.Contains(why, phrase) {
		t.Errorf("push %s %s: %s; want %d saying %q", spec.ID, spec.Version, why, status, phrase)
	}
	if after := diskTree(t, f.data); !slices.Equal(after, before) {
		t.Errorf("the refused push changed the data directory:\nbefore %q\nafter  %q", before, after)
	}
	f.intact(t)
	if v := f.versions(t, spec.ID); slices.Contains(v, spec.Version) {
		t.Errorf("the refused push of %s %s is listed: %q", spec.ID, spec.Version, v)
	}
}

// intact requires every stored package to download byte-identical, the
// versions list to be unchanged and the data directory consistent.
func (f *diskFeed) intact(t *testing.T) {
	t.Helper()
	for k, want := range f.kept {
		id, v, _ := strings.Cut(k, "/")
		if got := f.nupkg(t, id, v); string(got) != string(want) {
			t.Errorf("%s %s downloads %d bytes, want the %d pushed", id, v, len(got), len(want))
		}
	}
	pushed := map[string][]byte{}
	for k, b := range f.kept {
		pushed[strings.ToLower(k)] = b
	}
	if st := checkDataDir(t, f.data, pushed, map[string]bool{}); len(st.rows) != len(f.kept) || len(st.orphans) != 0 {
		t.Errorf("the database has %d versions and the store %q orphaned files; want %d and none", len(st.rows), st.orphans, len(f.kept))
	}
}

// readyz returns the readiness probe's status and text.
func (f *diskFeed) readyz(t *testing.T) (int, string) {
	t.Helper()
	status, body, err := f.get(f.base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	return status, strings.TrimSpace(string(body))
}

// TestPackageStoreFull: the packages folder is a small tmpfs. Filled up, a
// push is refused with 507 and a sentence, whether nothing fits or the
// .nupkg fits and the .nuspec does not; nothing is left behind and every
// stored package still downloads as pushed. Once space is freed, a push
// succeeds without a restart.
func TestPackageStoreFull(t *testing.T) {
	f := newDiskFeed(t, "packages", "4m")
	const full = "The feed's storage is full; nothing was saved. Ask the operator to free space, then push again."
	t.Run("nothing fits", func(t *testing.T) {
		f.fs.Fill(0)
		defer f.fs.Empty()
		f.refused(t, nugettest.Spec{ID: "New.Pkg", Version: "1.0.0", Payload: 256 << 10}, http.StatusInsufficientStorage, full)
	})
	t.Run("the .nupkg fits, the .nuspec does not", func(t *testing.T) {
		spec := nugettest.Spec{ID: "New.Pkg", Version: "1.0.0", Payload: 256 << 10}
		f.fs.Fill(int64(len(spec.Build())))
		defer f.fs.Empty()
		f.refused(t, spec, http.StatusInsufficientStorage, full)
	})
	f.mustPushHTTP(t, f.key, nugettest.Spec{ID: "New.Pkg", Version: "1.0.0", Payload: 256 << 10})
}

// TestPackageStoreReadOnly: the packages folder is remounted read-only. A
// push is refused with 503 and a sentence (the store is there but refuses
// writes: a condition the operator fixes, after which the same push
// succeeds; 507 would say it lacks space), nothing changes, reads keep
// working and /readyz says the store refuses writes. Remounted read-write,
// pushes work again without a restart.
func TestPackageStoreReadOnly(t *testing.T) {
	f := newDiskFeed(t, "packages", "4m")
	f.fs.ReadOnly(true)
	f.refused(t, nugettest.Spec{ID: "New.Pkg", Version: "1.0.0"}, http.StatusServiceUnavailable,
		"The feed's storage is read-only; nothing was saved. Ask the operator to check it, then push again.")
	if v := f.versions(t, "Kept.Pkg"); !slices.Equal(v, []string{"1.0.0", "1.0.1", "1.0.2"}) {
		t.Errorf("versions while read-only: %q", v)
	}
	if status, text := f.readyz(t); status != http.StatusServiceUnavailable || text != "The package store does not answer or refuses writes." {
		t.Errorf("/readyz while read-only: %d %q", status, text)
	}
	f.fs.ReadOnly(false)
	if status, text := f.readyz(t); status != http.StatusOK {
		t.Errorf("/readyz after remounting read-write: %d %q", status, text)
	}
	f.mustPushHTTP(t, f.key, nugettest.Spec{ID: "New.Pkg", Version: "1.0.0"})
}

// TestDataDirFull: the whole data directory (SQLite, the upload spool and
// the packages) is one small tmpfs. Filled up, a push is refused with 507
// and a sentence, whether the upload cannot even be received or the
// package files cannot be stored; nothing is left behind. Once space is
// freed, a push succeeds without a restart.
func TestDataDirFull(t *testing.T) {
	f := newDiskFeed(t, "", "16m")
	spec := nugettest.Spec{ID: "New.Pkg", Version: "1.0.0", Payload: 256 << 10}
	t.Run("the upload does not fit", func(t *testing.T) {
		f.fs.Fill(0)
		defer f.fs.Empty()
		f.refused(t, spec, http.StatusInsufficientStorage, "The server's disk is full: it has no room to receive the package, and nothing was saved.")
	})
	t.Run("the upload fits, the package files do not", func(t *testing.T) {
		f.fs.Fill(int64(len(spec.Build())) + 64<<10)
		defer f.fs.Empty()
		f.refused(t, spec, http.StatusInsufficientStorage, "The feed's storage is full; nothing was saved.")
	})
	f.mustPushHTTP(t, f.key, spec)
}
