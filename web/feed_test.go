package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// widget is the package most protocol tests push.
func widget(version string) nugettest.Spec {
	return nugettest.Spec{
		ID: "Contoso.Widget", Version: version, Title: "Contoso Widget", Authors: "Contoso, Ada",
		Description: "Widgets for every app.", Summary: "Widgets.", Tags: "widgets ui", License: "MIT",
		ProjectURL: "https://example.com/widget",
		Dependencies: map[string][]nugettest.Dep{
			"net8.0":         {{ID: "Contoso.Core", Range: "[1.0.0, )"}},
			"netstandard2.0": {{ID: "Contoso.Core", Range: "[1.0.0, 2.0.0)"}, {ID: "System.Memory", Range: "4.5.5"}},
		},
		Readme: []byte("# Widget\n\nHello."), Icon: nugettest.PNG,
	}
}

func TestServiceIndex(t *testing.T) {
	f := newFeed(t)
	var idx nuget.ServiceIndex
	body := f.getJSON(f.urls.ServiceIndex(), http.StatusOK, &idx)
	f.golden(t, "service-index", body)
	// The types NuGet.exe 5.8 and current dotnet look up, exactly.
	for _, typ := range []string{
		"PackageBaseAddress/3.0.0", "PackagePublish/2.0.0",
		"RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/3.6.0", "RegistrationsBaseUrl/Versioned",
		"SearchQueryService/3.0.0-beta", "SearchQueryService/3.5.0", "SearchQueryService/Versioned",
		"SearchAutocompleteService/3.0.0-beta", "ReadmeUriTemplate/6.13.0", "SymbolPackagePublish/4.9.0",
		"PackageStaging/1.0.0",
	} {
		found := false
		for _, r := range idx.Resources {
			if r.Type == typ {
				found = true
				if !strings.HasPrefix(r.ID, f.urls.Base()+"/") {
					t.Errorf("%s: @id %q is not an absolute URL on the base URL", typ, r.ID)
				}
			}
		}
		if !found {
			t.Errorf("service index lacks %s", typ)
		}
	}
	res, _ := f.get(f.urls.ServiceIndex())
	if res.Header.Get("ETag") == "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("headers: %v", res.Header)
	}
}

func TestFlatContainer(t *testing.T) {
	f := newFeed(t)
	pkgs := map[string][]byte{}
	for _, v := range []string{"1.0.0", "1.10.0", "1.2.0", "2.0.0-beta.1+sha.abc", "1.0.0.5"} {
		spec := widget(v)
		pkgs[v] = spec.Build()
		if res := f.push(f.key, pkgs[v]); res.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: %s", v, res.Status)
		}
	}
	var idx nuget.VersionsIndex
	body := f.getJSON(f.urls.Versions("contoso.widget"), http.StatusOK, &idx)
	f.golden(t, "versions-index", body)
	want := []string{"1.0.0", "1.0.0.5", "1.2.0", "1.10.0", "2.0.0-beta.1"}
	if fmt.Sprint(idx.Versions) != fmt.Sprint(want) {
		t.Errorf("versions = %v, want %v", idx.Versions, want)
	}

	t.Run("unknown ID is 404", func(t *testing.T) {
		f.getJSON(f.urls.Versions("no.such.package"), http.StatusNotFound, nil)
	})
	t.Run("path is case-insensitive", func(t *testing.T) {
		f.getJSON(f.urls.PackageBase()+"Contoso.WIDGET/index.json", http.StatusOK, nil)
	})
	t.Run("nupkg bytes are the pushed bytes", func(t *testing.T) {
		for v, b := range pkgs {
			pv, _ := nuget.ParseVersion(v)
			res, got := f.get(f.urls.Nupkg("contoso.widget", pv.Lower()))
			if res.StatusCode != http.StatusOK || !bytes.Equal(got, b) {
				t.Errorf("%s: %s, %d bytes, want %d identical bytes", v, res.Status, len(got), len(b))
			}
		}
		res, _ := f.get(f.urls.PackageBase() + "CONTOSO.WIDGET/1.0.0/Contoso.Widget.1.0.0.nupkg")
		if res.StatusCode != http.StatusOK {
			t.Errorf("mixed-case download: %s", res.Status)
		}
		res, _ = f.get(f.urls.PackageBase() + "contoso.widget/1.0.0/contoso.widget.9.9.9.nupkg")
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("mismatched file name: %s, want 404", res.Status)
		}
	})
	t.Run("nuspec, readme and icon", func(t *testing.T) {
		res, b := f.get(f.urls.Nuspec("contoso.widget", "1.0.0"))
		if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "<id>Contoso.Widget</id>") {
			t.Errorf("nuspec: %s %q", res.Status, b)
		}
		res, b = f.get(f.urls.Readme("contoso.widget", "1.0.0"))
		if res.StatusCode != http.StatusOK || string(b) != "# Widget\n\nHello." {
			t.Errorf("readme: %s %q", res.Status, b)
		}
		res, b = f.get(f.urls.Icon("contoso.widget", "1.0.0"))
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(b, nugettest.PNG) {
			t.Errorf("icon: %s %s", res.Status, res.Header.Get("Content-Type"))
		}
	})
	t.Run("HEAD answers like GET without a body", func(t *testing.T) {
		for _, u := range []string{f.urls.ServiceIndex(), f.urls.Versions("contoso.widget"), f.urls.Nupkg("contoso.widget", "1.0.0"),
			f.urls.RegistrationIndex("contoso.widget"), f.urls.Search() + "?q=widget", f.urls.Nuspec("contoso.widget", "1.0.0")} {
			req, _ := http.NewRequest(http.MethodHead, u, nil)
			res := f.do(req)
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || len(b) != 0 || res.Header.Get("Content-Type") == "" {
				t.Errorf("HEAD %s: %s, %d body bytes", u, res.Status, len(b))
			}
		}
	})
	t.Run("conditional GET and gzip", func(t *testing.T) {
		res, _ := f.get(f.urls.RegistrationIndex("contoso.widget"))
		etag := res.Header.Get("ETag")
		req, _ := http.NewRequest(http.MethodGet, f.urls.RegistrationIndex("contoso.widget"), nil)
		req.Header.Set("If-None-Match", etag)
		if res := f.do(req); res.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: %s, want 304", res.Status)
		}
		req, _ = http.NewRequest(http.MethodGet, f.urls.RegistrationIndex("contoso.widget"), nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res = f.do(req)
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("no gzip: %v", res.Header)
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := io.ReadAll(zr); !bytes.Contains(b, []byte(`"catalogEntry"`)) {
			t.Errorf("gzip body does not decode to the registration")
		}
		res, _ = f.get(f.urls.Nupkg("contoso.widget", "1.0.0"))
		req, _ = http.NewRequest(http.MethodGet, f.urls.Nupkg("contoso.widget", "1.0.0"), nil)
		req.Header.Set("If-None-Match", res.Header.Get("ETag"))
		if res := f.do(req); res.StatusCode != http.StatusNotModified {
			t.Errorf("nupkg If-None-Match: %s, want 304", res.Status)
		}
	})
	t.Run("clients without gzip get the same documents plain", func(t *testing.T) {
		// The caches keep only the gzip form of large documents.
		for _, u := range []string{f.urls.RegistrationIndex("contoso.widget"), f.urls.Versions("contoso.widget"), f.urls.Search() + "?q=widget"} {
			fetch := func(method, encoding string) (*http.Response, []byte) {
				req, _ := http.NewRequest(method, u, nil)
				req.Header.Set("Accept-Encoding", encoding)
				res := f.do(req)
				b, _ := io.ReadAll(res.Body)
				return res, b
			}
			zres, zb := fetch(http.MethodGet, "gzip")
			if zres.Header.Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(zb))
				if err != nil {
					t.Fatal(err)
				}
				zb, _ = io.ReadAll(zr)
			}
			res, b := fetch(http.MethodGet, "identity")
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" || !bytes.Equal(b, zb) ||
				res.Header.Get("Content-Length") != strconv.Itoa(len(b)) || !json.Valid(b) {
				t.Errorf("%s without gzip: %s %v, %d bytes, equal to the gzip form: %v", u, res.Status, res.Header, len(b), bytes.Equal(b, zb))
			}
			if hres, hb := fetch(http.MethodHead, "identity"); len(hb) != 0 || hres.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
				t.Errorf("HEAD %s without gzip: Content-Length %q, want %d", u, hres.Header.Get("Content-Length"), len(b))
			}
		}
	})
}
