package upstream

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestCredentialsOnlyToIndexHost: the index host gets Basic credentials,
// a second "CDN" host (another port) gets none, also after a redirect
// from the index host.
func TestCredentialsOnlyToIndexHost(t *testing.T) {
	f := newFakeFeed(t)
	cdn := newFakeFeed(t)
	body := []byte("nupkg")
	cdn.handle("/cdn/x.nupkg", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) })
	f.handle("/redirect/x.nupkg", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, cdn.srv.URL+"/cdn/x.nupkg", http.StatusFound)
	})
	f.set(regPath("x"), inlined(entry("X", "1.0.0", map[string]any{"packageContent": cdn.srv.URL + "/cdn/x.nupkg"})))
	src := f.source()
	src.Username, src.Password = "alice", "s3cret-token"
	c := newTestClient(Options{})
	p, err := c.Package(context.Background(), src, "x")
	if err != nil {
		t.Fatal(err)
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret-token"))
	if got := f.authOf("/v3/index.json"); got != wantAuth {
		t.Errorf("index Authorization = %q, want %q", got, wantAuth)
	}
	if got := f.authOf(regPath("x")); got != wantAuth {
		t.Errorf("registration Authorization = %q, want %q", got, wantAuth)
	}
	if _, err := c.Download(context.Background(), src, &p.Versions[0], io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := cdn.authOf("/cdn/x.nupkg"); got != "" {
		t.Errorf("CDN got Authorization %q", got)
	}
	cdn.mu.Lock()
	delete(cdn.auth, "/cdn/x.nupkg")
	cdn.mu.Unlock()
	v := p.Versions[0]
	v.ContentURL = f.srv.URL + "/redirect/x.nupkg"
	if _, err := c.Download(context.Background(), src, &v, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := f.authOf("/redirect/x.nupkg"); got != wantAuth {
		t.Errorf("index host (redirecting) Authorization = %q", got)
	}
	if n, got := cdn.hitsOf("/cdn/x.nupkg"), cdn.authOf("/cdn/x.nupkg"); n != 2 || got != "" {
		t.Errorf("CDN after redirect: %d hits, Authorization %q", n, got)
	}
	// Errors never carry the password.
	f.handle(regPath("down"), func(w http.ResponseWriter, r *http.Request) { http.Error(w, "x", 500) })
	if _, err := c.Package(context.Background(), src, "down"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v", err)
	}
}

func TestTooManyRedirects(t *testing.T) {
	f := newFakeFeed(t)
	f.handle("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	f.handle("/tofile", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	c := newTestClient(Options{})
	for _, path := range []string{"/loop", "/tofile"} {
		v := &Version{Version: "1.0.0", ContentURL: f.srv.URL + path}
		if _, err := c.Download(context.Background(), f.source(), v, io.Discard); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", path, err)
		}
	}
	if n := f.hitsOf("/loop"); n != maxRedirects+1 {
		t.Errorf("/loop requested %d times, want %d", n, maxRedirects+1)
	}
	v := &Version{Version: "1.0.0", ContentURL: "ftp://example.invalid/x.nupkg"}
	if _, err := c.Download(context.Background(), f.source(), v, io.Discard); !errors.Is(err, ErrRefused) {
		t.Errorf("ftp: err = %v, want ErrRefused", err)
	}
}

func TestSSRFLoopbackNeedsAllowPrivate(t *testing.T) {
	f := newFakeFeed(t)
	c := New(Options{}) // AllowPrivate false
	_, err := c.Package(context.Background(), f.source(), "x")
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("err = %v, want ErrRefused", err)
	}
	if !strings.Contains(err.Error(), "upstream_allow_private") {
		t.Errorf("%q does not name the setting upstream_allow_private", err)
	}
	if n := f.hitsOf("/v3/index.json"); n != 0 {
		t.Errorf("the server was reached %d times", n)
	}
}

func TestSSRFMetadataAlwaysRefused(t *testing.T) {
	c := newTestClient(Options{Timeout: 20 * time.Second})
	for _, target := range []string{"http://169.254.169.254/latest/meta-data/index.json", "http://[fe80::1]:80/index.json", "http://0.0.0.0:1/index.json"} {
		start := time.Now()
		_, err := c.Package(context.Background(), Source{IndexURL: target}, "x")
		if !errors.Is(err, ErrRefused) {
			t.Errorf("%s: err = %v, want ErrRefused", target, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %s; the refusal must come before connecting", target, d)
		}
	}
}

func TestCheckAddress(t *testing.T) {
	for _, tc := range []struct {
		addr                 string
		strict, allowPrivate bool // refused?
	}{
		{"93.184.216.34", false, false},
		{"2606:4700::1111", false, false},
		{"127.0.0.1", true, false},
		{"::1", true, false},
		{"10.1.2.3", true, false},
		{"172.16.0.1", true, false},
		{"172.32.0.1", false, false},
		{"192.168.1.1", true, false},
		{"100.64.0.1", true, false},
		{"fd00::1", true, false},
		{"::ffff:127.0.0.1", true, false},
		{"169.254.169.254", true, true},
		{"::ffff:169.254.169.254", true, true},
		{"fe80::1", true, true},
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"224.0.0.1", true, true},
		{"ff02::1", true, true},
	} {
		ip := netip.MustParseAddr(tc.addr)
		if got := checkAddress(ip, false) != nil; got != tc.strict {
			t.Errorf("%s strict: refused = %v, want %v", tc.addr, got, tc.strict)
		}
		if got := checkAddress(ip, true) != nil; got != tc.allowPrivate {
			t.Errorf("%s allowPrivate: refused = %v, want %v", tc.addr, got, tc.allowPrivate)
		}
	}
}
