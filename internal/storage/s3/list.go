package s3

import (
	"context"
	"fmt"
	"strings"

	"github.com/minio/minio-go/v7"

	"github.com/wharf-registry/wharf/internal/storage"
)

// List calls fn for every key that starts with prefix, in lexical order of
// keys: S3 lists object names in UTF-8 byte order, and keys are ASCII. It
// pages through the listing (1000 keys a request), so fn may Delete keys,
// including the one it is given. Objects under the store's prefix whose
// names are not valid keys are skipped. It stops at fn's first error and
// returns it.
func (s *Store) List(ctx context.Context, prefix string, fn func(storage.Info) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !startsKeys(prefix) {
		return nil // such as "../": some servers refuse it
	}
	opts := minio.ListObjectsOptions{
		Prefix:     s.prefix + prefix,
		Recursive:  true,
		MaxKeys:    s.pageSize,
		FetchOwner: new(false),
	}
	for oi := range s.client.ListObjectsIter(ctx, s.bucket, opts) {
		if oi.Err != nil {
			return fmt.Errorf("s3: list %q: %w", prefix, readError(ctx, oi.Err))
		}
		key, ok := strings.CutPrefix(oi.Key, s.prefix)
		if !ok || storage.ValidKey(key) != nil {
			continue
		}
		if err := fn(info(key, oi)); err != nil {
			return err
		}
	}
	// The listing ends quietly when ctx is done.
	return ctx.Err()
}

// startsKeys reports whether some valid key may start with prefix. If one
// does, either prefix is itself a valid key (it ends a segment of that
// key) or it ends within a segment, which one more letter can end.
func startsKeys(prefix string) bool {
	return prefix == "" || storage.ValidKey(prefix) == nil || storage.ValidKey(prefix+"x") == nil
}
