// Sign-in with GitHub (Enterprise) and self-hosted GitLab through the real
// server, against a local stand-in for each that implements the requests
// goth and web/signin.go make: the authorization-code flow, the user, and
// the addresses, organisations and groups the sign-in rules look at.

package web_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/web"
)

// standInUser is a person on the stand-in forge.
type standInUser struct {
	ID           int
	Login, Email string             // Email is the public profile address (GitHub) or the primary one (GitLab)
	Emails       map[string][2]bool // GitHub /user/emails: address → {verified, primary}
	Confirmed    bool               // GitLab: the primary address is confirmed
	Groups       []string           // GitHub organisations or GitLab group full paths
	Down         string             // an API path that fails for this person
}

// standIn is a local GitHub Enterprise or self-hosted GitLab. The test
// picks who signs in by adding "as=LOGIN" to the authorization URL, as a
// person would by signing in on the forge's own page.
type standIn struct {
	kind     string // "github" or "gitlab"
	srv      *httptest.Server
	URL      string // what Wharf is configured with
	callback string // the only redirect_uri accepted; set once the feed runs

	mu        sync.Mutex
	users     map[string]standInUser
	codes     map[string]grant // single use
	tokens    map[string]grant
	exchanges int
}

type grant struct{ login, redirect, scope string }

const standInClient, standInSecret = "wharf-app", "wharf-app-secret"

func newStandIn(t *testing.T, kind string, users ...standInUser) *standIn {
	s := &standIn{kind: kind, users: map[string]standInUser{}, codes: map[string]grant{}, tokens: map[string]grant{}}
	for _, u := range users {
		s.users[u.Login] = u
	}
	mux := http.NewServeMux()
	prefix, authorize, token, api := "", "/login/oauth/authorize", "/login/oauth/access_token", "/api/v3"
	if kind == "gitlab" {
		// A self-hosted GitLab under a relative URL root, as many are.
		prefix, authorize, token, api = "/gitlab", "/oauth/authorize", "/oauth/token", "/api/v4"
	}
	mux.HandleFunc("GET "+prefix+authorize, s.authorize)
	mux.HandleFunc("POST "+prefix+token, s.token)
	mux.HandleFunc("GET "+prefix+api+"/user", s.api("", s.user))
	if kind == "github" {
		mux.HandleFunc("GET "+api+"/user/emails", s.api("user:email", s.emails))
		mux.HandleFunc("GET "+api+"/user/orgs", s.api("read:org", s.groups))
	} else {
		mux.HandleFunc("GET "+prefix+api+"/groups", s.api("read_api", s.groups))
	}
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + prefix + "/" // the trailing slash must not matter
	return s
}

func (s *standIn) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[q.Get("as")]
	if q.Get("client_id") != standInClient || q.Get("response_type") != "code" || q.Get("state") == "" || !ok || q.Get("redirect_uri") != s.callback {
		http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	code := rand.Text()
	s.codes[code] = grant{login: u.Login, redirect: q.Get("redirect_uri"), scope: q.Get("scope")}
	http.Redirect(w, r, q.Get("redirect_uri")+"?"+url.Values{"code": {code}, "state": {q.Get("state")}}.Encode(), http.StatusFound)
}

func (s *standIn) token(w http.ResponseWriter, r *http.Request) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exchanges++
	g, ok := s.codes[r.PostFormValue("code")]
	w.Header().Set("Content-Type", "application/json")
	switch {
	case id != standInClient || secret != standInSecret:
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client"})
		return
	case r.PostFormValue("grant_type") != "authorization_code" || !ok || r.PostFormValue("redirect_uri") != g.redirect:
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
		return
	}
	delete(s.codes, r.PostFormValue("code"))
	tok := rand.Text()
	s.tokens[tok] = g
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "scope": g.scope})
}

// api checks the access token (a bearer header, or GitLab's access_token
// query parameter, which goth uses) and that it was granted scope.
func (s *standIn) api(scope string, serve func(standInUser) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok && s.kind == "gitlab" {
			tok = r.URL.Query().Get("access_token")
		}
		if s.kind == "gitlab" && strings.HasSuffix(r.URL.Path, "/groups") && r.URL.Query().Get("min_access_level") != "10" {
			http.Error(w, "want the groups the user is a member of", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		g, ok := s.tokens[tok]
		u := s.users[g.login]
		s.mu.Unlock()
		switch {
		case u.Down != "" && strings.HasSuffix(r.URL.Path, u.Down):
			http.Error(w, "down", http.StatusBadGateway)
		case !ok:
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
		case scope != "" && !slices.Contains(strings.FieldsFunc(g.scope, func(r rune) bool { return r == ' ' || r == ',' }), scope):
			http.Error(w, `{"message":"missing scope `+scope+`"}`, http.StatusForbidden)
		default:
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(serve(u))
		}
	}
}

func (s *standIn) user(u standInUser) any {
	var email any // null when there is none, as both forges send
	if u.Email != "" {
		email = u.Email
	}
	if s.kind == "github" {
		return map[string]any{"id": u.ID, "login": u.Login, "name": "Display " + u.Login, "email": email}
	}
	var confirmed any
	if u.Confirmed {
		confirmed = "2026-01-02T03:04:05.000Z"
	}
	return map[string]any{"id": u.ID, "username": u.Login, "name": "Display " + u.Login, "email": email, "confirmed_at": confirmed}
}

func (s *standIn) emails(u standInUser) any {
	out := []map[string]any{}
	for e, vp := range u.Emails {
		out = append(out, map[string]any{"email": e, "verified": vp[0], "primary": vp[1], "visibility": nil})
	}
	return out
}

func (s *standIn) groups(u standInUser) any {
	out := []map[string]any{}
	for i, g := range u.Groups {
		if s.kind == "github" {
			out = append(out, map[string]any{"id": 100 + i, "login": g})
		} else {
			out = append(out, map[string]any{"id": 100 + i, "path": g[strings.LastIndexByte(g, '/')+1:], "full_path": g})
		}
	}
	return out
}

// forgeFeed is a feed whose UI signs people in with the given stand-ins.
func forgeFeed(t *testing.T, rules registry.SignInRules, forges ...*standIn) *uiFeed {
	t.Helper()
	cfg := web.SignInConfig{WantGroups: len(rules.AllowedGroups) > 0, WantVerifiedEmail: len(rules.AllowedDomains) > 0}
	for _, s := range forges {
		app := &web.OAuthApp{ClientID: standInClient, ClientSecret: standInSecret, URL: s.URL}
		if s.kind == "github" {
			cfg.GitHub = app
		} else {
			cfg.GitLab = app
		}
	}
	f := newUIFeed(t, uiConfig{reg: registry.Options{SignIn: rules}, signIn: cfg})
	for _, s := range forges {
		s.callback = f.urls.SignInCallback(s.kind)
	}
	return f
}

// forgeCallback starts a sign-in in b and signs in on the stand-in as
// login; it returns the URL the stand-in sends the browser back to.
func forgeCallback(t *testing.T, b *browser, s *standIn, login string) *url.URL {
	t.Helper()
	start := b.get("/sign-in/" + s.kind)
	loc := start.res.Header.Get("Location")
	if start.res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, s.srv.URL+"/") {
		t.Fatalf("GET /sign-in/%s: %s to %q: %s", s.kind, start.res.Status, loc, start.reason())
	}
	res, err := noFollowClient.Get(loc + "&as=" + url.QueryEscape(login))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), b.f.srv.URL+"/sign-in/"+s.kind+"/callback?") {
		t.Fatalf("the stand-in answered %s, Location %q", res.Status, res.Header.Get("Location"))
	}
	return back
}

// forgeSignIn runs the whole flow and returns the name the next page shows
// as signed in, or "" and the sentence that refused the sign-in.
func forgeSignIn(t *testing.T, b *browser, s *standIn, login string) (name, reason string) {
	t.Helper()
	back := forgeCallback(t, b, s, login)
	p := b.get(back.Path + "?" + back.RawQuery)
	if p.res.StatusCode != http.StatusSeeOther {
		return "", p.reason()
	}
	next := b.get(p.res.Header.Get("Location"))
	if next.res.StatusCode != http.StatusOK {
		t.Fatalf("after signing in: GET %s: %s", p.res.Header.Get("Location"), next.res.Status)
	}
	return next.testIDText("signed-in-as"), ""
}

// accountNames lists the registry's users.
func accountNames(t *testing.T, f *uiFeed) []string {
	t.Helper()
	us, err := f.reg.Users(context.Background(), &registry.Account{IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, u := range us {
		out = append(out, u.Name)
	}
	return out
}

const (
	domainRefusal = "limited to verified e-mail addresses at contoso.com"
	groupRefusal  = "limited to members of contoso."
)

// TestSignInGitHubEnterprise: the first sign-in creates the user named
// after the login, and the rules see the organisations from /user/orgs and
// only the verified addresses from /user/emails.
func TestSignInGitHubEnterprise(t *testing.T) {
	t.Parallel()
	gmail := map[string][2]bool{"someone@gmail.example": {true, true}}
	users := []standInUser{
		{ID: 1, Login: "octo-cat", Emails: gmail},
		{ID: 2, Login: "member", Emails: gmail, Groups: []string{"fabrikam", "Contoso"}},
		{ID: 3, Login: "outsider", Emails: gmail, Groups: []string{"fabrikam"}},
		// A private address, verified and primary, found only through /user/emails.
		{ID: 4, Login: "verified", Emails: map[string][2]bool{"v@gmail.example": {true, false}, "v@contoso.com": {true, true}}},
		// The public profile and the primary address are at contoso.com, which /user/emails says is unverified.
		{ID: 5, Login: "unverified", Email: "u@contoso.com", Emails: map[string][2]bool{"u@contoso.com": {false, true}, "u@gmail.example": {true, false}}},
		{ID: 6, Login: "elsewhere", Emails: map[string][2]bool{"e@gmail.example": {true, true}}},
		// No verified primary address: goth itself refuses to say who this is.
		{ID: 7, Login: "nobody", Emails: map[string][2]bool{"n@contoso.com": {false, true}}},
		{ID: 8, Login: "emails-down", Email: "d@contoso.com", Down: "/user/emails", Groups: []string{"contoso"}},
		{ID: 9, Login: "orgs-down", Email: "o@contoso.com", Down: "/user/orgs"},
	}
	domains := registry.SignInRules{AllowedDomains: []string{"contoso.com"}}
	groups := registry.SignInRules{AllowedGroups: []string{"contoso"}}
	runForgeCases(t, "github", users, []forgeCase{
		{name: "named after the login", login: "octo-cat", wantName: "octo-cat"},
		{name: "in the allowed organisation", login: "member", rules: groups, wantName: "member"},
		{name: "not in the allowed organisation", login: "outsider", rules: groups, reason: groupRefusal},
		{name: "verified address at the domain", login: "verified", rules: domains, wantName: "verified", email: "v@contoso.com"},
		{name: "unverified address at the domain", login: "unverified", rules: domains, reason: domainRefusal},
		{name: "verified address elsewhere", login: "elsewhere", rules: domains, reason: domainRefusal},
		{name: "both rules", login: "member", rules: registry.SignInRules{AllowedDomains: []string{"contoso.com"}, AllowedGroups: []string{"contoso"}}, reason: domainRefusal},
		{name: "no verified primary address", login: "nobody", reason: "GitHub did not tell us who you are."},
		{name: "addresses unavailable", login: "emails-down", rules: domains, reason: "GitHub did not tell us your verified e-mail addresses."},
		{name: "organisations unavailable", login: "orgs-down", rules: groups, reason: "GitHub did not tell us which organisations you belong to."},
	})
}

// TestSignInGitHubAdminByID: "github:#ID" makes the person with that
// GitHub ID an admin, and nobody else: not another GitHub user, not the
// GitLab user who happens to have the same numeric ID.
func TestSignInGitHubAdminByID(t *testing.T) {
	t.Parallel()
	gh := newStandIn(t, "github", standInUser{ID: 4242, Login: "boss", Email: "boss@contoso.com"}, standInUser{ID: 4243, Login: "staff", Email: "staff@contoso.com"})
	gl := newStandIn(t, "gitlab", standInUser{ID: 4242, Login: "boss-gl"})
	f := forgeFeed(t, registry.SignInRules{Admins: []string{"github:#4242"}}, gh, gl)
	for _, tc := range []struct {
		forge *standIn
		login string
		want  int
	}{{gh, "boss", http.StatusOK}, {gh, "staff", http.StatusForbidden}, {gl, "boss-gl", http.StatusForbidden}} {
		t.Run(tc.login, func(t *testing.T) {
			t.Parallel()
			b := f.anonymous(t)
			if name, reason := forgeSignIn(t, b, tc.forge, tc.login); name != tc.login {
				t.Fatalf("signed in as %q, want %s: %s", name, tc.login, reason)
			}
			if got := b.get("/admin/users").res.StatusCode; got != tc.want {
				t.Errorf("%s:%s: GET /admin/users = %d, want %d", tc.forge.kind, tc.login, got, tc.want)
			}
		})
	}
}

// TestSignInStateCheck: a callback whose state is not the one this browser
// was sent with is refused before its code reaches the provider, and
// creates nobody.
func TestSignInStateCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		tamper func(q url.Values, b *browser) *browser // changes the callback; returns the browser that follows it
		reason string
	}{
		{"wrong state", func(q url.Values, b *browser) *browser { q.Set("state", q.Get("state")+"x"); return b }, "does not belong to the sign-in this browser started"},
		{"no state", func(q url.Values, b *browser) *browser { q.Del("state"); return b }, "does not belong to the sign-in this browser started"},
		{"no state cookie", func(q url.Values, b *browser) *browser { return b.f.anonymous(b.t) }, "not started in this browser"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gh := newStandIn(t, "github", standInUser{ID: 1, Login: "alice", Email: "alice@contoso.com"})
			f := forgeFeed(t, registry.SignInRules{}, gh)
			b := f.anonymous(t)
			back := forgeCallback(t, b, gh, "alice")
			q := back.Query()
			b2 := tc.tamper(q, b)
			p := b2.get(back.Path + "?" + q.Encode())
			if p.res.StatusCode != http.StatusUnauthorized || !strings.Contains(p.reason(), tc.reason) || b2.cookie("wharf_session") != "" {
				t.Fatalf("callback: %s, reason %q, want 401 with %q", p.res.Status, p.reason(), tc.reason)
			}
			// The state is used up: the genuine callback does not work after it either.
			if b2 == b {
				if p := b.get(back.Path + "?" + back.RawQuery); p.res.StatusCode != http.StatusUnauthorized {
					t.Errorf("the genuine callback after a refused one: %s, want 401", p.res.Status)
				}
			}
			gh.mu.Lock()
			n := gh.exchanges
			gh.mu.Unlock()
			if n != 0 {
				t.Errorf("the code was sent to the provider %d times", n)
			}
			if got := accountNames(t, f); len(got) != 0 {
				t.Errorf("a refused callback created users %v", got)
			}
		})
	}
}

// TestSignInGitLabSelfHosted: sign-in with a GitLab under a relative URL
// root; only a confirmed address satisfies AllowedDomains, and the groups
// from /api/v4/groups satisfy AllowedGroups.
func TestSignInGitLabSelfHosted(t *testing.T) {
	t.Parallel()
	users := []standInUser{
		{ID: 10, Login: "gl.user"},
		{ID: 11, Login: "confirmed", Email: "c@contoso.com", Confirmed: true},
		{ID: 12, Login: "unconfirmed", Email: "u@contoso.com"},
		{ID: 13, Login: "member", Groups: []string{"fabrikam", "contoso"}},
		{ID: 14, Login: "sub-member", Groups: []string{"contoso/team"}},
	}
	domains := registry.SignInRules{AllowedDomains: []string{"contoso.com"}}
	groups := registry.SignInRules{AllowedGroups: []string{"contoso"}}
	runForgeCases(t, "gitlab", users, []forgeCase{
		{name: "sign-in", login: "gl.user", wantName: "gl.user"},
		{name: "confirmed address at the domain", login: "confirmed", rules: domains, wantName: "confirmed", email: "c@contoso.com"},
		{name: "unconfirmed address at the domain", login: "unconfirmed", rules: domains, reason: domainRefusal},
		{name: "unconfirmed address kept off the account", login: "unconfirmed", wantName: "unconfirmed"},
		{name: "member of the allowed group", login: "member", rules: groups, wantName: "member"},
		{name: "member of a subgroup only", login: "sub-member", rules: groups, reason: groupRefusal},
	})
}

// forgeCase is one person signing in with a forge under some rules.
type forgeCase struct {
	name, login     string
	rules           registry.SignInRules
	wantName, email string // the account and its address; wantName "" = refused with reason
	reason          string
}

func runForgeCases(t *testing.T, kind string, users []standInUser, cases []forgeCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStandIn(t, kind, users...)
			f := forgeFeed(t, tc.rules, s)
			name, reason := forgeSignIn(t, f.anonymous(t), s, tc.login)
			if name != tc.wantName || !strings.Contains(reason, tc.reason) {
				t.Fatalf("%s signed in as %q (%q), want %q (%q)", tc.login, name, reason, tc.wantName, tc.reason)
			}
			if tc.wantName == "" {
				if got := accountNames(t, f); len(got) != 0 {
					t.Errorf("a refused sign-in created users %v", got)
				}
				return
			}
			if got := f.account(tc.wantName).Email; got != tc.email {
				t.Errorf("the account's address is %q, want %q", got, tc.email)
			}
		})
	}
}
