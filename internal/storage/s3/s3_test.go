package s3_test

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/s3"
	"github.com/wharf-registry/wharf/internal/storage/s3/s3test"
	"github.com/wharf-registry/wharf/internal/storage/storagetest"
)

// versitygwRace is why ConcurrentPutDeleteSiblings cannot pass against
// versitygw: the server's own race, not the store's.
const versitygwRace = "versitygw " + s3test.Version + "'s posix backend races a PutObject against a DeleteObject in the same prefix: " +
	"DeleteObject removes the emptied parent directory while PutObject's MkdirAll is creating it, " +
	"and PutObject answers 409 ExistingObjectIsDirectory (backend/mkdir.go; the link step was fixed in versitygw PR 2006, MkdirAll was not). " +
	"S3 itself has no directories"

// TestConformance runs the shared suite against versitygw, each subtest
// in a bucket of its own.
func TestConformance(t *testing.T) {
	srv := s3test.NewServer(t)
	storagetest.Run(t, func(t *testing.T) storage.Blobs {
		skipKnown(t, map[string]string{"ConcurrentPutDeleteSiblings": versitygwRace})
		return open(t, srv.Bucket(t))
	})
}

// TestConformancePrefix runs the suite with a key prefix, in buckets that
// also hold objects outside it: the store must neither list nor touch them.
func TestConformancePrefix(t *testing.T) {
	srv := s3test.NewServer(t)
	storagetest.Run(t, func(t *testing.T) storage.Blobs {
		skipKnown(t, map[string]string{
			"ConcurrentPutDeleteSiblings": versitygwRace,
			"ValidKeys": "with a prefix the longest keys make object names over S3's 1024 bytes; " +
				"TestPrefixLongestKey checks that they are refused as invalid",
		})
		cfg := srv.Bucket(t)
		putRaw(t, cfg, "outside/the-prefix", []byte("foreign"))
		putRaw(t, cfg, "wharf-other", []byte("foreign"))
		cfg.Prefix = "/wharf/"
		s := open(t, cfg)
		t.Cleanup(func() {
			wantRaw(t, cfg, "outside/the-prefix", []byte("foreign"))
			wantRaw(t, cfg, "wharf-other", []byte("foreign"))
		})
		return s
	})
}

// skipKnown skips the conformance subtest t when reasons names it.
func skipKnown(t *testing.T, reasons map[string]string) {
	t.Helper()
	if why, ok := reasons[path.Base(t.Name())]; ok {
		t.Skip(why)
	}
}

func open(t *testing.T, cfg s3.Config) *s3.Store {
	t.Helper()
	s, err := s3.Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// rawClient talks to the bucket of cfg directly, bypassing the store.
func rawClient(t *testing.T, cfg s3.Config) *minio.Client {
	t.Helper()
	c, err := minio.New(cfg.Endpoint[len("http://"):], &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func putRaw(t *testing.T, cfg s3.Config, name string, data []byte) {
	t.Helper()
	_, err := rawClient(t, cfg).PutObject(t.Context(), cfg.Bucket, name, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("put %s directly: %v", name, err)
	}
}

func wantRaw(t *testing.T, cfg s3.Config, name string, want []byte) {
	t.Helper()
	o, err := rawClient(t, cfg).GetObject(context.Background(), cfg.Bucket, name, minio.GetObjectOptions{})
	if err != nil {
		t.Fatalf("get %s directly: %v", name, err)
	}
	defer o.Close()
	var got bytes.Buffer
	if _, err := got.ReadFrom(o); err != nil || !bytes.Equal(got.Bytes(), want) {
		t.Errorf("object %s outside the prefix = %q, %v; want %q untouched", name, got.Bytes(), err, want)
	}
}

// setPublicRead lets anyone read and list the bucket of cfg.
func setPublicRead(t *testing.T, cfg s3.Config) {
	t.Helper()
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%[1]s/*"]},
		{"Effect":"Allow","Principal":"*","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::%[1]s"]}]}`, cfg.Bucket)
	if err := rawClient(t, cfg).SetBucketPolicy(t.Context(), cfg.Bucket, policy); err != nil {
		t.Fatalf("set a public-read policy: %v", err)
	}
}
