// Review tests of the web UI's sign-in: each one shows a problem a
// security review found, through the real server and a local OpenID
// Connect provider (trusttest.Issuer).

package web_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"github.com/wharf-registry/wharf/web"
)

// oidcFeed is a feed whose UI signs people in with a local OpenID Connect
// provider, with the given sign-in rules.
func oidcFeed(t *testing.T, rules registry.SignInRules) (*uiFeed, *trusttest.Issuer) {
	t.Helper()
	iss := trusttest.NewIssuer(t)
	iss.AddClient("wharf-ui", "ui-secret")
	f := newUIFeed(t, uiConfig{
		reg:    registry.Options{SignIn: rules},
		signIn: web.SignInConfig{OIDC: &web.OIDCApp{Issuer: iss.URL, ClientID: "wharf-ui", ClientSecret: "ui-secret"}},
	})
	return f, iss
}

// noFollowClient shows redirects instead of following them.
var noFollowClient = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// signInWithProvider runs the authorization-code flow for u in b: the
// sign-in button, the provider's answer, the callback. It returns the
// callback's page.
func signInWithProvider(t *testing.T, b *browser, iss *trusttest.Issuer, u trusttest.LoginUser) *page {
	t.Helper()
	iss.SignInAs(u)
	start := b.get("/sign-in/oidc")
	if start.res.StatusCode != http.StatusFound {
		t.Fatalf("GET /sign-in/oidc: %s: %s", start.res.Status, start.reason())
	}
	res, err := noFollowClient.Get(start.res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("the provider answered %s, Location %q", res.Status, res.Header.Get("Location"))
	}
	return b.get(back.Path + "?" + back.RawQuery)
}

// TestReviewOIDCAdminsAreNotNamedByEmail: with WHARF_ADMINS=oidc:alice,
// a person whose provider gives no preferred_username must not become an
// admin because their e-mail address, at any domain and perhaps not even
// verified, starts with "alice@".
func TestReviewOIDCAdminsAreNotNamedByEmail(t *testing.T) {
	f, iss := oidcFeed(t, registry.SignInRules{Admins: []string{"oidc:alice"}})
	for _, tc := range []struct {
		name string
		user trusttest.LoginUser
	}{
		{"unverified address", trusttest.LoginUser{Subject: "m-1", Email: "alice@evil.example"}},
		{"verified address at another domain", trusttest.LoginUser{Subject: "m-2", Email: "alice@evil.example", EmailVerified: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := f.anonymous(t)
			if p := signInWithProvider(t, b, iss, tc.user); p.res.StatusCode != http.StatusSeeOther {
				t.Fatalf("callback: %s: %s", p.res.Status, p.reason())
			}
			if got := b.get("/admin/users").res.StatusCode; got != http.StatusForbidden {
				t.Errorf("%s signed in with %s is an admin: GET /admin/users = %d, want 403", tc.user.Email, tc.name, got)
			}
		})
	}
	// The person the provider calls alice is the admin.
	f, iss = oidcFeed(t, registry.SignInRules{Admins: []string{"oidc:alice"}})
	b := f.anonymous(t)
	signInWithProvider(t, b, iss, trusttest.LoginUser{Subject: "a-1", Login: "alice", Email: "alice@contoso.example", EmailVerified: true})
	if got := b.get("/admin/users").res.StatusCode; got != http.StatusOK {
		t.Errorf("alice is not an admin: GET /admin/users = %d", got)
	}
}

// TestReviewOIDCAdminByVerifiedEmail: without a preferred_username, the
// provider's verified address names the person for WHARF_ADMINS.
func TestReviewOIDCAdminByVerifiedEmail(t *testing.T) {
	f, iss := oidcFeed(t, registry.SignInRules{Admins: []string{"oidc:alice@contoso.example"}})
	b := f.anonymous(t)
	p := signInWithProvider(t, b, iss, trusttest.LoginUser{Subject: "a-1", Email: "alice@contoso.example", EmailVerified: true})
	if p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: %s: %s", p.res.Status, p.reason())
	}
	if got := b.get("/admin/users").res.StatusCode; got != http.StatusOK {
		t.Errorf("alice@contoso.example is not an admin: GET /admin/users = %d", got)
	}
	f.account("alice-contoso.example") // named after the address, as every login is
}

// TestReviewFailedSignInSaysWhy: a callback that does not belong to a
// sign-in this browser started must explain itself, not silently land on
// the sign-in page.
func TestReviewFailedSignInSaysWhy(t *testing.T) {
	f, _ := oidcFeed(t, registry.SignInRules{})
	p := f.anonymous(t).get("/sign-in/oidc/callback?state=abc&code=def")
	if p.res.StatusCode != http.StatusUnauthorized || !strings.Contains(p.reason(), "not started in this browser") {
		t.Errorf("callback without a sign-in: %s, Location %q, reason %q; want 401 with the reason",
			p.res.Status, p.res.Header.Get("Location"), p.reason())
	}
}

// TestReviewUnreachableOIDCProvider: Wharf starts when the provider is
// down, shows its button, and says it is unavailable when clicked.
func TestReviewUnreachableOIDCProvider(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	f := newUIFeed(t, uiConfig{signIn: web.SignInConfig{
		OIDC:   &web.OIDCApp{Issuer: dead, ClientID: "c", ClientSecret: "s", Label: "Corp SSO"},
		GitHub: &web.OAuthApp{ClientID: "gh", ClientSecret: "ghs"},
		GitLab: &web.OAuthApp{ClientID: "gl", ClientSecret: "gls", URL: "https://gitlab.example.com"},
	}})
	b := f.anonymous(t)
	for _, id := range []string{"sign-in-oidc", "sign-in-github", "sign-in-gitlab"} {
		if len(b.get("/sign-in").byTestID(id)) != 1 {
			t.Errorf("the sign-in page has no %s button", id)
		}
	}
	p := b.get("/sign-in/oidc")
	if p.res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(p.reason(), "not available") {
		t.Errorf("GET /sign-in/oidc with the provider down: %s, %q", p.res.Status, p.reason())
	}
}

// TestReviewOIDCIssuerWithTrailingSlash: an issuer identifier that ends in
// "/" (Auth0's do) must be discovered as configured; trimming the slash
// makes discovery fail its issuer check, so nobody could sign in.
func TestReviewOIDCIssuerWithTrailingSlash(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": srv.URL + "/", "authorization_endpoint": srv.URL + "/authorize", "token_endpoint": srv.URL + "/oauth/token",
			"jwks_uri": srv.URL + "/.well-known/jwks.json", "userinfo_endpoint": srv.URL + "/userinfo",
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	t.Cleanup(srv.Close)
	for _, configured := range []string{srv.URL + "/", srv.URL} {
		f := newUIFeed(t, uiConfig{signIn: web.SignInConfig{OIDC: &web.OIDCApp{Issuer: configured, ClientID: "c", ClientSecret: "s"}}})
		p := f.anonymous(t).get("/sign-in/oidc")
		if p.res.StatusCode != http.StatusFound || !strings.HasPrefix(p.res.Header.Get("Location"), srv.URL+"/authorize?") {
			t.Errorf("issuer configured as %q: GET /sign-in/oidc = %s, %q", configured, p.res.Status, p.reason())
		}
	}
}

// TestReviewLoginLinkRace: a sign-in link sent twice at once signs in
// exactly one browser.
func TestReviewLoginLinkRace(t *testing.T) {
	f := newUIFeed(t, uiConfig{})
	f.addUser("op")
	secret := f.loginLink("op", 10*time.Minute)
	path := "/sign-in/link/" + url.PathEscape(secret)
	const n = 8
	browsers, tokens := make([]*browser, n), make([]string, n)
	for i := range browsers {
		browsers[i] = f.anonymous(t)
		tokens[i] = browsers[i].get(path).csrf()
	}
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = browsers[i].post(path, url.Values{"_csrf": {tokens[i]}}).StatusCode
		}()
	}
	wg.Wait()
	signedIn := 0
	for i, st := range statuses {
		if st == http.StatusSeeOther && browsers[i].cookie("wharf_session") != "" {
			signedIn++
		} else if st != http.StatusUnauthorized {
			t.Errorf("browser %d: status %d, want 303 or 401", i, st)
		}
	}
	if signedIn != 1 {
		t.Errorf("%d browsers signed in with one link, want 1 (statuses %v)", signedIn, statuses)
	}
}
