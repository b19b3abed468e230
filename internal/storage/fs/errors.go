package fs

import (
	"errors"
	"fmt"
	iofs "io/fs"
	"syscall"

	"github.com/wharf-registry/wharf/internal/storage"
)

// writeError classifies an error from a write: a full disk or quota wraps
// storage.ErrInsufficientStorage, a read-only file system or a permission
// failure wraps storage.ErrReadOnly; both keep err too.
func writeError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("%w: %w", storage.ErrInsufficientStorage, err)
	case errors.Is(err, syscall.EROFS), errors.Is(err, iofs.ErrPermission):
		return fmt.Errorf("%w: %w", storage.ErrReadOnly, err)
	}
	return err
}

// isMissing reports whether err means the path does not exist, including a
// path through a file where a directory was expected.
func isMissing(err error) bool {
	return errors.Is(err, iofs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// notFound wraps err from a read of key: storage.ErrNotFound when the path
// is missing, err itself otherwise.
func notFound(op, key string, err error) error {
	if isMissing(err) {
		return fmt.Errorf("fs: %s %s: %w", op, key, storage.ErrNotFound)
	}
	return fmt.Errorf("fs: %s %s: %w", op, key, err)
}
