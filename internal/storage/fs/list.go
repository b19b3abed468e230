package fs

import (
	"context"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wharf-registry/wharf/internal/storage"
)

// List calls fn for every key that starts with prefix, in lexical order of
// keys. It reads only the directories the prefix can reach, skips the
// temporary directory and any file whose name is not a valid key, and
// tolerates keys deleted while it runs (fn may Delete). It stops at fn's
// first error and returns it.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dir = prefix[:i]
		if storage.ValidKey(dir) != nil {
			return nil // no valid key starts with prefix
		}
	}
	return s.walk(ctx, dir, prefix, fn)
}

// walk lists the keys under the directory key dir ("" for the root) that
// start with prefix.
func (s *Store) walk(ctx context.Context, dir, prefix string, fn func(storage.Info) error) error {
	entries, err := os.ReadDir(filepath.Join(s.root, filepath.FromSlash(dir)))
	if isMissing(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fs: list %q: %w", prefix, err)
	}
	// Sort as the keys sort: a directory "a" holds keys "a/…", which come
	// after a file "a.b" because '.' < '/'.
	slices.SortFunc(entries, func(a, b iofs.DirEntry) int {
		return strings.Compare(sortName(a), sortName(b))
	})
	for _, e := range entries {
		if dir == "" && e.Name() == tmpDir {
			continue
		}
		key := e.Name()
		if dir != "" {
			key = dir + "/" + key
		}
		if storage.ValidKey(key) != nil {
			continue
		}
		if e.IsDir() {
			sub := key + "/"
			if strings.HasPrefix(sub, prefix) || strings.HasPrefix(prefix, sub) {
				if err := s.walk(ctx, key, prefix, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !e.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			continue
		}
		fi, err := e.Info()
		if isMissing(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("fs: list %q: %w", prefix, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(info(key, fi)); err != nil {
			return err
		}
	}
	return nil
}

func sortName(e iofs.DirEntry) string {
	if e.IsDir() {
		return e.Name() + "/"
	}
	return e.Name()
}
