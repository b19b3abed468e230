package web_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

func (f *feed) unlistReq(key, id, version, method string) *http.Response {
	f.t.Helper()
	req, _ := http.NewRequest(method, f.urls.Publish()+"/"+id+"/"+version, nil)
	req.Header.Set("X-NuGet-ApiKey", key)
	return f.do(req)
}

func (f *feed) versions(lowerID string) string {
	f.t.Helper()
	res, b := f.get(f.urls.Versions(lowerID))
	if res.StatusCode == http.StatusNotFound {
		return ""
	}
	return string(b)
}

func TestPushRefusals(t *testing.T) {
	f := newFeed(t)
	f.mustPush(widget("1.0.0"))
	bob := f.userKey("bob")
	scoped := f.userKey("carol", "Carol.*")
	tests := []struct {
		name   string
		key    string
		pkg    []byte
		status int
		phrase string // must appear in the reason phrase and X-NuGet-Warning
	}{
		{"no key", "", widget("1.1.0").Build(), 401, "An API key is required"},
		{"unknown key", "wharf_nonsense", widget("1.1.0").Build(), 401, "not valid"},
		{"duplicate", f.key, widget("1.0.0").Build(), 409, "already exists"},
		{"duplicate in other case and form", f.key, nugettest.Spec{ID: "CONTOSO.WIDGET", Version: "1.0.0.0"}.Build(), 409, "already exists"},
		{"another owner's package", bob, widget("1.1.0").Build(), 403, "belongs to other owners"},
		{"outside the key's globs", scoped, nugettest.Spec{ID: "Other.Lib", Version: "1.0.0"}.Build(), 403, "limited to packages matching 'Carol.*'"},
		{"not a zip", f.key, []byte("this is not a package"), 400, "not a valid"},
		{"empty body", f.key, []byte(nil), 400, "no package"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.push(tc.key, tc.pkg)
			if res.StatusCode != tc.status {
				t.Fatalf("status %s, want %d (%s)", res.Status, tc.status, res.Header.Get("X-NuGet-Warning"))
			}
			if w := res.Header.Get("X-NuGet-Warning"); !strings.Contains(w, tc.phrase) {
				t.Errorf("X-NuGet-Warning = %q, want it to contain %q", w, tc.phrase)
			}
			if !strings.Contains(res.Status, tc.phrase) {
				t.Errorf("reason phrase %q does not carry %q", res.Status, tc.phrase)
			}
		})
	}
	if v := f.versions("contoso.widget"); v != `{"versions":["1.0.0"]}` {
		t.Errorf("refused pushes changed the feed: %s", v)
	}
	if v := f.versions("other.lib"); v != "" {
		t.Errorf("refused push created other.lib: %s", v)
	}
}

func TestPushTooLarge(t *testing.T) {
	f := newFeedWith(t, registry.Options{MaxPackageSize: 64 << 10})
	big := nugettest.Spec{ID: "Big.One", Version: "1.0.0", Payload: 200 << 10}.Build()
	res := f.push(f.key, big)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "limit") {
		t.Fatalf("status %s, warning %q", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if f.versions("big.one") != "" {
		t.Error("a refused package appeared")
	}
	// A chunked raw body without Content-Length is refused the same way.
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.urls.Base(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /api/v2/package/ HTTP/1.1\r\nHost: x\r\nX-NuGet-ApiKey: %s\r\nTransfer-Encoding: chunked\r\n\r\n", f.key)
	fmt.Fprintf(conn, "%x\r\n%s\r\n0\r\n\r\n", len(big), big)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 413 ") {
		t.Errorf("chunked oversize push: %q %v", line, err)
	}
}

func TestPushRawBodyAndPaths(t *testing.T) {
	f := newFeed(t)
	for i, path := range []string{"/api/v2/package", "/api/v2/package/"} {
		pkg := nugettest.Spec{ID: "Raw.Body", Version: fmt.Sprintf("1.0.%d", i)}.Build()
		req, _ := http.NewRequest(http.MethodPut, f.urls.Base()+path, bytes.NewReader(pkg))
		req.Header.Set("X-NuGet-ApiKey", f.key)
		if res := f.do(req); res.StatusCode != http.StatusCreated {
			t.Errorf("PUT %s raw: %s", path, res.Status)
		}
	}
	if v := f.versions("raw.body"); v != `{"versions":["1.0.0","1.0.1"]}` {
		t.Errorf("versions = %s", v)
	}
}

func TestFirstPushCasingIsKept(t *testing.T) {
	f := newFeed(t)
	f.mustPush(nugettest.Spec{ID: "Mixed.Case", Version: "1.0.0"})
	f.mustPush(nugettest.Spec{ID: "MIXED.case", Version: "2.0.0"})
	var idx nuget.RegistrationIndex
	f.getJSON(f.urls.RegistrationIndex("mixed.case"), http.StatusOK, &idx)
	for _, leaf := range idx.Items[0].Items {
		if leaf.CatalogEntry.PackageID != "Mixed.Case" {
			t.Errorf("version %s has id %q, want the first push's casing", leaf.CatalogEntry.Version, leaf.CatalogEntry.PackageID)
		}
	}
}

func TestUnlistRelist(t *testing.T) {
	f := newFeed(t)
	f.mustPush(widget("1.0.0"))
	f.mustPush(widget("1.1.0"))
	latest := func() string {
		r := f.search(nil)
		if len(r.Data) == 0 {
			return ""
		}
		return r.Data[0].Version
	}
	if res := f.unlistReq(f.key, "CONTOSO.widget", "1.1.0.0", http.MethodDelete); res.StatusCode != http.StatusNoContent {
		t.Fatalf("unlist with other casing and form: %s", res.Status)
	}
	if got := latest(); got != "1.0.0" {
		t.Errorf("latest after unlist = %q, want 1.0.0", got)
	}
	if res, _ := f.get(f.urls.Nupkg("contoso.widget", "1.1.0")); res.StatusCode != http.StatusOK {
		t.Errorf("unlisted version must stay restorable: %s", res.Status)
	}
	if v := f.versions("contoso.widget"); v != `{"versions":["1.0.0","1.1.0"]}` {
		t.Errorf("versions index must keep unlisted versions: %s", v)
	}
	bob := f.userKey("bob")
	if res := f.unlistReq(bob, "Contoso.Widget", "1.0.0", http.MethodDelete); res.StatusCode != http.StatusForbidden {
		t.Errorf("bob unlisting alice's package: %s", res.Status)
	}
	if res := f.unlistReq(f.key, "Contoso.Widget", "9.9.9", http.MethodDelete); res.StatusCode != http.StatusNotFound {
		t.Errorf("unlisting a missing version: %s", res.Status)
	}
	if res := f.unlistReq("wharf_bad", "Contoso.Widget", "1.0.0", http.MethodDelete); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("unlisting with a bad key: %s", res.Status)
	}
	if res := f.unlistReq(f.key, "Contoso.Widget", "1.1.0", http.MethodPost); res.StatusCode != http.StatusNoContent {
		t.Fatalf("relist: %s", res.Status)
	}
	if got := latest(); got != "1.1.0" {
		t.Errorf("latest after relist = %q, want 1.1.0", got)
	}
}
