// Everything people write that the pages show — a package's metadata and
// README, key descriptions, policy fields, search text, form input echoed
// back, the audit log — is rendered inert: the real pages are parsed, and
// no script, event handler, active element or javascript:/data: link from
// a payload survives, while the payload's text is still shown.

package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html/atom"

	xhtml "golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// hostile is markup that runs script wherever a page lets it through,
// marked with the field it was put in, so that a survivor names its field.
func hostile(field string) string {
	return fmt.Sprintf(`<script>alert('%[1]s')</script><img src=x onerror="alert('%[1]s')">`+
		`<svg onload="alert('%[1]s')"><a href="javascript:alert('%[1]s')">%[1]s</a></svg>`, field)
}

// hostileReadme is README markdown with the ways a README can try to run
// script or load active content: raw HTML, SVG, data: and javascript:
// URLs (also disguised), autolinks, reference links and frames.
const hostileReadme = "# Readme\n\nVisible **text**.\n\n" +
	"<svg><script>alert('readme-svg-script')</script></svg>\n\n" +
	"<svg onload=\"alert('readme-svg-onload')\"><circle r=\"5\"/></svg>\n\n" +
	"<svg><a xlink:href=\"javascript:alert('readme-svg-link')\"><text>svg link</text></a></svg>\n\n" +
	"<math><mtext><table><mglyph><style><img src=x onerror=\"alert('readme-math')\">\n\n" +
	"<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\" alt=\"data image\">\n\n" +
	"<img src=\"https://example.com/ok.png\" alt=\"ok\" onerror=\"alert('readme-onerror')\">\n\n" +
	"[data link](data:text/html,<script>alert('readme-data')</script>)\n\n" +
	"[mixed case](JaVaScRiPt:alert('readme-case'))\n\n" +
	"<a href=\"&#106;avascript:alert('readme-entity')\">entity link</a>\n\n" +
	"<a href=\"java\tscript:alert('readme-tab')\">tab link</a>\n\n" +
	"<javascript:alert('readme-autolink')>\n\n" +
	"[reference link][r]\n\n[r]: javascript:alert('readme-reference')\n\n" +
	"<object data=\"data:text/html,x\"></object><embed src=\"javascript:alert('readme-embed')\">\n\n" +
	"<iframe srcdoc=\"<script>alert('readme-srcdoc')</script>\"></iframe>\n\n" +
	"<base href=\"https://evil.example/\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('readme-meta')\">\n\n" +
	"<form action=\"https://evil.example/\"><button formaction=\"javascript:alert('readme-formaction')\">go</button></form>\n\n" +
	"<details open ontoggle=\"alert('readme-ontoggle')\"><summary>more</summary>inside</details>\n"

// hostileSpec is a package whose every free-text field is hostile, and
// whose URLs try to break out of the attribute they are put in.
func hostileSpec(version string) nugettest.Spec {
	x := html.EscapeString
	breakOut := func(field string) string { return `https://example.com/?"><script>alert('` + field + `')</script>` }
	return nugettest.Spec{
		ID: "Hostile.Lib", Version: version, Readme: []byte(hostileReadme),
		Title: hostile("title"), Summary: hostile("summary"), Description: hostile("description"), Authors: hostile("authors"),
		Tags:       `<script>alert('tag')</script> onmouseover=alert('tag') javascript:alert('tag')`,
		ProjectURL: breakOut("projectUrl"),
		ExtraNuspecXML: "<releaseNotes>" + x(hostile("releaseNotes")) + "</releaseNotes>" +
			"<copyright>" + x(hostile("copyright")) + "</copyright>" +
			"<iconUrl>" + x(breakOut("iconUrl")) + "</iconUrl>" +
			"<licenseUrl>" + x(breakOut("licenseUrl")) + "</licenseUrl>" +
			`<repository type="git" url="` + x(breakOut("repository")) + `"/>`,
	}
}

// TestActiveURLsAreRefused: a package whose URLs are javascript: or data:
// URLs is refused at push, saying which field is wrong, and nothing of it
// is stored.
func TestActiveURLsAreRefused(t *testing.T) {
	t.Parallel()
	f := newPackagesFeed(t)
	x := html.EscapeString
	for field, xml := range map[string]string{
		"projectUrl": "<projectUrl>" + x("javascript:alert(1)") + "</projectUrl>",
		"iconUrl":    "<iconUrl>" + x("data:image/svg+xml,<svg onload=alert(1)>") + "</iconUrl>",
		"licenseUrl": "<licenseUrl>" + x("JavaScript:alert(1)") + "</licenseUrl>",
		"repository": `<repository type="git" url="` + x("data:text/html,<script>alert(1)</script>") + `"/>`,
	} {
		res := f.push(f.key, nugettest.Spec{ID: "Active.Url", Version: "1.0.0", ExtraNuspecXML: xml}.Build())
		if w := res.Header.Get("X-NuGet-Warning"); res.StatusCode != http.StatusBadRequest || !strings.Contains(w, field) {
			t.Errorf("a %s that is not a web URL: %s, %q; want 400 naming the field", field, res.Status, w)
		}
	}
	if v := f.versions("active.url"); v != "" {
		t.Errorf("a refused package was stored: %s", v)
	}
}

func TestUserTextIsInert(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.pushWith(w.secrets[alicesKey], hostileSpec("1.0.0"))
	w.pushWith(w.secrets[alicesKey], hostileSpec("2.0.0-beta"))
	if _, _, err := w.reg.CreateKey(ctx, registry.NewKey{User: alice, Description: hostile("key")}); err != nil {
		t.Fatal(err)
	}
	pol, err := w.reg.CreatePolicy(ctx, registry.NewPolicy{User: alice, Name: hostile("policy"), Provider: trust.GitHub,
		Repository: "alice/tools", Workflow: "release.yml", Environment: "<script>alert('environment')</script>"})
	if err != nil {
		t.Fatal(err)
	}
	anon, owner, admin := w.anonymous(t), w.as(t, alice), w.as(t, root)
	q := url.QueryEscape(hostile("query"))
	pages := []struct {
		br    *browser
		path  string
		shows []string // payloads the page must show as text
	}{
		{anon, "/", []string{"summary"}},
		{anon, "/packages?q=Hostile", []string{"summary", "tag"}},
		{anon, "/packages?q=" + q, []string{"query"}},
		{anon, "/packages/Hostile.Lib", []string{"title", "description", "authors", "releaseNotes", "copyright", "tag"}},
		{anon, "/packages/Hostile.Lib/2.0.0-beta", []string{"title", "description"}},
		{anon, "/packages/" + url.PathEscape(`<img src=x onerror="alert('path')"><svg onload="alert('path')">`), []string{"path"}},
		{owner, "/account/packages", nil},
		{owner, "/packages/Hostile.Lib/manage", nil},
		{owner, "/account/keys", []string{"key"}},
		{owner, "/account/trusted-publishing", []string{"policy"}},
		{owner, fmt.Sprintf("/account/trusted-publishing/%d", pol.ID), []string{"policy", "environment"}},
		{admin, "/admin/audit", []string{"key", "policy"}},
		{admin, "/admin/users", nil},
	}
	for _, pg := range pages {
		p := pg.br.get(pg.path)
		if p.doc == nil || p.res.StatusCode >= 500 {
			t.Errorf("GET %s: %s (%s)", pg.path, p.res.Status, p.res.Header.Get("Content-Type"))
			continue
		}
		checkInert(t, w.urls.Base(), "GET "+pg.path, p)
		text := textOf(p.doc)
		for _, f := range pg.shows {
			if !strings.Contains(text, "alert('"+f+"')") {
				t.Errorf("GET %s does not show the %s payload as text: the test did not reach the field", pg.path, f)
			}
		}
	}
	// Form input echoed back on a refusal.
	for _, f := range []struct{ path, field string }{
		{"/account/organizations", "name"},
		{"/organizations/contoso/members", "user"},
		{"/packages/Hostile.Lib/manage/owners", "account"},
		{"/account/keys", "description"},
		{"/account/trusted-publishing", "repository"},
	} {
		form := url.Values{"_csrf": {owner.token()}, f.field: {hostile("form-" + f.field)}, "provider": {"github"}, "workflow": {"release.yml"}}
		p := owner.postWith(f.path, form.Encode(), nil)
		if p.doc == nil {
			t.Errorf("POST %s: %s, not a page", f.path, p.res.Status)
			continue
		}
		checkInert(t, w.urls.Base(), "POST "+f.path, p)
		if !strings.Contains(html.UnescapeString(p.body), "alert('form-"+f.field+"')") {
			t.Errorf("POST %s: %s does not echo the %s: the test did not reach it", f.path, p.res.Status, f.field)
		}
	}
	// The README as the package page shows it.
	p := anon.getOK("/packages/Hostile.Lib")
	if rd := p.byTestID("readme"); len(rd) != 1 || !strings.Contains(textOf(rd[0]), "Visible text.") {
		t.Errorf("the README is not shown")
	}
}

// checkInert fails for every element or attribute of a page that could
// run script or load active content, other than the layout's own script
// and stylesheet, and for forms that send anywhere but this site (base).
func checkInert(t *testing.T, base, what string, p *page) {
	t.Helper()
	for _, n := range findAll(p.doc, func(*xhtml.Node) bool { return true }) {
		switch n.DataAtom {
		case atom.Script:
			if !strings.HasPrefix(attr(n, "src"), "/static/") || n.FirstChild != nil {
				t.Errorf("%s: a <script> that is not the layout's: %s", what, render(n))
			}
		case atom.Link:
			if !strings.HasPrefix(attr(n, "href"), "/static/") {
				t.Errorf("%s: a <link> that is not the layout's: %s", what, render(n))
			}
		case atom.Iframe, atom.Frame, atom.Object, atom.Embed, atom.Svg, atom.Math, atom.Base, atom.Style:
			t.Errorf("%s: an active element survived: %s", what, render(n))
		case atom.Meta:
			if attr(n, "http-equiv") != "" {
				t.Errorf("%s: %s", what, render(n))
			}
		case atom.Form:
			if a := attr(n, "action"); (!strings.HasPrefix(a, "/") || strings.HasPrefix(a, "//")) && !strings.HasPrefix(a, base+"/") {
				t.Errorf("%s: a form posts off the site: %s", what, render(n))
			}
		}
		if n.Namespace != "" { // svg or math content, wherever it came from
			t.Errorf("%s: a foreign (%s) element survived: %s", what, n.Namespace, render(n))
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction" {
				t.Errorf("%s: <%s %s=%q> survived", what, n.Data, a.Key, a.Val)
			}
			if urlAttrs[key] && activeScheme(a.Val) {
				t.Errorf("%s: <%s %s=%q> links to active content", what, n.Data, a.Key, a.Val)
			}
		}
	}
}

// urlAttrs are the attributes whose value a browser loads or follows.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "data": true, "poster": true,
	"background": true, "cite": true, "srcset": true, "xlink:href": true, "ping": true}

// activeScheme reports whether a URL, read as a browser reads it (spaces
// and control characters dropped, any case), is javascript:, vbscript: or
// data:.
func activeScheme(u string) bool {
	u = strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToLower(u))
	for _, s := range []string{"javascript:", "vbscript:", "data:"} {
		if strings.HasPrefix(u, s) {
			return true
		}
	}
	return false
}

// render writes an element's start tag, for failure messages.
func render(n *xhtml.Node) string {
	var b strings.Builder
	b.WriteString("<" + n.Data)
	for _, a := range n.Attr {
		fmt.Fprintf(&b, " %s=%q", a.Key, a.Val)
	}
	return b.String() + ">"
}
