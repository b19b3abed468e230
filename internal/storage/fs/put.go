package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/wharf-registry/wharf/internal/storage"
)

// Put stores exactly size bytes from r under key. It writes a temporary
// file, fsyncs it, renames it over the key and fsyncs the directory. On any
// error it removes the temporary file and the key keeps its old content,
// except when the directory fsync fails after the rename: the key is then
// removed, since its entry may not survive a crash.
// ctx is checked between chunks of r and before the rename. Errors:
// storage.ErrSizeMismatch, storage.ErrInsufficientStorage,
// storage.ErrReadOnly, r's error, ctx's error.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	return s.put(ctx, key, r, size, true)
}

// put is Put, with the fsyncs (durable) or without them (PutLazy).
func (s *Store) put(ctx context.Context, key string, r io.Reader, size int64, durable bool) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("fs: put %s: %w: negative size %d", key, storage.ErrSizeMismatch, size)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return fmt.Errorf("fs: put %s: %w", key, writeError(err))
	}
	tmp := f.Name()
	err = fill(ctx, f, r, size, durable)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = writeError(cerr)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil && durable {
		err = s.commit(tmp, p)
	} else if err == nil {
		err = s.commitLazy(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fs: put %s: %w", key, err)
	}
	return nil
}

// fill copies exactly size bytes from r to f and, when durable, fsyncs f.
func fill(ctx context.Context, f *os.File, r io.Reader, size int64, durable bool) error {
	if err := f.Chmod(0o640); err != nil {
		return writeError(err)
	}
	n, err := copyCtx(ctx, f, io.LimitReader(r, size+1))
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%w: got %s bytes, want %d", storage.ErrSizeMismatch, count(n, size), size)
	}
	if !durable {
		return nil
	}
	if err := f.Sync(); err != nil {
		return writeError(err)
	}
	return nil
}

func count(n, size int64) string {
	if n > size {
		return fmt.Sprintf("more than %d", size)
	}
	return fmt.Sprint(n)
}

// copyCtx copies src to dst until EOF, checking ctx before every read.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 64<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		nr, rerr := src.Read(buf)
		if nr > 0 {
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, writeError(werr)
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, fmt.Errorf("read: %w", rerr)
		}
	}
}

// commit renames tmp to dst, creating dst's directories, and fsyncs the
// directories it changed. If they cannot be synced, dst is removed.
func (s *Store) commit(tmp, dst string) error {
	dir := filepath.Dir(dst)
	top, err := s.place(tmp, dst)
	if err != nil {
		return writeError(err)
	}
	if err := s.syncDirs(dir, top); err != nil {
		os.Remove(dst)
		return writeError(err)
	}
	return nil
}

// place creates dst's directories and renames tmp to dst, returning the
// topmost directory it created. Delete removes directories it empties; the
// read lock keeps it from removing one of ours in this process before the
// rename fills it, and a missing directory (another process) is retried.
func (s *Store) place(tmp, dst string) (string, error) {
	s.dirs.RLock()
	defer s.dirs.RUnlock()
	var err error
	for range 5 {
		var top string
		if top, err = s.mkdirs(filepath.Dir(dst)); err == nil {
			if err = os.Rename(tmp, dst); err == nil {
				return top, nil
			}
		}
		if !errors.Is(err, iofs.ErrNotExist) {
			break
		}
	}
	return "", err
}

// mkdirs creates dir and its missing parents and returns the topmost one it
// had to create, or "" if dir existed.
func (s *Store) mkdirs(dir string) (string, error) {
	top := ""
	for d := dir; d != s.root; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		top = d
	}
	if top == "" {
		return "", nil
	}
	return top, os.MkdirAll(dir, 0o750)
}

// syncDirs fsyncs dir and, when top was created, every directory from dir
// up to top's parent, so that new entries survive a crash.
func (s *Store) syncDirs(dir, top string) error {
	stop := dir
	if top != "" {
		stop = filepath.Dir(top)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if err := syncDir(d); err != nil {
			return err
		}
		if d == stop || d == s.root || d == filepath.Dir(d) {
			return nil
		}
	}
}

// syncDir fsyncs a directory; file systems that cannot are skipped.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}
