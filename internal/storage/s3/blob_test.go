package s3_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/s3"
	"github.com/wharf-registry/wharf/internal/storage/s3/s3test"
)

func put(t *testing.T, s storage.Blobs, key string, data []byte) {
	t.Helper()
	if err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// TestSeekAfterOverwrite opens a blob, overwrites its key with other bytes
// of the same size, then seeks back and reads: the read must fail, or give
// the opened version, never the new bytes or a mix.
func TestSeekAfterOverwrite(t *testing.T) {
	s := open(t, s3test.Start(t))
	v1, v2 := bytes.Repeat([]byte("1"), 100_000), bytes.Repeat([]byte("2"), 100_000)
	put(t, s, "k", v1)
	b, err := s.Open(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	head := make([]byte, 10)
	if _, err := io.ReadFull(b, head); err != nil || !bytes.Equal(head, v1[:10]) {
		t.Fatalf("first read = %q, %v; want the old version", head, err)
	}
	put(t, s, "k", v2)
	for _, offset := range []int64{0, 50_000} {
		if _, err := b.Seek(offset, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(b)
		if err == nil && !bytes.Equal(got, v1[offset:]) {
			t.Errorf("after an overwrite, Seek(%d) and read gave %d bytes that are not the opened version", offset, len(got))
		}
		if err != nil && !strings.Contains(err.Error(), "replaced after it was opened") {
			t.Errorf("after an overwrite, Seek(%d) and read failed with %q; want it to say the blob was replaced", offset, err)
		}
	}
}

// TestSeekAfterDelete reads a blob after its key was deleted: the read
// fails with storage.ErrNotFound, or gives the opened version.
func TestSeekAfterDelete(t *testing.T) {
	s := open(t, s3test.Start(t))
	put(t, s, "k", []byte("opened version"))
	b, err := s.Open(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := s.Delete(t.Context(), "k"); err != nil {
		t.Fatal(err)
	}
	b.Seek(7, io.SeekStart)
	got, err := io.ReadAll(b)
	if err == nil && string(got) != "version" || err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("read after Delete = %q, %v; want %q or ErrNotFound", got, err, "version")
	}
}

// TestListPages lists with two keys a request: every key comes once, in
// order, and fn can delete as it goes.
func TestListPages(t *testing.T) {
	s := open(t, s3test.Start(t))
	s3.SetPageSize(s, 2)
	var want []string
	for i := range 7 {
		key := fmt.Sprintf("packages/p/1.0.%d/u/f", i)
		put(t, s, key, []byte{byte(i)})
		want = append(want, key)
	}
	put(t, s, "other/k", nil)
	var got []string
	err := s.List(t.Context(), "packages/", func(i storage.Info) error {
		got = append(got, i.Key)
		return s.Delete(t.Context(), i.Key)
	})
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("List in pages of 2 = %q, %v; want %q", got, err, want)
	}
}

// TestPrefixLongestKey checks that a key too long for S3 once the prefix is
// added is refused as invalid, and the longest that fits works.
func TestPrefixLongestKey(t *testing.T) {
	cfg := s3test.Start(t)
	cfg.Prefix = "wharf"
	s := open(t, cfg)
	fits := strings.Repeat("k/", 508) + "en" // 1018 bytes, and "wharf/" makes 1024
	if n := len("wharf/" + fits); n != 1024 {
		t.Fatalf("test key makes a name of %d bytes; want 1024", n)
	}
	put(t, s, fits, []byte("x"))
	tooLong := fits + "s"
	err := s.Put(t.Context(), tooLong, strings.NewReader("x"), 1)
	if !errors.Is(err, storage.ErrInvalidKey) || !strings.Contains(err.Error(), "longer than the 1024 S3 allows") {
		t.Errorf("Put of a key making a 1025-byte name = %v; want ErrInvalidKey saying why", err)
	}
}

// TestPresignedURL downloads a blob with a plain GET of its presigned URL,
// as a NuGet client redirected there would.
func TestPresignedURL(t *testing.T) {
	cfg := s3test.Start(t)
	cfg.PresignDownloads = time.Minute
	s := open(t, cfg)
	data := bytes.Repeat([]byte("nupkg bytes "), 10_000)
	put(t, s, "packages/a/1.0.0/u/a.1.0.0.nupkg", data)
	u, err := s.PresignedURL(t.Context(), "packages/a/1.0.0/u/a.1.0.0.nupkg")
	if err != nil || !strings.HasPrefix(u, cfg.Endpoint+"/") {
		t.Fatalf("PresignedURL = %q, %v; want a URL on %s", u, err, cfg.Endpoint)
	}
	if strings.Contains(u, cfg.SecretAccessKey) {
		t.Errorf("the presigned URL contains the secret access key")
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(got, data) {
		t.Errorf("GET of the presigned URL = %d with %d bytes (%v); want 200 with the %d bytes put", resp.StatusCode, len(got), err, len(data))
	}
	if _, err := s.PresignedURL(t.Context(), "../x"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Errorf("PresignedURL(../x) = %v; want ErrInvalidKey", err)
	}
}

// TestPresignOff checks that a store configured without presigning says
// so with an empty URL, so the HTTP layer streams instead.
func TestPresignOff(t *testing.T) {
	var p storage.Presigner = open(t, s3test.Start(t))
	if u, err := p.PresignedURL(t.Context(), "packages/k"); u != "" || err != nil {
		t.Errorf("PresignedURL with presigning off = %q, %v; want \"\", nil", u, err)
	}
}
