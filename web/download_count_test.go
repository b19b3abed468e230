package web_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage/s3"
	"github.com/wharf-registry/wharf/internal/storage/s3/s3test"
	"github.com/wharf-registry/wharf/internal/testenv"
)

// downloads flushes the buffered counts and returns the total downloads
// stored for lowerID, the number pages and search show once they next
// read the package.
func (f *feed) downloads(t *testing.T, lowerID string) int64 {
	t.Helper()
	f.reg.Flush(context.Background())
	p, err := f.db.Package(context.Background(), lowerID)
	if err != nil {
		t.Fatal(err)
	}
	return p.TotalDownloads
}

// TestDownloadCount holds what counts as a download: a GET of the whole
// .nupkg answered 200 whose body was sent completely. HEAD, a Range request
// answered 206 and a conditional GET answered 304 do not count, so they
// cannot inflate the count.
func TestDownloadCount(t *testing.T) {
	f := newFeed(t)
	f.mustPush(widget("1.0.0"))
	nupkg := f.urls.Nupkg("contoso.widget", "1.0.0")
	req := func(method string, header ...string) *http.Response {
		t.Helper()
		r, _ := http.NewRequest(method, nupkg, nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		return f.do(r)
	}
	head := req(http.MethodHead)
	etag := head.Header.Get("ETag")
	if head.StatusCode != http.StatusOK || etag == "" {
		t.Fatalf("HEAD: %s, ETag %q", head.Status, etag)
	}
	for _, tc := range []struct {
		name   string
		res    *http.Response
		status int
	}{
		{"HEAD", req(http.MethodHead), http.StatusOK},
		{"Range", req(http.MethodGet, "Range", "bytes=0-99"), http.StatusPartialContent},
		{"Range of the whole file", req(http.MethodGet, "Range", "bytes=0-"), http.StatusPartialContent},
		{"If-None-Match", req(http.MethodGet, "If-None-Match", etag), http.StatusNotModified},
	} {
		if tc.res.StatusCode != tc.status {
			t.Errorf("%s: %s, want %d", tc.name, tc.res.Status, tc.status)
		}
	}
	if n := f.downloads(t, "contoso.widget"); n != 0 {
		t.Errorf("after HEAD, Range and conditional requests: %d downloads, want 0", n)
	}
	if res := req(http.MethodGet); res.StatusCode != http.StatusOK {
		t.Fatalf("GET: %s", res.Status)
	}
	// The server counts once the last byte is written, which the client
	// may read before the handler returns: wait for the count, then check
	// that it is exactly the one full GET (any earlier request that had
	// counted would show here too).
	if n := f.downloadsAtLeast(t, "contoso.widget", 1); n != 1 {
		t.Errorf("after one full GET: %d downloads, want 1", n)
	}
}

// downloadsAtLeast waits up to 5 s for lowerID's stored downloads to reach
// want, and returns the count then.
func (f *feed) downloadsAtLeast(t *testing.T, lowerID string, want int64) int64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := f.downloads(t, lowerID)
		if n >= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestDownloadCountAborted checks that a download the client abandons
// half-way does not count.
func TestDownloadCountAborted(t *testing.T) {
	f := newFeed(t)
	big := make([]byte, 24<<20) // incompressible, larger than any socket buffer
	rand.Read(big)
	res := f.push(f.key, nugettest.Zip(
		nugettest.Entry{Name: "Big.Pkg.nuspec", Data: []byte(nugettest.Spec{ID: "Big.Pkg", Version: "1.0.0"}.Nuspec())},
		nugettest.Entry{Name: "lib/big.bin", Data: big}))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("push: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	u, _ := url.Parse(f.urls.Nupkg("big.pkg", "1.0.0"))
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", u.Path, u.Host)
	br := bufio.NewReader(conn)
	status, _ := br.ReadString('\n')
	if !strings.Contains(status, " 200 ") {
		t.Fatalf("GET: %q", status)
	}
	io.CopyN(io.Discard, br, 64<<10)
	conn.Close()
	time.Sleep(300 * time.Millisecond) // let the handler see the closed connection
	if n := f.downloads(t, "big.pkg"); n != 0 {
		t.Errorf("after an abandoned download: %d downloads, want 0", n)
	}
}

// TestDownloadCountPresigned holds the same rule when downloads are
// redirected to presigned URLs on S3: the redirect of a plain GET counts;
// HEAD, Range and conditional requests do not.
func TestDownloadCountPresigned(t *testing.T) {
	dir := t.TempDir()
	d := testenv.Database(t, testenv.SQLiteFS, dir)
	cfg := s3test.Start(t)
	cfg.PresignDownloads = time.Minute
	blobs, err := s3.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := newFeedOn(t, dir, d, blobs, registry.Options{}, nil)
	f.mustPush(widget("1.0.0"))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req := func(method string, header ...string) {
		t.Helper()
		r, _ := http.NewRequest(method, f.urls.Nupkg("contoso.widget", "1.0.0"), nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		res, err := noFollow.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound {
			t.Fatalf("%s %v: %s, want a redirect", method, header, res.Status)
		}
	}
	req(http.MethodHead)
	req(http.MethodGet, "Range", "bytes=0-99")
	req(http.MethodGet, "If-None-Match", `"x"`)
	if n := f.downloads(t, "contoso.widget"); n != 0 {
		t.Errorf("after HEAD, Range and conditional requests: %d downloads, want 0", n)
	}
	req(http.MethodGet)
	if n := f.downloads(t, "contoso.widget"); n != 1 {
		t.Errorf("after one GET: %d downloads, want 1", n)
	}
}
