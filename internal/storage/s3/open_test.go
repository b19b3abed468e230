package s3_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/s3"
	"github.com/wharf-registry/wharf/internal/storage/s3/s3test"
)

// wantErrorSays checks that err is not nil and contains every part, and
// no secret.
func wantErrorSays(t *testing.T, what string, err error, secret string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s = nil error; want one saying %q", what, parts)
	}
	for _, part := range parts {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("%s = %q; want it to say %q", what, err, part)
		}
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Errorf("%s = %q; the error shows the secret access key", what, err)
	}
}

func TestOpenWrongCredentials(t *testing.T) {
	cfg := s3test.Start(t)
	for _, tt := range []struct {
		name string
		edit func(*s3.Config)
	}{
		{"wrong secret", func(c *s3.Config) { c.SecretAccessKey = "wrong-" + c.SecretAccessKey }},
		{"unknown key", func(c *s3.Config) { c.AccessKeyID = "AKIANOSUCHKEY" }},
		{"anonymous", func(c *s3.Config) { c.AccessKeyID, c.SecretAccessKey = "", "" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := cfg
			tt.edit(&bad)
			_, err := s3.Open(t.Context(), bad)
			wantErrorSays(t, "Open with "+tt.name, err, cfg.SecretAccessKey,
				cfg.Bucket, cfg.Endpoint, "refused the credentials", "WHARF_S3_ACCESS_KEY_ID", "WHARF_S3_SECRET_ACCESS_KEY")
		})
	}
}

func TestOpenMissingBucket(t *testing.T) {
	cfg := s3test.Start(t)
	cfg.Bucket = "no-such-bucket"
	_, err := s3.Open(t.Context(), cfg)
	wantErrorSays(t, "Open of a missing bucket", err, cfg.SecretAccessKey,
		`bucket "no-such-bucket" does not exist`, cfg.Endpoint, "create it first", "mb s3://no-such-bucket")
}

// TestOpenUnreachable opens a store on a port nothing listens on. The
// client retries for a few seconds before it gives up.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	_, err = s3.Open(t.Context(), s3.Config{Bucket: "packages", Endpoint: endpoint, Region: "us-east-1", PathStyle: true, SecretAccessKey: "s3cr3t-value", AccessKeyID: "id"})
	wantErrorSays(t, "Open of an endpoint nobody listens on", err, "s3cr3t-value", "cannot reach "+endpoint, `bucket "packages"`, "connection refused")
}

func TestOpenBadConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  s3.Config
		says string
	}{
		{"no bucket", s3.Config{}, "no bucket"},
		{"bad prefix", s3.Config{Bucket: "packages", Prefix: "a b"}, "prefix is not usable"},
		{"bad endpoint", s3.Config{Bucket: "packages", Endpoint: "minio:9000"}, `endpoint "minio:9000"`},
		{"presign too long", s3.Config{Bucket: "packages", PresignDownloads: 200 * 3600e9}, "PresignDownloads is 200h0m0s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s3.Open(t.Context(), tt.cfg)
			wantErrorSays(t, "Open", err, "", tt.says)
		})
	}
}

// TestAnonymousReadOnly opens a bucket that lets anyone read but only its
// owner write, as a public mirror would: reads work, and writes fail with
// storage.ErrReadOnly.
func TestAnonymousReadOnly(t *testing.T) {
	cfg := s3test.Start(t)
	owner := open(t, cfg)
	if err := owner.Put(t.Context(), "packages/k", bytes.NewReader([]byte("data")), 4); err != nil {
		t.Fatal(err)
	}
	setPublicRead(t, cfg)
	anon := cfg
	anon.AccessKeyID, anon.SecretAccessKey = "", ""
	s := open(t, anon)
	b, err := s.Open(t.Context(), "packages/k")
	if err != nil {
		t.Fatalf("anonymous Open: %v", err)
	}
	got, err := io.ReadAll(b)
	b.Close()
	if err != nil || string(got) != "data" {
		t.Errorf("anonymous read = %q, %v; want %q", got, err, "data")
	}
	err = s.Put(t.Context(), "packages/new", bytes.NewReader([]byte("x")), 1)
	if !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("anonymous Put = %v; want ErrReadOnly", err)
	}
	if err := s.Delete(t.Context(), "packages/k"); !errors.Is(err, storage.ErrReadOnly) {
		t.Errorf("anonymous Delete = %v; want ErrReadOnly", err)
	}
	if info, err := owner.Stat(t.Context(), "packages/k"); err != nil || info.Size != 4 {
		t.Errorf("after the refused Delete, Stat = %+v, %v; want the 4-byte blob still there", info, err)
	}
}
