package upstream

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// packageAt serves body at path and returns a Version pointing to it with
// a catalog leaf giving hash (no leaf when hash is "").
func packageAt(f *fakeFeed, path string, body []byte, hash string) *Version {
	f.handle(path, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) })
	v := &Version{Version: "1.0.0", ContentURL: f.srv.URL + path}
	if hash != "" {
		f.set(path+".leaf.json", fmt.Sprintf(`{"packageHash":%q,"packageHashAlgorithm":"SHA512"}`, hash))
		v.CatalogURL = f.srv.URL + path + ".leaf.json"
	}
	return v
}

func sha(b []byte) string {
	s := sha512.Sum512(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

func TestDownloadVerified(t *testing.T) {
	f := newFakeFeed(t)
	body := []byte("PK\x03\x04 pretend nupkg")
	v := packageAt(f, "/p/a.nupkg", body, sha(body))
	var buf bytes.Buffer
	d, err := newTestClient(Options{}).Download(context.Background(), f.source(), v, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Verified || d.Size != int64(len(body)) || d.SHA512 != sha(body) || !bytes.Equal(buf.Bytes(), body) {
		t.Errorf("got %+v, %q", d, buf.Bytes())
	}
}

func TestDownloadWithoutLeafIsUnverified(t *testing.T) {
	f := newFakeFeed(t)
	body := []byte("nupkg")
	v := packageAt(f, "/p/b.nupkg", body, "")
	v.CatalogURL = f.srv.URL + "/missing-leaf.json" // 404: not fatal
	d, err := newTestClient(Options{}).Download(context.Background(), f.source(), v, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if d.Verified || d.SHA512 != sha(body) {
		t.Errorf("got %+v", d)
	}
	f.handle("/refused-leaf.json", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 403) })
	v.CatalogURL = f.srv.URL + "/refused-leaf.json"
	if _, err := newTestClient(Options{}).Download(context.Background(), f.source(), v, io.Discard); !errors.Is(err, ErrRefused) {
		t.Errorf("refused leaf: err = %v, want ErrRefused", err)
	}
}

func TestDownloadHashMismatch(t *testing.T) {
	f := newFakeFeed(t)
	v := packageAt(f, "/p/c.nupkg", []byte("tampered"), sha([]byte("original")))
	_, err := newTestClient(Options{}).Download(context.Background(), f.source(), v, io.Discard)
	if !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("err = %v, want ErrHashMismatch", err)
	}
	if !strings.Contains(err.Error(), sha([]byte("tampered"))[:16]) || !strings.Contains(err.Error(), sha([]byte("original"))[:16]) {
		t.Errorf("%q does not give both hashes", err)
	}
}

func TestDownloadTooLarge(t *testing.T) {
	f := newFakeFeed(t)
	body := bytes.Repeat([]byte("x"), 5000)
	v := packageAt(f, "/p/big.nupkg", body, "")
	// Without Content-Length, so the bound is enforced while streaming.
	f.handle("/p/chunked.nupkg", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 5; i++ {
			_, _ = w.Write(body[:1000])
			w.(http.Flusher).Flush()
		}
	})
	c := newTestClient(Options{MaxPackageBytes: 4096})
	if _, err := c.Download(context.Background(), f.source(), v, io.Discard); !errors.Is(err, ErrTooLarge) {
		t.Errorf("with Content-Length: err = %v, want ErrTooLarge", err)
	}
	v.ContentURL = f.srv.URL + "/p/chunked.nupkg"
	if _, err := c.Download(context.Background(), f.source(), v, io.Discard); !errors.Is(err, ErrTooLarge) {
		t.Errorf("chunked: err = %v, want ErrTooLarge", err)
	}
}

func TestDownloadNotFound(t *testing.T) {
	f := newFakeFeed(t)
	v := &Version{Version: "1.0.0", ContentURL: f.srv.URL + "/p/none.nupkg"}
	if _, err := newTestClient(Options{}).Download(context.Background(), f.source(), v, io.Discard); !errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestDownloadWriterError(t *testing.T) {
	f := newFakeFeed(t)
	v := packageAt(f, "/p/w.nupkg", []byte("data"), "")
	boom := errors.New("disk full")
	_, err := newTestClient(Options{}).Download(context.Background(), f.source(), v, failingWriter{boom})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want the writer's error", err)
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// TestDownloadStreams downloads 64 MiB and checks the heap did not grow by
// anything near that: the package is never held in memory.
func TestDownloadStreams(t *testing.T) {
	f := newFakeFeed(t)
	const size = 64 << 20
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	h := sha512.New()
	for i := 0; i < size/len(chunk); i++ {
		h.Write(chunk)
	}
	want := base64.StdEncoding.EncodeToString(h.Sum(nil))
	f.handle("/p/huge.nupkg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(size))
		for i := 0; i < size/len(chunk); i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	f.set("/p/huge.leaf.json", fmt.Sprintf(`{"packageHash":%q,"packageHashAlgorithm":"SHA512"}`, want))
	v := &Version{Version: "1.0.0", ContentURL: f.srv.URL + "/p/huge.nupkg", CatalogURL: f.srv.URL + "/p/huge.leaf.json"}
	c := newTestClient(Options{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := c.Download(context.Background(), f.source(), v, io.Discard)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Verified || d.Size != size {
		t.Errorf("got %+v", d)
	}
	// TotalAlloc counts every allocation, collected or not.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
		t.Errorf("allocated %d MiB to download 64 MiB", grew>>20)
	}
}

// TestDownloadStallTimesOut: a download that stops sending fails with
// ErrUnavailable after Timeout without progress.
func TestDownloadStallTimesOut(t *testing.T) {
	f := newFakeFeed(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.handle("/p/stall.nupkg", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	v := &Version{Version: "1.0.0", ContentURL: f.srv.URL + "/p/stall.nupkg"}
	start := time.Now()
	_, err := newTestClient(Options{Timeout: 300 * time.Millisecond}).Download(context.Background(), f.source(), v, io.Discard)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s with a 300ms timeout", d)
	}
}
