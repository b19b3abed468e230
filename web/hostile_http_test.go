package web_test

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/testenv"
	"github.com/wharf-registry/wharf/web"
)

// TestHostilePaths asks for, unlists and relists IDs and versions that
// hold path separators and dot segments, raw and percent-encoded. Each
// must be a 404 naming what does not exist, reach no other package or
// file, and change nothing: Contoso.Widget 1.0.0 stays listed.
func TestHostilePaths(t *testing.T) {
	f := newFeed(t)
	f.mustPush(widget("1.0.0"))
	f.mustPush(nugettest.Spec{ID: "Other.Lib", Version: "1.0.0"}) // what a traversal would reach
	before := f.stored()
	tests := []struct{ method, path, says string }{
		{"GET", "/v3/package/contoso.widget%2F..%2Fother.lib/index.json", "There is no package 'contoso.widget%2F..%2Fother.lib' on this feed."},
		{"GET", "/v3/package/%2e%2e/index.json", "There is no package '%2e%2e' on this feed."},
		{"GET", "/v3/package/..%5Cother.lib/index.json", `There is no package '..\other.lib' on this feed.`},
		{"GET", "/v3/package/contoso.widget/..%2F..%2Fother.lib/other.lib.1.0.0.nupkg", "There is no file other.lib.1.0.0.nupkg in the package folder."},
		{"GET", "/v3/package/contoso.widget/..%2F..%2Fother.lib/contoso.widget.1.0.0.nupkg", "does not match version"},
		{"GET", "/v3/package/contoso.widget/1.0.0/..%2F..%2Fother.lib.nuspec", "There is no file"},
		{"GET", "/v3/package/contoso.widget/1.0.0/%2e%2e", "There is no file"},
		{"GET", "/v3/package/other.lib/../contoso.widget/1.0.0/contoso.widget.1.0.0.nupkg", "There is no file contoso.widget/1.0.0/contoso.widget.1.0.0.nupkg"},
		{"GET", "/v3/registration/contoso.widget%2F..%2Fother.lib/index.json", "There is no package"},
		{"GET", "/v3/registration/contoso.widget/..%2F1.0.0.json", "There is no version '..%2F1.0.0' of 'Contoso.Widget': that is not a valid version."},
		{"GET", "/v3/registration/contoso.widget/page/1.0.0/..%2F..%2F1.0.0.json", "There is no registration page"},
		{"GET", "/v3/catalog/contoso.widget/..%2F1.0.0.json", "There is no version"},
		{"GET", "/v3/provenance/contoso.widget/1.0.0%2F..%2F..%2F1.0.0.json", "There is no version"},
		{"DELETE", "/api/v2/package/contoso.widget%2F..%2Fother.lib/1.0.0", "There is no version '1.0.0' of 'contoso.widget%2F..%2Fother.lib' on this feed."},
		{"DELETE", "/api/v2/package/contoso.widget/1.0.0%2F..", "There is no version '1.0.0%2F..' of 'contoso.widget': that is not a valid version."},
		{"DELETE", "/api/v2/package/contoso.widget/..%2F1.0.0", "that is not a valid version"},
		{"DELETE", "/api/v2/package/..%5Ccontoso.widget/1.0.0", "There is no version '1.0.0' of '..\\contoso.widget' on this feed."},
		{"DELETE", "/api/v2/package/other.lib/../contoso.widget/1.0.0", "There is no version '../contoso.widget/1.0.0' of 'other.lib': that is not a valid version."},
		{"POST", "/api/v2/package/%2e%2e/%2e%2e", "There is no version '%2e%2e' of '%2e%2e': that is not a valid version."},
		{"POST", "/api/v2/package/contoso.widget/1.0.0%00", "that is not a valid version"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, f.urls.Base()+tc.path, nil)
			req.Header.Set("X-NuGet-ApiKey", f.key)
			wantRefused(t, f.do(req), http.StatusNotFound, tc.says)
			f.unchanged(t, before)
		})
	}
	for _, path := range []string{"/packages/contoso.widget%2F..%2Fother.lib", "/packages/contoso.widget/1.0.0%2F..%2F..", "/packages/%2e%2e"} {
		t.Run("GET "+path, func(t *testing.T) {
			res, body := f.get(f.urls.Base() + path)
			if res.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "<html") {
				t.Errorf("status %s, want a 404 page", res.Status)
			}
			f.unchanged(t, before)
		})
	}
}

// TestOverlongRequests sends request lines, headers and API keys past the
// server's limits. Past web.MaxHeaderBytes (plus net/http's 4 KiB of
// slack) the answer is 431 and the connection closes; an API key of 8 KiB
// is simply not valid. None is logged, and nothing changes.
func TestOverlongRequests(t *testing.T) {
	log := &testenv.Buffer{}
	f := newFeedServer(t, registry.Options{Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))}, nil)
	f.mustPush(widget("1.0.0"))
	before := f.stored()
	over := web.MaxHeaderBytes + 8<<10
	longKey := "wharf_" + strings.Repeat("Z9", 4<<10)
	raw := []struct{ name, request string }{
		{"header over the limit", "GET /v3/index.json HTTP/1.1\r\nHost: x\r\nX-Padding: " + strings.Repeat("a", over) + "\r\n\r\n"},
		{"many small headers", "GET /v3/index.json HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-A: b\r\n", over/8) + "\r\n"},
		{"URL over the limit", "GET /v3/package/" + strings.Repeat("a", over) + "/index.json HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"API key over the limit", "DELETE /api/v2/package/contoso.widget/1.0.0 HTTP/1.1\r\nHost: x\r\nX-NuGet-ApiKey: " +
			strings.Repeat(longKey, over/len(longKey)+1) + "\r\n\r\n"},
	}
	for _, tc := range raw {
		t.Run(tc.name, func(t *testing.T) {
			status, body := rawRequest(t, f, tc.request)
			if status != "HTTP/1.1 431 Request Header Fields Too Large" || body != "431 Request Header Fields Too Large" {
				t.Errorf("answer %q %q, want 431 Request Header Fields Too Large", status, body)
			}
			f.unchanged(t, before)
		})
	}
	t.Run("URL under the limit", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, f.urls.Base()+"/v3/package/"+strings.Repeat("a", web.MaxHeaderBytes-1024)+"/index.json", nil)
		wantRefused(t, f.do(req), http.StatusNotFound, "There is no package")
	})
	t.Run("API key of 8 KiB", func(t *testing.T) {
		wantRefused(t, f.unlistReq(longKey, "Contoso.Widget", "1.0.0", http.MethodDelete), http.StatusUnauthorized, "The API key is not valid.")
		wantRefused(t, f.push(longKey, nugettest.Spec{ID: "Long.Key", Version: "1.0.0"}.Build()), http.StatusUnauthorized, "The API key is not valid.")
		f.unchanged(t, before)
	})
	if strings.Contains(log.String(), "Z9Z9Z9Z9") {
		t.Error("the server logged part of an API key")
	}
}

// rawRequest writes request on a new connection and returns the status
// line and body of the answer; the server must then close the connection.
func rawRequest(t *testing.T, f *feed, request string) (status, body string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.urls.Base(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(conn, request) // the server may answer before it has read it all
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil || !res.Close {
		t.Errorf("the server keeps the connection open after %s (%v)", res.Status, err)
	}
	return res.Proto + " " + res.Status, string(b)
}
