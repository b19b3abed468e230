// Package s3 stores blobs as objects in a bucket of an S3-compatible object
// store (AWS S3, MinIO, Cloudflare R2, Ceph, versitygw); it implements
// storage.Blobs and storage.Presigner.
//
// Key "a/b" is the object "a/b" in the bucket, or "{prefix}/a/b" when
// Config.Prefix is set. Put is one PUT request streamed with the declared
// size, so an object is replaced in one step and a failed Put leaves
// nothing behind; Open pins what it reads to the ETag it first saw, so a
// blob never mixes two versions of its key; List pages through the bucket
// listing. Errors map as follows: a missing object (NoSuchKey, 404) to
// storage.ErrNotFound; a write refused for permission (AccessDenied, 403)
// to storage.ErrReadOnly; a full store or quota (507, EntityTooLarge,
// QuotaExceeded, MinIO's storage-full codes) to
// storage.ErrInsufficientStorage. Each wraps the server's error too.
//
// ParseURL reads the operator-facing form of a Config, and
// CredentialsFromEnv fills in the credentials.
package s3

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/wharf-registry/wharf/internal/storage"
)

// defaultEndpoint is used when Config.Endpoint is empty.
const defaultEndpoint = "https://s3.amazonaws.com"

// Store is a storage.Blobs kept in an S3 bucket. Create it with Open. It is
// safe for concurrent use.
type Store struct {
	client   *minio.Client
	bucket   string
	prefix   string // "" or "{Config.Prefix}/"
	endpoint string // for error messages; holds no credentials
	presign  time.Duration
	pageSize int // keys per List request; 0 lets the server choose (1000)
}

var (
	_ storage.Blobs     = (*Store)(nil)
	_ storage.Presigner = (*Store)(nil)
)

// Open connects to the store cfg describes and checks that the bucket
// exists and the credentials are accepted. It makes no other request and
// creates nothing. The error names the bucket and the endpoint and says
// what to fix; it never contains the credentials.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s, err := newStore(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.checkBucket(ctx); err != nil {
		return nil, fmt.Errorf("s3: open: %w", err)
	}
	return s, nil
}

// newStore checks cfg and builds the client without contacting the server.
func newStore(cfg Config) (*Store, error) {
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	if err := cfg.checkBucketPrefix(); err != nil {
		return nil, fmt.Errorf("s3: open: %w", err)
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = defaultEndpoint
	}
	if err := checkEndpoint(cfg.Endpoint); err != nil {
		return nil, fmt.Errorf("s3: open: %w", err)
	}
	if cfg.PresignDownloads < 0 || cfg.PresignDownloads > maxPresign {
		return nil, fmt.Errorf("s3: open: PresignDownloads is %v; want 0 (off) up to 168h (7 days)", cfg.PresignDownloads)
	}
	u, _ := url.Parse(cfg.Endpoint) // checked above
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken),
		Secure:       u.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: lookup,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: open: endpoint %s: %w", cfg.Endpoint, err)
	}
	s := &Store{client: client, bucket: cfg.Bucket, endpoint: u.Scheme + "://" + u.Host, presign: cfg.PresignDownloads}
	if cfg.Prefix != "" {
		s.prefix = cfg.Prefix + "/"
	}
	return s, nil
}

// checkBucket asks the server whether the bucket exists and the
// credentials may use it, and explains the usual ways that fails.
func (s *Store) checkBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	switch _, isResp := response(err); {
	case ok:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil && !isResp:
		return fmt.Errorf("cannot reach %s to check bucket %q (check the endpoint and the network): %w", s.endpoint, s.bucket, err)
	}
	// The answer to a HEAD has no body, so the error code is a guess: a
	// 404 may be versitygw's unknown access key. Ask with a GET, whose
	// error body says what is wrong.
	for oi := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1, FetchOwner: new(false)}) {
		err = oi.Err
		break
	}
	if err == nil {
		err = ctx.Err()
	}
	return s.bucketError(err)
}

// Error codes that mean the credentials were refused. XAdminUserNotFound
// is versitygw's answer to an unknown access key.
var credentialCodes = map[string]bool{
	"AccessDenied": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true,
	"InvalidToken": true, "ExpiredToken": true, "XAdminUserNotFound": true,
}

// bucketError explains err from a check of the bucket.
func (s *Store) bucketError(err error) error {
	resp, ok := response(err)
	switch {
	case err == nil:
		return nil
	case ok && resp.Code == minio.NoSuchBucket:
		return fmt.Errorf("bucket %q does not exist at %s; create it first (for example: aws s3 mb s3://%s --endpoint-url %s, or mc mb ALIAS/%s), or fix the bucket name",
			s.bucket, s.endpoint, s.bucket, s.endpoint, s.bucket)
	case ok && (resp.StatusCode == http.StatusForbidden || credentialCodes[resp.Code]):
		return fmt.Errorf("bucket %q at %s refused the credentials (%s): check %s and %s (or %s and %s), and that they may list and read the bucket: %w",
			s.bucket, s.endpoint, resp.Code, EnvAccessKeyID, EnvSecretAccessKey, EnvAWSAccessKeyID, EnvAWSSecretAccessKey, err)
	case ok:
		return fmt.Errorf("bucket %q at %s: %w", s.bucket, s.endpoint, err)
	}
	return fmt.Errorf("cannot reach %s to check bucket %q (check the endpoint and the network): %w", s.endpoint, s.bucket, err)
}

// maxObjectName is the longest object name S3 allows, in bytes.
const maxObjectName = 1024

// object validates key and returns its object name, or ctx's error when
// ctx is done. With a prefix, the longest keys make names S3 refuses: they
// are invalid here.
func (s *Store) object(ctx context.Context, key string) (string, error) {
	if err := storage.ValidKey(key); err != nil {
		return "", err
	}
	name := s.prefix + key
	if len(name) > maxObjectName {
		return "", fmt.Errorf("%w: a key of %d bytes under the prefix %q makes an object name of %d bytes, longer than the %d S3 allows",
			storage.ErrInvalidKey, len(key), s.prefix, len(name), maxObjectName)
	}
	return name, ctx.Err()
}

// Stat describes the blob under key. Errors: storage.ErrNotFound.
func (s *Store) Stat(ctx context.Context, key string) (storage.Info, error) {
	name, err := s.object(ctx, key)
	if err != nil {
		return storage.Info{}, err
	}
	oi, err := s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
	if err != nil {
		return storage.Info{}, fmt.Errorf("s3: stat %s: %w", key, readError(ctx, err))
	}
	return info(key, oi), nil
}

// Delete removes the blob under key. A missing key is not an error.
// Errors: storage.ErrReadOnly.
func (s *Store) Delete(ctx context.Context, key string) error {
	name, err := s.object(ctx, key)
	if err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil {
		if isNotFound(err) {
			return nil
		}
		return fmt.Errorf("s3: delete %s: %w", key, writeError(ctx, err))
	}
	return nil
}

// Ping checks that the bucket is reachable and exists and that the
// credentials are accepted. It does not write: a write per readiness probe
// would cost a request fee on AWS and leave versions behind in a versioned
// bucket, so a store that refuses writes shows up as storage.ErrReadOnly
// from Put instead.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.checkBucket(ctx); err != nil {
		return fmt.Errorf("s3: ping: %w", err)
	}
	return nil
}

// PresignedURL returns a URL from which a plain GET downloads the blob
// under key for Config.PresignDownloads, or "" and nil when that is 0. It
// signs locally (no request, unless the region must be looked up) and does
// not check that the key exists. Errors: storage.ErrInvalidKey, ctx's
// error.
func (s *Store) PresignedURL(ctx context.Context, key string) (string, error) {
	name, err := s.object(ctx, key)
	if err != nil {
		return "", err
	}
	if s.presign == 0 {
		return "", nil
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, name, s.presign, nil)
	if err != nil {
		return "", fmt.Errorf("s3: presign %s: %w", key, err)
	}
	return u.String(), nil
}

// info describes the object oi as the blob key. ModTime is truncated to
// whole seconds, the precision of the Last-Modified header, so that Stat,
// Open and List agree.
func info(key string, oi minio.ObjectInfo) storage.Info {
	return storage.Info{Key: key, Size: oi.Size, ModTime: oi.LastModified.Truncate(time.Second)}
}
