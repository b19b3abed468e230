package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/minio/minio-go/v7"

	"github.com/wharf-registry/wharf/internal/storage"
)

// Error codes that mean the store is full or over quota. EntityTooLarge is
// AWS's answer to an object over its size limit; the others are MinIO's.
var fullCodes = map[string]bool{
	"EntityTooLarge":                 true,
	"QuotaExceeded":                  true,
	"XMinioStorageFull":              true,
	"XMinioAdminBucketQuotaExceeded": true,
}

// response returns the S3 error response in err, if there is one.
func response(err error) (minio.ErrorResponse, bool) {
	var resp minio.ErrorResponse
	ok := errors.As(err, &resp)
	return resp, ok
}

// isNotFound reports whether err says the object does not exist. A
// missing bucket is not a missing object.
func isNotFound(err error) bool {
	resp, ok := response(err)
	return ok && (resp.Code == minio.NoSuchKey ||
		resp.StatusCode == http.StatusNotFound && resp.Code != minio.NoSuchBucket)
}

// readError classifies an error from a read: the context's error when ctx
// is done, storage.ErrNotFound (wrapping err) for a missing object, err
// otherwise.
func readError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%w)", ctxErr, err)
	}
	if isNotFound(err) {
		return fmt.Errorf("%w: %w", storage.ErrNotFound, err)
	}
	return err
}

// writeError classifies an error from a write: the context's error when ctx
// is done, storage.ErrInsufficientStorage for a full store or quota,
// storage.ErrReadOnly for a refused write; each wraps err too.
func writeError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("%w (%w)", ctxErr, err)
	}
	resp, ok := response(err)
	switch {
	case !ok:
		return err
	case resp.StatusCode == http.StatusInsufficientStorage || fullCodes[resp.Code]:
		return fmt.Errorf("%w: %w", storage.ErrInsufficientStorage, err)
	case resp.StatusCode == http.StatusForbidden || resp.Code == minio.AccessDenied:
		return fmt.Errorf("%w: %w", storage.ErrReadOnly, err)
	}
	return err
}
