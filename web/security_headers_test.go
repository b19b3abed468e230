// The security headers of every kind of answer, over http and behind an
// https base URL: the feed, the files package authors wrote, API
// refusals, operations endpoints, static files and pages; and the
// cookies each sets.

package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/web"
)

// answer is one request whose answer's headers are checked.
type answer struct {
	method, path string
	page         bool // a page of the UI: its own policy; otherwise nothing may run
	status       int
}

// answers are the requests, one of each kind of answer the server gives.
func answers(css string) []answer {
	const v = "/v3/package/contoso.widget/1.0.0/"
	return []answer{
		{"GET", "/v3/index.json", false, 200},
		{"GET", "/v3/package/contoso.widget/index.json", false, 200},
		{"GET", v + "contoso.widget.1.0.0.nupkg", false, 200},
		{"HEAD", v + "contoso.widget.1.0.0.nupkg", false, 200},
		{"GET", v + "contoso.widget.nuspec", false, 200},
		{"GET", v + "readme", false, 200},
		{"GET", v + "icon", false, 200},
		{"GET", v + "license", false, 200},
		{"GET", "/v3/registration/contoso.widget/index.json", false, 200},
		{"GET", "/v3/registration/contoso.widget/1.0.0.json", false, 200},
		{"GET", "/v3/catalog/contoso.widget/1.0.0.json", false, 200},
		{"GET", "/v3/provenance/contoso.widget/1.0.0.json", false, 404},
		{"GET", "/v3/search?q=widget", false, 200},
		{"GET", "/v3/autocomplete?q=con", false, 200},
		{"GET", "/v3/no/such/thing", false, 404},
		{"POST", "/v3/index.json", false, 404},
		{"PUT", "/api/v2/package/", false, 401},
		{"DELETE", "/api/v2/package/Contoso.Widget/9.9.9", false, 401},
		{"POST", "/api/v2/token", false, 401},
		{"DELETE", "/api/v2/token", false, 401},
		{"GET", "/healthz", false, 200},
		{"GET", "/readyz", false, 200},
		{"GET", css, false, 200},
		{"GET", "/static/no-such-file.js", false, 404},
		{"GET", "/", true, 200},
		{"GET", "/packages?q=widget", true, 200},
		{"GET", "/packages/Contoso.Widget", true, 200},
		{"HEAD", "/packages/Contoso.Widget/1.0.0", true, 200},
		{"GET", "/packages/No.Such.Package", true, 404},
		{"GET", "/sign-in", true, 200},
		{"GET", "/no/such/page", true, 404},
		{"POST", "/account/keys", true, 403}, // no form token
	}
}

// TestEveryAnswerCarriesSecurityHeaders: pages carry the UI's policy
// (scripts and styles from this site only); every other answer one under
// which nothing runs, loads or frames it (the .nuspec is XML, where a
// browser would run an XHTML script). All of them forbid sniffing and
// framing, and carry Strict-Transport-Security exactly when the base URL
// is https. Feed and API answers set no cookies.
func TestEveryAnswerCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", "https://wharf.example"} {
		t.Run("base URL "+base, func(t *testing.T) {
			t.Parallel()
			f := newUIFeed(t, uiConfig{baseURL: base})
			f.key = f.userKey("alice")
			spec := widget("1.0.0")
			spec.License, spec.ExtraNuspecXML = "", `<license type="file">LICENSE.txt</license>`
			spec.Files = map[string][]byte{"LICENSE.txt": []byte("MIT, really.")}
			if res := f.do(nugettest.PushRequest(f.srv.URL+"/api/v2/package", f.key, spec.Build(), nil)); res.StatusCode != http.StatusCreated {
				t.Fatalf("push: %s", res.Status)
			}
			home := f.anonymous(t).get("/")
			css := ""
			for _, n := range findAll(home.doc, func(n *html.Node) bool { return n.Data == "link" }) {
				css = attr(n, "href")
			}
			for _, a := range answers(css) {
				req, _ := http.NewRequest(a.method, f.srv.URL+a.path, nil)
				res, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Fatalf("%s %s: %v", a.method, a.path, err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				checkSecurityHeaders(t, a, res, base != "")
			}
		})
	}
}

// checkSecurityHeaders checks one answer's headers.
func checkSecurityHeaders(t *testing.T, a answer, res *http.Response, https bool) {
	t.Helper()
	what := a.method + " " + a.path
	h := res.Header
	if res.StatusCode != a.status {
		t.Errorf("%s: %s, want %d", what, res.Status, a.status)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %s %q, want %q", what, k, got, want)
		}
	}
	hsts := ""
	if https {
		hsts = "max-age=31536000"
	}
	if got := h.Get("Strict-Transport-Security"); got != hsts {
		t.Errorf("%s: Strict-Transport-Security %q, want %q", what, got, hsts)
	}
	csp := h.Values("Content-Security-Policy")
	if len(csp) != 1 {
		t.Errorf("%s: %d Content-Security-Policy headers, want 1: %q", what, len(csp), csp)
		return
	}
	if a.page {
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp[0], want) {
				t.Errorf("%s: page policy %q lacks %s", what, csp[0], want)
			}
		}
		return
	}
	for _, want := range []string{"default-src 'none'", "sandbox", "frame-ancestors 'none'"} {
		if !strings.Contains(csp[0], want) {
			t.Errorf("%s: policy %q lacks %s", what, csp[0], want)
		}
	}
	if strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("%s: answered as HTML", what)
	}
	if c := h.Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("%s: sets cookies %q", what, c)
	}
}

// TestCookiesFollowTheBaseURL: every cookie the UI sets (the form token's,
// the session's, the sign-in state's and the notice after a form) is
// Secure with the __Host- prefix when the base URL is https, and neither
// over http.
func TestCookiesFollowTheBaseURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", "https://wharf.example"} {
		secure := base != ""
		f := newUIFeed(t, uiConfig{baseURL: base, signIn: web.SignInConfig{GitHub: &web.OAuthApp{ClientID: "id", ClientSecret: "secret", URL: "http://127.0.0.1:1"}}})
		f.addUser(alice)
		jar := map[string]string{} // sent whatever Secure says: the test server speaks http
		var set []*http.Cookie
		do := func(method, path string, form url.Values) *page {
			var body io.Reader
			if form != nil {
				body = strings.NewReader(form.Encode())
			}
			req, _ := http.NewRequest(method, f.srv.URL+path, body)
			if form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range jar {
				req.AddCookie(&http.Cookie{Name: k, Value: v})
			}
			p := f.anonymous(t).do(req)
			for _, c := range p.res.Cookies() {
				set = append(set, c)
				jar[c.Name] = c.Value
			}
			return p
		}
		link := "/sign-in/link/" + f.loginLink(alice, 10*time.Minute)
		do("POST", link, url.Values{"_csrf": {do("GET", link, nil).csrf()}})
		token := do("GET", "/account/keys", nil).csrf()
		if p := do("POST", "/account/organizations", url.Values{"_csrf": {token}, "name": {"contoso"}}); p.res.StatusCode != http.StatusSeeOther {
			t.Fatalf("base %q: creating an organisation: %s", base, p.res.Status)
		}
		do("GET", "/sign-in/github?next=/", nil)
		names := map[string]bool{}
		for _, c := range set {
			names[strings.TrimPrefix(c.Name, "__Host-")] = true
			if c.Secure != secure || strings.HasPrefix(c.Name, "__Host-") != secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("base %q: cookie %s", base, c.Raw)
			}
		}
		for _, n := range []string{"wharf_csrf", "wharf_session", "wharf_flash", "wharf_signin"} {
			if !names[n] {
				t.Errorf("base %q: the walk set no %s cookie, so it was not checked (got %v)", base, n, names)
			}
		}
	}
}
