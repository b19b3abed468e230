// Helpers for the disk tests in disk_test.go: a small tmpfs mounted for
// one test, filled to the page, remounted read-only and back.
package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fillerName is the file that fills a test's tmpfs; checks ignore it.
const fillerName = "filler.bin"

// tmpfs is a small file system mounted for one test.
type tmpfs struct {
	t   *testing.T
	dir string
}

// mountTmpfs mounts a tmpfs of size (e.g. "8m") on dir, creating it, and
// unmounts it when the test ends (after servers started later have
// stopped). Without root the test is skipped: mounting needs it.
func mountTmpfs(t *testing.T, dir, size string) *tmpfs {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: this test mounts a small tmpfs to fill it and make it read-only, which needs root (CI runs as root)")
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
	return &tmpfs{t: t, dir: dir}
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// free returns the bytes the file system has free.
func (f *tmpfs) free() int64 {
	var st syscall.Statfs_t
	if err := syscall.Statfs(f.dir, &st); err != nil {
		f.t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// fill writes the filler file until the file system is full, then gives
// back leave bytes (rounded up to whole pages).
func (f *tmpfs) fill(leave int64) {
	f.t.Helper()
	path := filepath.Join(f.dir, fillerName)
	w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		f.t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err = w.Write(chunk); err != nil {
			break
		}
	}
	w.Close()
	if !errors.Is(err, syscall.ENOSPC) {
		f.t.Fatalf("filling %s: %v, want ENOSPC", f.dir, err)
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

// empty removes the filler file.
func (f *tmpfs) empty() {
	f.t.Helper()
	if err := os.Remove(filepath.Join(f.dir, fillerName)); err != nil {
		f.t.Fatal(err)
	}
}

// readOnly remounts the file system read-only (true) or read-write.
func (f *tmpfs) readOnly(ro bool) {
	f.t.Helper()
	mode := "remount,rw"
	if ro {
		mode = "remount,ro"
	}
	run(f.t, "mount", "-o", mode, f.dir)
}
