// Helpers for the web UI tests: a feed whose server logs to a buffer and
// may have an https base URL, and a browser-like client that signs in with
// a sign-in link, keeps its cookies, reads form tokens from pages and posts
// forms. Pages are read with an HTML parser.

package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/testenv"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"github.com/wharf-registry/wharf/web"
)

// uiConfig is how a UI test's feed differs from the default.
type uiConfig struct {
	reg     registry.Options // Now and Logger are set by newUIFeed
	baseURL string           // the public base URL; "" = the test server's own http URL
	signIn  web.SignInConfig
	// issuer, when set, turns trusted publishing on: CI tokens from this
	// issuer, as GitHub's, for the audience of the test server's base URL,
	// verified on the feed's clock; exchanges are not rate limited.
	issuer *trusttest.Issuer
	// moreIssuers are further GitHub issuers (as GitHub Enterprise Server
	// instances), trusted after issuer; they need issuer set.
	moreIssuers []*trusttest.Issuer
	// private runs the whole registry private (ServerConfig.Private).
	private bool
	// provider is the issuer's kind: GitHub ("", the default) or GitLab.
	provider trust.Provider
	// staticCopy keeps the static copy of the public restore documents.
	staticCopy bool
	// issuers, when set instead of issuer, are the trusted issuers as
	// given (Buildkite, CircleCI, generic OIDC), for the base URL's audience.
	issuers []trust.Issuer
}

// uiFeed is a feed for UI tests: the registry runs on clock, and server and
// registry log everything, debug included, to log.
type uiFeed struct {
	*feed
	clock *trusttest.Clock
	log   *testenv.Buffer
	db    io.Closer // closing it makes every request that needs the database fail
}

// newUIFeed starts a real server on 127.0.0.1 over SQLite in a temp dir.
// Unlike newFeedWith it keeps the logs and lets the base URL be https,
// which only changes what the server writes (cookies, absolute URLs): the
// test server itself speaks plain http.
func newUIFeed(t testing.TB, cfg uiConfig) *uiFeed {
	t.Helper()
	dir := t.TempDir()
	d, blobs := testenv.Stores(t, dir)
	f := &uiFeed{clock: trusttest.NewClock(trusttest.Epoch()), log: &testenv.Buffer{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := cfg.baseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	o := cfg.reg
	o.Now = f.clock.Now
	o.Logger = slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.issuer != nil {
		o.Issuers = []trust.Issuer{{URL: cfg.issuer.URL, Provider: trust.GitHub, Name: "github", Title: "GitHub Actions"}}
		for i, more := range cfg.moreIssuers {
			o.Issuers = append(o.Issuers, trust.Issuer{URL: more.URL, Provider: trust.GitHub, Name: fmt.Sprintf("ghes-%d", i+1), Title: fmt.Sprintf("GitHub Enterprise Server %d", i+1)})
		}
		if cfg.provider == trust.GitLab {
			o.Issuers = []trust.Issuer{{URL: cfg.issuer.URL, Provider: trust.GitLab, Name: "gitlab", Title: "GitLab"}}
		}
		if cfg.provider == trust.Forgejo || cfg.provider == trust.Azure {
			o.Issuers = []trust.Issuer{{URL: cfg.issuer.URL, Provider: cfg.provider, Name: string(cfg.provider), Title: string(cfg.provider)}}
		}
		o.ExchangesPerMinute = -1
		if o.Verifier, err = trust.NewVerifier(trust.VerifierOptions{Issuers: o.Issuers, Audience: base, Now: f.clock.Now}); err != nil {
			t.Fatal(err)
		}
	}
	if len(cfg.issuers) > 0 {
		o.Issuers, o.ExchangesPerMinute = cfg.issuers, -1
		if o.Verifier, err = trust.NewVerifier(trust.VerifierOptions{Issuers: o.Issuers, Audience: base, Now: f.clock.Now}); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := registry.New(d, blobs, o)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		t.Fatal(err)
	}
	s, err := web.NewServer(web.ServerConfig{Registry: reg, BaseURL: base, TempDir: tmp, Logger: o.Logger, SignIn: cfg.signIn, Private: cfg.private, StaticCopy: cfg.staticCopy})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	f.feed = &feed{t: t, srv: srv, reg: reg, urls: s.URLs(), data: dir, db: d, blobs: blobs}
	f.db = d
	return f
}

// addUser creates a user unless one of that name exists, and returns it.
func (f *uiFeed) addUser(name string) *registry.Account {
	f.t.Helper()
	a, err := f.reg.AddUser(context.Background(), registry.NewUser{Name: name})
	if errors.Is(err, registry.ErrConflict) {
		return f.account(name)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return a
}

// account finds a user by name through an administrator's list of users.
func (f *uiFeed) account(name string) *registry.Account {
	f.t.Helper()
	us, err := f.reg.Users(context.Background(), &registry.Account{IsAdmin: true})
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range us {
		if us[i].Name == name {
			return &us[i]
		}
	}
	f.t.Fatalf("no user %s", name)
	return nil
}

// loginLink returns a fresh sign-in link secret for a user.
func (f *uiFeed) loginLink(name string, ttl time.Duration) string {
	f.t.Helper()
	secret, _, err := f.reg.NewLoginLink(context.Background(), name, ttl)
	if err != nil {
		f.t.Fatal(err)
	}
	return secret
}

// browser is an HTTP client that behaves as a browser does for Wharf's
// pages: it keeps cookies and sends forms, but does not follow redirects,
// so tests see them.
type browser struct {
	t   testing.TB
	f   *uiFeed
	jar http.CookieJar
}

// anonymous returns a browser that has not signed in.
func (f *uiFeed) anonymous(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, f: f, jar: jar}
}

// signedIn returns a browser signed in as the named user, creating the
// user first if needed: the way an operator's first sign-in works.
func (f *uiFeed) signedIn(t testing.TB, name string) *browser {
	t.Helper()
	f.addUser(name)
	b := f.anonymous(t)
	b.signIn(name)
	return b
}

// signIn signs the browser in with a fresh sign-in link: it opens the
// link's page, then sends its form.
func (b *browser) signIn(name string) {
	b.t.Helper()
	res := b.useLink(b.f.loginLink(name, 10*time.Minute))
	if res.StatusCode != http.StatusSeeOther || b.cookie("wharf_session") == "" {
		b.t.Fatalf("signing in as %s: %s, session cookie %q", name, res.Status, b.cookie("wharf_session"))
	}
}

// useLink opens a sign-in link's page and sends its form.
func (b *browser) useLink(secret string) *http.Response {
	b.t.Helper()
	path := "/sign-in/link/" + url.PathEscape(secret)
	p := b.get(path)
	if p.res.StatusCode != http.StatusOK {
		b.t.Fatalf("GET sign-in link page: %s", p.res.Status)
	}
	return b.post(path, url.Values{"_csrf": {p.csrf()}})
}

// token returns a valid form token for the browser's current session,
// read from a page with a form.
func (b *browser) token() string {
	b.t.Helper()
	path := "/sign-in/link/none" // asks before using a link, so it has a form for anyone
	if b.cookie("wharf_session") != "" {
		path = "/account/keys"
	}
	p := b.get(path)
	tok := p.csrf()
	if tok == "" {
		b.t.Fatalf("GET %s: %s without a form token", path, p.res.Status)
	}
	return tok
}

// cookie returns the value of one of the browser's cookies for the server.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.f.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// page is a response with its body read and, when it is HTML, parsed.
type page struct {
	res  *http.Response
	body string
	doc  *html.Node
}

// get fetches a page.
func (b *browser) get(path string) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.f.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form as a browser does from one of the server's pages.
func (b *browser) post(path string, form url.Values) *http.Response {
	b.t.Helper()
	return b.postWith(path, form.Encode(), nil).res
}

// postWith sends a raw url-encoded form body with extra headers.
func (b *browser) postWith(path, body string, h http.Header) *page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.f.srv.URL)
	for k, vs := range h {
		req.Header[k] = vs
	}
	return b.do(req)
}

// do sends a request with the browser's cookies and keeps the cookies of
// the answer. It goes straight to the transport, as http.Client would
// refuse some of the redirects the tests look for.
func (b *browser) do(req *http.Request) *page {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), 30*time.Second)
	defer cancel()
	req = req.WithContext(ctx)
	for _, c := range b.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	b.jar.SetCookies(req.URL, res.Cookies())
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	p := &page{res: res, body: string(body)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(bytes.NewReader(body))
		if err != nil {
			b.t.Fatalf("%s %s: not HTML: %v", req.Method, req.URL.Path, err)
		}
		p.doc = doc
	}
	return p
}

// csrf returns the value of the page's first _csrf form field, or "".
func (p *page) csrf() string {
	for _, n := range findAll(p.doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "_csrf" }) {
		return attr(n, "value")
	}
	return ""
}

// byTestID returns the page's elements with a data-testid.
func (p *page) byTestID(id string) []*html.Node {
	return findAll(p.doc, func(n *html.Node) bool { return attr(n, "data-testid") == id })
}

// testIDText is the text of the first element with a data-testid, or "".
func (p *page) testIDText(id string) string {
	if ns := p.byTestID(id); len(ns) > 0 {
		return textOf(ns[0])
	}
	return ""
}

// reason is the sentence a refused request's page gives: an error page's
// message, or the error shown above a form.
func (p *page) reason() string {
	if msg := p.testIDText("error-message"); msg != "" {
		return msg
	}
	return p.testIDText("form-error")
}

// findAll returns the elements under n that match, in document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n == nil {
			return
		}
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// attr returns an element's attribute, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is an element's text with white space folded.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// knownBugs are the cases that expect the right behaviour of code with a
// reported bug, by test name. They are skipped, saying so, until the bug
// is fixed and its entry removed.
var knownBugs = map[string]string{}

// skipKnownBug skips a test listed in knownBugs.
func skipKnownBug(t *testing.T) {
	t.Helper()
	if why, ok := knownBugs[t.Name()]; ok {
		t.Skip("bug: " + why)
	}
}
