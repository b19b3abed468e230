package fs

import (
	"context"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/wharf-registry/wharf/internal/storage"
)

var _ storage.LazyWriter = (*Store)(nil)

// PutLazy is Put without its fsyncs: the blob replaces the key atomically
// and is visible at once, but only Flush makes it durable across a crash
// of the machine. For data that can be made again (the static copy).
func (s *Store) PutLazy(ctx context.Context, key string, r io.Reader, size int64) error {
	return s.put(ctx, key, r, size, false)
}

// Link stores under key the blob under src, sharing its bytes (a hard
// link: src must never be written again, as package files never are).
// Like PutLazy, it is durable after Flush. Errors: storage.ErrNotFound
// (src), storage.ErrInvalidKey, write errors.
func (s *Store) Link(ctx context.Context, src, key string) error {
	sp, err := s.path(src)
	if err != nil {
		return err
	}
	dp, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return fmt.Errorf("fs: link %s: %w", key, writeError(err))
	}
	tmp := f.Name()
	f.Close()
	os.Remove(tmp)
	if err := os.Link(sp, tmp); err != nil {
		if errors.Is(err, iofs.ErrNotExist) {
			return notFound("link", src, err)
		}
		return fmt.Errorf("fs: link %s: %w", key, writeError(err))
	}
	if err := s.commitLazy(tmp, dp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("fs: link %s: %w", key, err)
	}
	return nil
}

// commitLazy renames tmp to dst, creating dst's directories, and
// remembers what Flush must fsync.
func (s *Store) commitLazy(tmp, dst string) error {
	top, err := s.place(tmp, dst)
	if err != nil {
		return writeError(err)
	}
	s.lazyMu.Lock()
	defer s.lazyMu.Unlock()
	if s.lazy == nil {
		s.lazy = map[string]bool{}
	}
	s.lazy[dst] = true
	stop := filepath.Dir(dst)
	if top != "" {
		stop = filepath.Dir(top)
	}
	for d := filepath.Dir(dst); ; d = filepath.Dir(d) {
		s.lazy[d] = true
		if d == stop || d == s.root || d == filepath.Dir(d) {
			break
		}
	}
	return nil
}

// Flush fsyncs every file and directory PutLazy and Link wrote since the
// last Flush, files first: then they survive a crash of the machine.
// Files deleted meanwhile are skipped.
func (s *Store) Flush(ctx context.Context) error {
	s.lazyMu.Lock()
	paths := s.lazy
	s.lazy = nil
	s.lazyMu.Unlock()
	var files, dirs []string
	for p := range paths {
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			dirs = append(dirs, p)
		} else if err == nil {
			files = append(files, p)
		}
	}
	sort.Strings(files)
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) }) // deepest first
	fail := func(err error) error {
		s.lazyMu.Lock() // try again next time
		if s.lazy == nil {
			s.lazy = map[string]bool{}
		}
		for p := range paths {
			s.lazy[p] = true
		}
		s.lazyMu.Unlock()
		return fmt.Errorf("fs: flush: %w", writeError(err))
	}
	for _, p := range files {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		f, err := os.Open(p)
		if errors.Is(err, iofs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fail(err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return fail(err)
		}
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return fail(err)
		}
	}
	return nil
}
