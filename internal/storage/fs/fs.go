// Package fs stores blobs as files in a directory tree on a local file
// system; it implements storage.Blobs.
//
// Key "a/b/c" is the file {root}/a/b/c. Put writes a temporary file in
// {root}/.tmp (the same file system, so the final rename is atomic), fsyncs
// it, renames it into place and fsyncs the directory. The key segment ".tmp"
// is therefore reserved at the top level. Blobs opened by Open are backed by
// *os.File, so net/http serves them with sendfile.
//
// The backend targets Unix-like systems; write errors map ENOSPC and EDQUOT
// to storage.ErrInsufficientStorage and EROFS, EACCES and EPERM to
// storage.ErrReadOnly.
package fs

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/wharf-registry/wharf/internal/storage"
)

// tmpDir is the directory under the root that holds files being written.
const tmpDir = ".tmp"

// Store is a storage.Blobs kept in a directory tree. Create it with New.
type Store struct {
	root string // absolute, cleaned
	tmp  string // root/.tmp
	// dirs is held for reading while Put creates directories and renames
	// into them, and for writing while Delete removes empty directories.
	dirs sync.RWMutex

	lazyMu sync.Mutex
	lazy   map[string]bool // files and directories written by PutLazy or Link, not yet fsynced
}

var _ storage.Blobs = (*Store)(nil)

// New returns a Store rooted at root, creating root and its temporary
// directory (mode 0o750) when missing. It fails if root is not a directory
// or cannot be created (storage.ErrReadOnly, storage.ErrInsufficientStorage).
func New(root string) (*Store, error) {
	if root == "" {
		return nil, errors.New("fs: empty root directory")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("fs: root %s: %w", root, err)
	}
	s := &Store{root: abs, tmp: filepath.Join(abs, tmpDir)}
	if err := os.MkdirAll(s.tmp, 0o750); err != nil {
		return nil, fmt.Errorf("fs: create %s: %w", s.tmp, writeError(err))
	}
	return s, nil
}

// path validates key and returns its file path.
func (s *Store) path(key string) (string, error) {
	if err := storage.ValidKey(key); err != nil {
		return "", err
	}
	if key == tmpDir || strings.HasPrefix(key, tmpDir+"/") {
		return "", fmt.Errorf("%w %q: %q is reserved by the fs store", storage.ErrInvalidKey, key, tmpDir)
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// blob is an open file. Embedding *os.File keeps its SyscallConn, WriteTo
// and ReadAt methods, which net/http and io.Copy use for sendfile.
type blob struct {
	*os.File
	info storage.Info
}

// Info describes the opened blob.
func (b *blob) Info() storage.Info { return b.info }

// Open opens the blob under key. Errors: storage.ErrNotFound.
func (s *Store) Open(ctx context.Context, key string) (storage.Blob, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, notFound("open", key, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = iofs.ErrNotExist
	}
	if err != nil {
		f.Close()
		return nil, notFound("open", key, err)
	}
	return &blob{File: f, info: info(key, fi)}, nil
}

// Stat describes the blob under key. Errors: storage.ErrNotFound.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	p, err := s.path(key)
	if err != nil {
		return storage.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return storage.Info{}, err
	}
	fi, err := os.Stat(p)
	if err == nil && !fi.Mode().IsRegular() {
		err = iofs.ErrNotExist
	}
	if err != nil {
		return storage.Info{}, notFound("stat", key, err)
	}
	return info(key, fi), nil
}

// Delete removes the blob under key, then the directories it leaves empty
// (best effort). A missing key is not an error. Errors: storage.ErrReadOnly.
func (s *Store) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil || fi.IsDir() {
		if err == nil || isMissing(err) {
			return nil // a directory is not a key
		}
		return fmt.Errorf("fs: delete %s: %w", key, writeError(err))
	}
	if err := os.Remove(p); err != nil && !isMissing(err) {
		return fmt.Errorf("fs: delete %s: %w", key, writeError(err))
	}
	s.removeEmptyDirs(filepath.Dir(p))
	return nil
}

// removeEmptyDirs removes dir and its parents below the root while they are
// empty, excluding Puts of this process between mkdir and rename (see place).
func (s *Store) removeEmptyDirs(dir string) {
	s.dirs.Lock()
	defer s.dirs.Unlock()
	for dir != s.root && strings.HasPrefix(dir, s.root+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// Ping checks that the root is there and a file can be created in it.
// Errors: storage.ErrReadOnly, storage.ErrInsufficientStorage, others.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.tmp, "ping-*")
	if err != nil {
		return fmt.Errorf("fs: ping %s: %w", s.root, writeError(err))
	}
	name := f.Name()
	err = f.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("fs: ping %s: %w", s.root, writeError(err))
	}
	return nil
}

func info(key string, fi iofs.FileInfo) storage.Info {
	return storage.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
}
