// Package tmpfs mounts small file systems for tests, to fill them to the
// page or make them read-only: a real full or read-only disk, no mock.
package tmpfs

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// FillerName is the file FS.Fill writes; checks of a tmpfs's content
// skip it.
const FillerName = "filler.bin"

// FS is a small file system mounted for one test.
type FS struct {
	t   testing.TB
	Dir string
}

// Mount mounts a tmpfs of size (e.g. "8m") on dir, creating dir, and
// unmounts it when the test ends (after what the test started later has
// stopped). Without root the test is skipped: mounting needs it.
func Mount(t testing.TB, dir, size string) *FS {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: this test mounts a small tmpfs to fill it or make it read-only, which needs root (CI runs as root)")
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	run(t, "mount", "-t", "tmpfs", "-o", "size="+size+",mode=0750", "tmpfs", dir)
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return &FS{t: t, Dir: dir}
}

func run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// Fill writes the filler file until the file system is full, then gives
// back leave bytes (rounded up to whole pages).
func (f *FS) Fill(leave int64) {
	f.t.Helper()
	path := filepath.Join(f.Dir, FillerName)
	w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		f.t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for err == nil {
		_, err = w.Write(chunk)
	}
	w.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		f.t.Fatalf("filling %s: %v, want ENOSPC", f.Dir, err)
	}
	if leave > 0 {
		fi, err := os.Stat(path)
		if err != nil {
			f.t.Fatal(err)
		}
		page := int64(os.Getpagesize())
		cut := (leave + page - 1) / page * page
		if err := os.Truncate(path, max(0, fi.Size()/page*page-cut)); err != nil {
			f.t.Fatal(err)
		}
	}
}

// Empty removes the filler file.
func (f *FS) Empty() {
	f.t.Helper()
	if err := os.Remove(filepath.Join(f.Dir, FillerName)); err != nil {
		f.t.Fatal(err)
	}
}

// ReadOnly remounts the file system read-only (true) or read-write.
func (f *FS) ReadOnly(ro bool) {
	f.t.Helper()
	mode := "remount,rw"
	if ro {
		mode = "remount,ro"
	}
	run(f.t, "mount", "-o", mode, f.Dir)
}
