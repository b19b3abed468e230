package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// benchReadme is a README of about 20 KB: headings, prose, code and a table.
func benchReadme() []byte {
	var b strings.Builder
	b.WriteString("# Bench.Readme\n\nA package with a long README.\n\n")
	for i := range 40 {
		fmt.Fprintf(&b, "## Section %d\n\nSome *prose* with a [link](https://example.com/%d) and `code`.\n\n", i, i)
		b.WriteString("```csharp\nvar widget = new Widget { Size = 3 };\nwidget.Spin();\n```\n\n")
		b.WriteString("| Option | Default |\n|---|--:|\n| size | 3 |\n| speed | 10 |\n\n")
	}
	return []byte(b.String())
}

// servePage measures the server's own time for a page: the request goes
// straight to the handler, without a network or an HTTP client.
func servePage(b *testing.B, h http.Handler, next func(i int) string) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, next(i), nil))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d", next(i), rec.Code)
		}
	}
}

// BenchmarkPublicPages renders the package and search pages at the feed
// issue's size, 1,000 packages of 10 versions (WHARF_BENCH_PACKAGES
// overrides), and reports server time per page.
func BenchmarkPublicPages(b *testing.B) {
	f, n := benchFeed(b)
	f.mustPush(nugettest.Spec{ID: "Bench.Readme", Version: "1.0.0", Readme: benchReadme(), Description: "A package with a README."})
	h := f.srv.Config.Handler
	id := func(i int) string { return fmt.Sprintf("Bench.Pkg%04d", i*7919%n) }
	b.Run("package-page", func(b *testing.B) {
		servePage(b, h, func(i int) string { return "/packages/" + id(i) })
	})
	b.Run("package-page-version", func(b *testing.B) {
		servePage(b, h, func(i int) string { return fmt.Sprintf("/packages/%s/1.%d.0", id(i), i%10) })
	})
	b.Run("package-page-readme", func(b *testing.B) {
		servePage(b, h, func(int) string { return "/packages/Bench.Readme" })
	})
	b.Run("search-page", func(b *testing.B) {
		servePage(b, h, func(int) string { return "/packages?q=widgets" })
	})
	b.Run("search-page-deep", func(b *testing.B) {
		servePage(b, h, func(i int) string { return fmt.Sprintf("/packages?q=bench&page=%d", 1+i%50) })
	})
	b.Run("search-page-all", func(b *testing.B) {
		servePage(b, h, func(int) string { return "/packages?prerelease=true" })
	})
	b.Run("home-page", func(b *testing.B) {
		servePage(b, h, func(int) string { return "/" })
	})
}
