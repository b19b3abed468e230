// Sessions, sign-in links, redirects after sign-in, the pages' security
// headers, and secrets kept out of the logs.

package web_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/web"
)

// setCookie returns the cookie a response sets, or nil.
func setCookie(res *http.Response, name string) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// checkCookie checks the attributes every UI cookie must have.
func checkCookie(t *testing.T, c *http.Cookie, secure bool) {
	t.Helper()
	if c.Value == "" {
		t.Errorf("%s: empty", c.Name)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != secure {
		t.Errorf("%s: HttpOnly %v, SameSite %v, Path %q, Domain %q, Secure %v; want HttpOnly, Lax, /, no domain, Secure %v (%s)",
			c.Name, c.HttpOnly, c.SameSite, c.Path, c.Domain, c.Secure, secure, c.Raw)
	}
}

func TestSessionCookie(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{})
	f.addUser(alice)
	br := f.anonymous(t)
	link := "/sign-in/link/" + f.loginLink(alice, time.Minute)
	p := br.get(link)
	before := setCookie(p.res, "wharf_csrf")
	checkCookie(t, before, false)
	res := br.post(link, url.Values{"_csrf": {p.csrf()}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %s", res.Status)
	}
	s := setCookie(res, "wharf_session")
	if s == nil {
		t.Fatal("signing in set no session cookie")
	}
	checkCookie(t, s, false)
	if s.MaxAge <= 0 || s.MaxAge > int(registry.DefaultSessionTTL/time.Second) {
		t.Errorf("session cookie lasts %ds, want at most the session's %s", s.MaxAge, registry.DefaultSessionTTL)
	}
	if c := setCookie(res, "wharf_csrf"); c == nil || c.Value == before.Value {
		t.Error("signing in kept the CSRF cookie of the signed-out browser")
	} else {
		checkCookie(t, c, false)
	}
}

// TestSessionCookieOverHTTPS: with an https base URL, the cookies are
// Secure and carry the __Host- prefix, and the server ignores cookies
// without it (which another subdomain could have set).
func TestSessionCookieOverHTTPS(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{baseURL: "https://wharf.example"})
	f.addUser(alice)
	br := f.anonymous(t)
	link := "/sign-in/link/" + f.loginLink(alice, time.Minute)
	p := br.get(link)
	csrf := setCookie(p.res, "__Host-wharf_csrf")
	if csrf == nil {
		t.Fatalf("no __Host-wharf_csrf cookie: %v", p.res.Header["Set-Cookie"])
	}
	checkCookie(t, csrf, true)
	if got := p.res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security over https = %q", got)
	}
	h := http.Header{"Cookie": {"__Host-wharf_csrf=" + csrf.Value}}
	res := br.postWith(link, url.Values{"_csrf": {p.csrf()}}.Encode(), h).res
	s := setCookie(res, "__Host-wharf_session")
	if res.StatusCode != http.StatusSeeOther || s == nil {
		t.Fatalf("sign in: %s, cookies %v", res.Status, res.Header["Set-Cookie"])
	}
	checkCookie(t, s, true)
	for _, c := range res.Cookies() {
		if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure {
			t.Errorf("cookie %s lacks the __Host- prefix or Secure", c.Raw)
		}
	}
	keys := func(cookie string) int {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/account/keys", nil)
		req.Header.Set("Cookie", cookie)
		return f.anonymous(t).do(req).res.StatusCode // with only that cookie
	}
	if st := keys("__Host-wharf_session=" + s.Value); st != http.StatusOK {
		t.Errorf("with the __Host- session cookie: %d, want 200", st)
	}
	if st := keys("wharf_session=" + s.Value); st != http.StatusSeeOther {
		t.Errorf("with the session under a name without __Host-: %d, want 303 to sign in", st)
	}
}

func TestSignOutEndsTheSessionOnTheServer(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{})
	br := f.signedIn(t, alice)
	stolen := br.cookie("wharf_session")
	res := br.post("/sign-out", url.Values{"_csrf": {br.token()}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("sign out: %s to %q", res.Status, res.Header.Get("Location"))
	}
	if c := setCookie(res, "wharf_session"); c == nil || c.MaxAge >= 0 {
		t.Errorf("signing out did not clear the session cookie: %v", c)
	}
	// A copy of the cookie taken before signing out no longer works.
	thief := f.anonymous(t)
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/account/keys", nil)
	req.AddCookie(&http.Cookie{Name: "wharf_session", Value: stolen})
	p := thief.do(req)
	if p.res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.res.Header.Get("Location"), "/sign-in?") {
		t.Errorf("the copied cookie after sign-out: %s to %q, want 303 to sign in", p.res.Status, p.res.Header.Get("Location"))
	}
	if c := setCookie(p.res, "wharf_session"); c == nil || c.MaxAge >= 0 {
		t.Error("the server did not clear the dead session cookie")
	}
}

func TestExpiredSessionIsSignedOut(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{reg: registry.Options{SessionTTL: time.Hour}})
	br := f.signedIn(t, alice)
	f.clock.Advance(59 * time.Minute)
	if p := br.get("/account/keys"); p.res.StatusCode != http.StatusOK || p.testIDText("signed-in-as") != alice {
		t.Fatalf("before expiry: %s, signed in as %q", p.res.Status, p.testIDText("signed-in-as"))
	}
	f.clock.Advance(time.Minute)
	p := br.get("/account/keys")
	if p.res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.res.Header.Get("Location"), "/sign-in?") {
		t.Errorf("after expiry: %s to %q, want 303 to sign in", p.res.Status, p.res.Header.Get("Location"))
	}
	if br.cookie("wharf_session") != "" {
		t.Error("the expired session cookie was not cleared")
	}
	if p := br.get("/sign-in"); p.res.StatusCode != http.StatusOK || p.testIDText("signed-in-as") != "" {
		t.Errorf("the sign-in page after expiry: %s, signed in as %q", p.res.Status, p.testIDText("signed-in-as"))
	}
}

func TestSignInLink(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{})
	f.addUser(alice)
	refusedLink := func(t *testing.T, br *browser, secret string) {
		t.Helper()
		path := "/sign-in/link/" + url.PathEscape(secret)
		p := br.postWith(path, url.Values{"_csrf": {br.get(path).csrf()}}.Encode(), nil)
		msg := p.reason()
		if p.res.StatusCode != http.StatusUnauthorized || !strings.Contains(msg, "This sign-in link is not valid") {
			t.Errorf("%s: %s %q, want 401 saying the link is not valid", path, p.res.Status, msg)
		}
		if br.cookie("wharf_session") != "" {
			t.Errorf("%s signed the browser in", path)
		}
	}
	t.Run("works once", func(t *testing.T) {
		secret := f.loginLink(alice, time.Minute)
		br := f.anonymous(t)
		for range 3 { // opening the page, as a link preview does, does not use the link
			if p := br.get("/sign-in/link/" + secret); p.res.StatusCode != http.StatusOK || len(p.byTestID("use-link")) != 1 {
				t.Fatalf("the link's page: %s", p.res.Status)
			}
		}
		if res := br.useLink(secret); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first use: %s", res.Status)
		}
		if p := br.get("/account/keys"); p.testIDText("signed-in-as") != alice {
			t.Fatalf("after the first use, signed in as %q", p.testIDText("signed-in-as"))
		}
		refusedLink(t, f.anonymous(t), secret)
	})
	t.Run("expires", func(t *testing.T) {
		secret := f.loginLink(alice, time.Minute)
		f.clock.Advance(time.Minute)
		refusedLink(t, f.anonymous(t), secret)
	})
	t.Run("unknown", func(t *testing.T) {
		refusedLink(t, f.anonymous(t), "wharf_"+strings.Repeat("a", 52))
		refusedLink(t, f.anonymous(t), strings.Repeat("a", 300))
	})
}

// offSite reports whether a browser would leave base following a redirect
// to loc: browsers drop tabs and newlines from URLs and read a backslash
// as a slash.
func offSite(base, loc string) bool {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", `\`, "/").Replace(strings.TrimSpace(loc))
	b, _ := url.Parse(base)
	u, err := url.Parse(loc)
	return err != nil || b.ResolveReference(u).Host != b.Host
}

// nexts are where a sign-in may be asked to return to, by name.
var nexts = map[string]string{
	"scheme-relative": "//evil.example", "absolute": "https://evil.example", "backslash": "/\\evil.example",
	"two backslashes": "\\\\evil.example", "tab": "/\t/evil.example", "newline": "/\n/evil.example",
	"slash backslash slash": "/\\/evil.example", "scheme without slashes": "http:evil.example",
	"javascript": "javascript:alert(1)", "leading space": " //evil.example", "escaped": "//evil.example/%2F..",
	"own page": "/account/keys",
}

// TestNextStaysOnSite: where a browser goes after signing in is always a
// page of this site.
func TestNextStaysOnSite(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{signIn: web.SignInConfig{GitHub: &web.OAuthApp{ClientID: "id", ClientSecret: "secret", URL: "http://127.0.0.1:1"}}})
	signedIn := f.signedIn(t, alice)
	for name, next := range nexts {
		t.Run(name, func(t *testing.T) { checkNext(t, f, signedIn, next) })
	}
}

// checkNext asks for a sign-in that returns to next, signed in and out.
func checkNext(t *testing.T, f *uiFeed, signedIn *browser, next string) {
	skipKnownBug(t)
	q := "?next=" + url.QueryEscape(next)
	// Signed in, the sign-in page sends the browser on at once.
	loc := signedIn.get("/sign-in" + q).res.Header.Get("Location")
	if offSite(f.srv.URL, loc) || next == "/account/keys" && loc != next {
		t.Errorf("signed in, /sign-in?next=%q redirects to %q", next, loc)
	}
	// Signed out, the provider's button and the sign-in state keep it.
	anon := f.anonymous(t)
	buttons := anon.get("/sign-in" + q).byTestID("sign-in-github")
	if len(buttons) != 1 {
		t.Fatalf("/sign-in%s has %d GitHub buttons", q, len(buttons))
	}
	for _, a := range buttons {
		u, err := url.Parse(attr(a, "href"))
		if err != nil || offSite(f.srv.URL, u.Query().Get("next")) {
			t.Errorf("/sign-in?next=%q links to %q", next, attr(a, "href"))
		}
	}
	res := anon.get("/sign-in/github" + q).res
	state := setCookie(res, "wharf_signin")
	if res.StatusCode != http.StatusFound || state == nil {
		t.Fatalf("/sign-in/github%s: %s, no sign-in state", q, res.Status)
	}
	var st struct {
		Next string `json:"n"`
	}
	b, _ := base64.RawURLEncoding.DecodeString(state.Value)
	if err := json.Unmarshal(b, &st); err != nil || offSite(f.srv.URL, st.Next) || next == "/account/keys" && st.Next != next {
		t.Errorf("/sign-in/github?next=%q: will return to %q (%v)", next, st.Next, err)
	}
}

// TestPageSecurityHeaders checks the headers of pages, error pages and
// redirects, and that pages need no inline script or style, which the
// Content-Security-Policy forbids.
func TestPageSecurityHeaders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pages := []struct {
		actor, path string
		account     bool // personal: never cached
	}{
		{anonymous, "/sign-in", false},
		{anonymous, "/sign-in/link/unknown", true},
		{anonymous, "/account/keys", true}, // a redirect to sign in
		{anonymous, "/no/such/page", false},
		{alice, "/account/keys", true},
		{alice, "/account/trusted-publishing", true},
		{alice, "/account/organizations", true},
		{alice, "/organizations/contoso", true},
		{alice, "/account/packages", true},
		{alice, "/packages/Contoso.Lib/manage", true},
		{mallory, "/packages/Contoso.Lib/manage", true}, // 403
		{mallory, "/organizations/contoso", true},       // 404
		{alice, "/admin/users", true},                   // 403
		{root, "/admin/users", true},
		{root, "/admin/audit", true},
	}
	browsers := map[string]*browser{}
	for _, pg := range pages {
		br := browsers[pg.actor]
		if br == nil {
			br = w.as(t, pg.actor)
			browsers[pg.actor] = br
		}
		p := br.get(pg.path)
		h := p.res.Header
		what := pg.actor + " GET " + pg.path + " (" + p.res.Status + ")"
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %s", what, csp, want)
			}
		}
		for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "*;", "* "} {
			if strings.Contains(csp, bad) {
				t.Errorf("%s: CSP %q allows %s", what, csp, bad)
			}
		}
		for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", what, k, got, want)
			}
		}
		if pg.account && !strings.Contains(h.Get("Cache-Control"), "no-store") {
			t.Errorf("%s: Cache-Control %q, want no-store", what, h.Get("Cache-Control"))
		}
		if p.doc == nil {
			continue
		}
		for _, n := range findAll(p.doc, func(*html.Node) bool { return true }) {
			if n.Data == "script" && attr(n, "src") == "" || n.Data == "style" {
				t.Errorf("%s: inline <%s>", what, n.Data)
			}
			for _, a := range n.Attr {
				if a.Key == "style" || strings.HasPrefix(a.Key, "on") || strings.HasPrefix(strings.TrimSpace(strings.ToLower(a.Val)), "javascript:") {
					t.Errorf("%s: <%s %s=%q> needs inline script or style", what, n.Data, a.Key, a.Val)
				}
			}
		}
	}
}

// TestSecretsStayOutOfLogs does what leaves secrets in a server's hands:
// signing in with a link, creating an API key and pushing with it, using
// the link and the session again after they ended, and checks that none
// of the secrets reach the log.
func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	link := w.loginLink(alice, time.Minute)
	br := w.anonymous(t)
	if res := br.useLink(link); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %s", res.Status)
	}
	session, csrfCookie, token := br.cookie("wharf_session"), br.cookie("wharf_csrf"), br.token()
	p := br.postWith("/account/keys", url.Values{"_csrf": {token}, "description": {"ci"}, "expires_days": {"7"}}.Encode(), nil)
	var key string
	for _, n := range p.byTestID("new-key-secret") {
		key = attr(n, "value")
	}
	if p.res.StatusCode != http.StatusCreated || !strings.HasPrefix(key, registry.KeyPrefix) {
		t.Fatalf("create key: %s, secret %q", p.res.Status, key)
	}
	if p := br.get("/account/keys"); strings.Contains(p.body, key) {
		t.Error("the key's secret is shown again")
	}
	w.pushWith(key, nugettest.Spec{ID: "Alice.Logged", Version: "1.0.0"})
	if res := w.push(key+"x", nugettest.Spec{ID: "Alice.Logged", Version: "2.0.0"}.Build()); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("push with a mangled key: %s", res.Status)
	}
	br.post("/sign-out", url.Values{"_csrf": {token}})
	refused := w.anonymous(t)
	if res := refused.useLink(link); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("reusing the link: %s", res.Status)
	}
	req, _ := http.NewRequest(http.MethodGet, w.srv.URL+"/account/keys", nil)
	req.AddCookie(&http.Cookie{Name: "wharf_session", Value: session})
	refused.do(req)

	checkLogs(t, w.log.String(), map[string]string{"sign-in link": link, "session cookie": session, "CSRF cookie": csrfCookie, "form token": token, "API key": key})
}

// TestFailedRequestsLogNoSecrets: requests that fail inside the server are
// logged, and that log holds no secret from their path or cookies either.
// A sign-in link that failed this way has not been used, and still works.
func TestFailedRequestsLogNoSecrets(t *testing.T) {
	t.Parallel()
	skipKnownBug(t)
	f := newUIFeed(t, uiConfig{})
	br := f.signedIn(t, alice)
	session := br.cookie("wharf_session")
	link := f.loginLink(alice, time.Minute)
	anon := f.anonymous(t)
	token := anon.token()
	f.db.Close()
	if p := anon.postWith("/sign-in/link/"+link, url.Values{"_csrf": {token}}.Encode(), nil); p.res.StatusCode < 500 {
		t.Errorf("using a link without a database: %s", p.res.Status)
	}
	if p := br.get("/account/keys"); p.res.StatusCode < 500 {
		t.Errorf("a page without a database: %s", p.res.Status)
	}
	logs := f.log.String()
	if !strings.Contains(logs, "request failed") {
		t.Errorf("the failed requests were not logged:\n%s", logs)
	}
	checkLogs(t, logs, map[string]string{"sign-in link": link, "session cookie": session})
}

// checkLogs fails when the logs hold any of the named secrets, or half of one.
func checkLogs(t *testing.T, logs string, secrets map[string]string) {
	t.Helper()
	for name, secret := range secrets {
		if secret == "" {
			t.Errorf("no %s to look for", name)
		} else if strings.Contains(logs, secret) || strings.Contains(logs, secret[len(secret)/2:]) {
			t.Errorf("the log holds the %s", name)
		}
	}
}
