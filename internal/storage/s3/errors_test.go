package s3

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/wharf-registry/wharf/internal/storage"
)

// TestErrorMapping checks how server answers that versitygw cannot be made
// to give (a full store, a quota) map to storage errors, as the minio
// client reports them.
func TestErrorMapping(t *testing.T) {
	resp := func(status int, code string) error {
		return minio.ErrorResponse{StatusCode: status, Code: code, Message: "from the server"}
	}
	tests := []struct {
		name        string
		err         error
		write, read error // the storage error each must wrap, or nil for none
	}{
		{"AWS object too large", resp(http.StatusBadRequest, "EntityTooLarge"), storage.ErrInsufficientStorage, nil},
		{"quota", resp(http.StatusForbidden, "QuotaExceeded"), storage.ErrInsufficientStorage, nil},
		{"MinIO drive full", resp(http.StatusInsufficientStorage, "XMinioStorageFull"), storage.ErrInsufficientStorage, nil},
		{"MinIO bucket quota", resp(http.StatusBadRequest, "XMinioAdminBucketQuotaExceeded"), storage.ErrInsufficientStorage, nil},
		{"any 507", resp(http.StatusInsufficientStorage, "SlowDown"), storage.ErrInsufficientStorage, nil},
		{"access denied", resp(http.StatusForbidden, "AccessDenied"), storage.ErrReadOnly, nil},
		{"bad signature", resp(http.StatusForbidden, "SignatureDoesNotMatch"), storage.ErrReadOnly, nil},
		{"missing key", resp(http.StatusNotFound, "NoSuchKey"), nil, storage.ErrNotFound},
		{"404 of a HEAD", resp(http.StatusNotFound, "NotFound"), nil, storage.ErrNotFound},
		{"missing bucket", resp(http.StatusNotFound, "NoSuchBucket"), nil, nil},
		{"server error", resp(http.StatusInternalServerError, "InternalError"), nil, nil},
		{"network", errors.New("connection reset"), nil, nil},
	}
	kinds := []error{storage.ErrInsufficientStorage, storage.ErrReadOnly, storage.ErrNotFound}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct {
				op   string
				got  error
				want error
			}{{"write", writeError(ctx, tt.err), tt.write}, {"read", readError(ctx, tt.err), tt.read}} {
				if !errors.Is(c.got, tt.err) {
					t.Errorf("%s error %v does not wrap the server's error", c.op, c.got)
				}
				for _, kind := range kinds {
					if errors.Is(c.got, kind) != (kind == c.want) {
						t.Errorf("%s error %v: errors.Is(%v) = %v", c.op, c.got, kind, !(kind == c.want))
					}
				}
			}
		})
	}
}

func TestErrorMappingCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := minio.ErrorResponse{StatusCode: http.StatusForbidden, Code: "AccessDenied"}
	for _, got := range []error{writeError(ctx, err), readError(ctx, err)} {
		if !errors.Is(got, context.Canceled) || errors.Is(got, storage.ErrReadOnly) {
			t.Errorf("error after cancel = %v; want context.Canceled, not ErrReadOnly", got)
		}
	}
}
