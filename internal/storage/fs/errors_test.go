package fs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/wharf-registry/wharf/internal/storage"
)

func TestWriteErrorMapping(t *testing.T) {
	tests := []struct {
		errno syscall.Errno
		want  error
	}{
		{syscall.ENOSPC, storage.ErrInsufficientStorage},
		{syscall.EDQUOT, storage.ErrInsufficientStorage},
		{syscall.EROFS, storage.ErrReadOnly},
		{syscall.EACCES, storage.ErrReadOnly},
		{syscall.EPERM, storage.ErrReadOnly},
		{syscall.EIO, nil},
	}
	for _, tt := range tests {
		err := writeError(&fs.PathError{Op: "write", Path: "/x", Err: tt.errno})
		if !errors.Is(err, tt.errno) {
			t.Errorf("writeError(%v) = %v; lost the OS error", tt.errno, err)
		}
		for _, sentinel := range []error{storage.ErrInsufficientStorage, storage.ErrReadOnly} {
			if got := errors.Is(err, sentinel); got != (sentinel == tt.want) {
				t.Errorf("writeError(%v) is %v: %v; want %v", tt.errno, sentinel, got, sentinel == tt.want)
			}
		}
	}
}

// TestDiskFull writes through Put's copy loop into /dev/full, whose writes
// fail with a real ENOSPC.
func TestDiskFull(t *testing.T) {
	f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer f.Close()
	_, err = copyCtx(t.Context(), f, strings.NewReader("data"))
	if !errors.Is(err, storage.ErrInsufficientStorage) || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("writing to /dev/full = %v; want ErrInsufficientStorage wrapping ENOSPC", err)
	}
}

// TestReadOnlyDir makes the store's directories unwritable. Root ignores
// permission bits, so this runs only as an unprivileged user; EROFS itself
// needs a read-only mount and is covered by TestWriteErrorMapping.
func TestReadOnlyDir(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs an unprivileged user on a Unix-like system: root bypasses permission bits")
	}
	s := newStore(t)
	if err := put(t, s, "p/k", "x"); err != nil {
		t.Fatal(err)
	}
	dirs := []string{s.root, s.tmp, filepath.Join(s.root, "p")}
	for _, d := range dirs {
		os.Chmod(d, 0o550)
	}
	t.Cleanup(func() {
		for _, d := range dirs {
			os.Chmod(d, 0o750)
		}
	})
	if err := put(t, s, "p/other", "x"); !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("Put into a read-only store = %v; want ErrReadOnly", err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("Ping of a read-only store = %v; want ErrReadOnly", err)
	}
	if err := s.Delete(t.Context(), "p/k"); !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("Delete in a read-only store = %v; want ErrReadOnly", err)
	}
	if b, err := s.Open(t.Context(), "p/k"); err != nil {
		t.Errorf("Open in a read-only store: %v", err)
	} else {
		io.Copy(io.Discard, b)
		b.Close()
	}
}
