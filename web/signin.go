package web

// This is the only file that touches goth: it builds the configured
// providers, sends the browser to one and turns its answer into a
// registry.ExternalIdentity. goth's gothic package and its global session
// store are not used; the short state of a sign-in in progress travels in
// an HTTP-only cookie that expires in ten minutes.

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"github.com/markbates/goth"
	"github.com/markbates/goth/providers/github"
	"github.com/markbates/goth/providers/gitlab"
	"github.com/markbates/goth/providers/openidConnect"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// OAuthApp is an application registered with GitHub or GitLab.
type OAuthApp struct {
	ClientID, ClientSecret string
	URL                    string // GitHub Enterprise or self-hosted GitLab; "" for github.com / gitlab.com
}

// OIDCApp is a client registered with an OpenID Connect provider.
type OIDCApp struct {
	Issuer, ClientID, ClientSecret string
	Label                          string // the button says "Sign in with <Label>"
}

// SignInConfig is how people sign in to the web UI.
type SignInConfig struct {
	GitHub, GitLab *OAuthApp
	OIDC           *OIDCApp
	// WantGroups asks providers for the person's organisations or groups,
	// for registry.SignInRules.AllowedGroups.
	WantGroups bool
	// WantVerifiedEmail asks GitHub for verified addresses, for
	// registry.SignInRules.AllowedDomains.
	WantVerifiedEmail bool
}

// signInProvider is one configured provider.
type signInProvider struct {
	name, label string
	build       func(ctx context.Context) (goth.Provider, *oidc.IDTokenVerifier, error)

	mu       sync.Mutex
	provider goth.Provider
	verifier *oidc.IDTokenVerifier
	identity func(ctx context.Context, u goth.User) (registry.ExternalIdentity, error)
}

// get builds the goth provider on first use: OpenID Connect discovery
// needs the provider to answer, and Wharf must start even when it does not.
func (p *signInProvider) get(ctx context.Context) (goth.Provider, *oidc.IDTokenVerifier, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, p.verifier, nil
	}
	gp, v, err := p.build(ctx)
	if err != nil {
		return nil, nil, err
	}
	p.provider, p.verifier = gp, v
	return gp, v, nil
}

// signInTimeout bounds every call to a sign-in provider.
const signInTimeout = 15 * time.Second

func newSignInProviders(cfg SignInConfig, urls URLs) []*signInProvider {
	client := &http.Client{Timeout: signInTimeout}
	var out []*signInProvider
	if a := cfg.GitHub; a != nil && a.ClientID != "" {
		web, api := "https://github.com", "https://api.github.com"
		if a.URL != "" {
			web = strings.TrimRight(a.URL, "/")
			api = web + "/api/v3"
		}
		scopes := []string{"read:user", "user:email"}
		if cfg.WantGroups {
			scopes = append(scopes, "read:org")
		}
		p := &signInProvider{name: "github", label: "GitHub"}
		p.build = func(context.Context) (goth.Provider, *oidc.IDTokenVerifier, error) {
			gp := github.NewCustomisedURL(a.ClientID, a.ClientSecret, urls.SignInCallback("github"),
				web+"/login/oauth/authorize", web+"/login/oauth/access_token", api+"/user", api+"/user/emails", scopes...)
			gp.HTTPClient = client
			return gp, nil, nil
		}
		p.identity = func(ctx context.Context, u goth.User) (registry.ExternalIdentity, error) {
			id := registry.ExternalIdentity{Provider: "github", Subject: u.UserID, Login: u.NickName, Email: u.Email}
			if cfg.WantVerifiedEmail {
				var emails []struct {
					Email    string `json:"email"`
					Verified bool   `json:"verified"`
					Primary  bool   `json:"primary"`
				}
				if err := getJSON(ctx, client, api+"/user/emails", u.AccessToken, &emails); err != nil {
					return id, fmt.Errorf("%w: %w", errNoEmails, err)
				}
				for _, e := range emails {
					if e.Verified && (e.Primary || id.Email == "" || !id.EmailVerified) {
						id.Email, id.EmailVerified = e.Email, true
					}
				}
			}
			if cfg.WantGroups {
				var orgs []struct {
					Login string `json:"login"`
				}
				if err := getJSON(ctx, client, api+"/user/orgs?per_page=100", u.AccessToken, &orgs); err != nil {
					return id, err
				}
				for _, o := range orgs {
					id.Groups = append(id.Groups, o.Login)
				}
			}
			return id, nil
		}
		out = append(out, p)
	}
	if a := cfg.GitLab; a != nil && a.ClientID != "" {
		base := "https://gitlab.com"
		if a.URL != "" {
			base = strings.TrimRight(a.URL, "/")
		}
		scopes := []string{"read_user"}
		if cfg.WantGroups {
			scopes = append(scopes, "read_api")
		}
		p := &signInProvider{name: "gitlab", label: "GitLab"}
		p.build = func(context.Context) (goth.Provider, *oidc.IDTokenVerifier, error) {
			gp := gitlab.NewCustomisedURL(a.ClientID, a.ClientSecret, urls.SignInCallback("gitlab"),
				base+"/oauth/authorize", base+"/oauth/token", base+"/api/v4/user", scopes...)
			gp.HTTPClient = client
			return gp, nil, nil
		}
		p.identity = func(ctx context.Context, u goth.User) (registry.ExternalIdentity, error) {
			// GitLab's user API returns the primary address, which GitLab
			// only accepts once it is confirmed.
			// GitLab lets people in before they confirm their address
			// (soft confirmation); only a confirmed one counts.
			confirmed, _ := u.RawData["confirmed_at"].(string)
			id := registry.ExternalIdentity{Provider: "gitlab", Subject: u.UserID, Login: u.NickName, Email: u.Email, EmailVerified: u.Email != "" && confirmed != ""}
			if cfg.WantGroups {
				var groups []struct {
					FullPath string `json:"full_path"`
				}
				if err := getJSON(ctx, client, base+"/api/v4/groups?min_access_level=10&per_page=100", u.AccessToken, &groups); err != nil {
					return id, err
				}
				for _, g := range groups {
					id.Groups = append(id.Groups, g.FullPath)
				}
			}
			return id, nil
		}
		out = append(out, p)
	}
	if a := cfg.OIDC; a != nil && a.ClientID != "" {
		label := a.Label
		if label == "" {
			label = "single sign-on"
		}
		p := &signInProvider{name: "oidc", label: label}
		p.build = func(ctx context.Context) (goth.Provider, *oidc.IDTokenVerifier, error) {
			ctx = oidc.ClientContext(ctx, client)
			// The issuer must match the discovery document exactly, and
			// some end in "/" (Auth0's); forgive only a missing or
			// extra trailing slash in the setting.
			issuer := strings.TrimSpace(a.Issuer)
			op, err := oidc.NewProvider(ctx, issuer)
			var mismatch *oidc.IssuerMismatchError
			if errors.As(err, &mismatch) && strings.TrimRight(mismatch.Discovered, "/") == strings.TrimRight(issuer, "/") {
				issuer = mismatch.Discovered
				op, err = oidc.NewProvider(ctx, issuer)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("discover %s: %w", issuer, err)
			}
			gp, err := openidConnect.NewCustomisedURL(a.ClientID, a.ClientSecret, urls.SignInCallback("oidc"),
				op.Endpoint().AuthURL, op.Endpoint().TokenURL, issuer, op.UserInfoEndpoint(), "", "openid", "profile", "email")
			if err != nil {
				return nil, nil, err
			}
			gp.HTTPClient = client
			gp.SetName("oidc")
			return gp, op.Verifier(&oidc.Config{ClientID: a.ClientID}), nil
		}
		p.identity = func(ctx context.Context, u goth.User) (registry.ExternalIdentity, error) {
			// The login names admins (oidc:LOGIN): the provider's
			// preferred_username, else its verified address whole, never
			// an address's local part, which anyone with a mailbox
			// elsewhere (or an unverified one) could match. Not goth's
			// NickName: it prefers the nickname claim, which people
			// edit at will at most providers.
			login, _ := u.RawData["preferred_username"].(string)
			id := registry.ExternalIdentity{Provider: "oidc", Subject: u.UserID, Login: login, Email: u.Email}
			// Most providers send a boolean; some (Amazon Cognito) the string "true".
			switch v := u.RawData["email_verified"].(type) {
			case bool:
				id.EmailVerified = v
			case string:
				id.EmailVerified = v == "true"
			}
			if id.Login == "" && id.EmailVerified {
				id.Login = u.Email
			}
			if gs, ok := u.RawData["groups"].([]any); ok {
				for _, g := range gs {
					if s, ok := g.(string); ok {
						id.Groups = append(id.Groups, s)
					}
				}
			}
			return id, nil
		}
		out = append(out, p)
	}
	return out
}

// errNoEmails is why a sign-in failed when GitHub did not list the
// person's addresses, so the page does not blame their organisations.
var errNoEmails = errors.New("no e-mail addresses")

func getJSON(ctx context.Context, client *http.Client, u, token string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(into)
}

func (s *Server) signInProvider(name string) *signInProvider {
	for _, p := range s.providers {
		if p.name == name {
			return p
		}
	}
	return nil
}

// signInState is a sign-in in progress, kept in a cookie between the
// redirect to the provider and its callback.
type signInState struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Next     string `json:"n"`
	Session  string `json:"g"` // goth's session, which holds no secret before the callback
}

func (s *Server) signInPage(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	v := templates.SignInPage{Page: s.page(c, "Sign in", "")}
	for _, p := range s.providers {
		v.Providers = append(v.Providers, templates.SignInProvider{Name: p.name, Label: p.label, URL: "/sign-in/" + p.name + "?next=" + url.QueryEscape(next)})
	}
	return s.render(c, http.StatusOK, templates.SignIn(v))
}

// beginSignIn sends the browser to the provider.
func (s *Server) beginSignIn(c echo.Context) error {
	p := s.signInProvider(c.Param("provider"))
	if p == nil {
		return notFoundf("There is no sign-in provider named '%s' on this registry.", c.Param("provider"))
	}
	gp, _, err := p.get(c.Request().Context())
	if err != nil {
		s.log.Warn("sign-in provider unavailable", "provider", p.name, "err", err)
		return &registry.Error{Kind: registry.ErrUnavailable, Message: "Sign-in with " + p.label + " is not available right now: the provider did not answer. Try again in a minute."}
	}
	st := signInState{Provider: p.name, State: randomToken(), Next: safeNext(c.QueryParam("next"))}
	gs, err := gp.BeginAuth(st.State)
	if err != nil {
		return fmt.Errorf("begin sign-in with %s: %w", p.name, err)
	}
	authURL, err := gs.GetAuthURL()
	if err != nil {
		return fmt.Errorf("begin sign-in with %s: %w", p.name, err)
	}
	st.Session = gs.Marshal()
	b, _ := json.Marshal(st)
	s.setCookie(c, s.cookies.signin, base64.RawURLEncoding.EncodeToString(b), 10*time.Minute)
	return c.Redirect(http.StatusFound, authURL)
}

// finishSignIn is the provider's callback: it checks the state, trades the
// code for the person's identity, applies the sign-in rules and starts a
// session.
func (s *Server) finishSignIn(c echo.Context) error {
	ctx := c.Request().Context()
	retry := func(msg string) error {
		return &registry.Error{Kind: registry.ErrUnauthenticated, Message: msg + " Go back to the sign-in page and try again."}
	}
	var st signInState
	ck, err := c.Cookie(s.cookies.signin)
	if err != nil {
		return retry("This sign-in was not started in this browser, or took longer than ten minutes.")
	}
	s.clearCookie(c, s.cookies.signin)
	if b, err := base64.RawURLEncoding.DecodeString(ck.Value); err != nil || json.Unmarshal(b, &st) != nil {
		return retry("The sign-in state was damaged.")
	}
	p := s.signInProvider(c.Param("provider"))
	if p == nil || p.name != st.Provider || subtle.ConstantTimeCompare([]byte(c.QueryParam("state")), []byte(st.State)) != 1 {
		return retry("The sign-in answer does not belong to the sign-in this browser started.")
	}
	if e := c.QueryParam("error"); e != "" {
		msg := c.QueryParam("error_description")
		if msg == "" {
			msg = e
		}
		return &registry.Error{Kind: registry.ErrForbidden, Message: p.label + " did not sign you in: " + headerSafe(msg) + "."}
	}
	gp, verifier, err := p.get(ctx)
	if err != nil {
		return &registry.Error{Kind: registry.ErrUnavailable, Message: "Sign-in with " + p.label + " is not available right now. Try again in a minute."}
	}
	gs, err := gp.UnmarshalSession(st.Session)
	if err != nil {
		return retry("The sign-in state was damaged.")
	}
	// Only the code goes to goth: it would also honour a redirect_uri or
	// code_verifier found in the query.
	if _, err := gs.Authorize(gp, url.Values{"code": {c.QueryParam("code")}}); err != nil {
		s.log.Warn("sign-in code exchange failed", "provider", p.name, "err", err)
		return retry(p.label + " did not accept the sign-in code.")
	}
	gu, err := gp.FetchUser(gs)
	if err != nil {
		s.log.Warn("sign-in user lookup failed", "provider", p.name, "err", err)
		return retry(p.label + " did not tell us who you are.")
	}
	if verifier != nil {
		// goth reads the ID token's claims without checking its signature.
		tok, err := verifier.Verify(ctx, gu.IDToken)
		if err != nil {
			s.log.Warn("sign-in ID token rejected", "provider", p.name, "err", err)
			return retry("The identity token from " + p.label + " did not verify.")
		}
		// The subject names the person (and admins by "#id"): only
		// the verified token's, exactly.
		if tok.Subject == "" || tok.Subject != gu.UserID {
			s.log.Warn("sign-in subject differs from the ID token's", "provider", p.name)
			return retry("The identity token from " + p.label + " did not verify.")
		}
	}
	ext, err := p.identity(ctx, gu)
	if err != nil {
		s.log.Warn("sign-in identity lookup failed", "provider", p.name, "err", err)
		what := "which organisations you belong to"
		if errors.Is(err, errNoEmails) {
			what = "your verified e-mail addresses"
		}
		return retry(p.label + " did not tell us " + what + ".")
	}
	acct, err := s.reg.SignInExternal(ctx, ext)
	if err != nil {
		return err
	}
	return s.startSession(c, acct, st.Next)
}

// startSession signs the browser in and replaces its CSRF cookie, so no
// token from before the sign-in stays valid.
func (s *Server) startSession(c echo.Context, acct *registry.Account, next string) error {
	if old, ok := c.Get(ctxSession).(string); ok {
		_ = s.reg.EndSession(c.Request().Context(), old)
	}
	secret, expires, err := s.reg.NewSession(c.Request().Context(), acct)
	if err != nil {
		return err
	}
	// Max-Age from the registry's clock, the one that set expires: mixing
	// it with the wall clock made the cookie expire at once under a test
	// clock in the past.
	s.setCookie(c, s.cookies.session, secret, expires.Sub(s.reg.Now()))
	s.setCookie(c, s.cookies.csrf, randomToken(), 0)
	return s.redirectWithFlash(c, safeNext(next), "ok", "Signed in as "+acct.Name+".")
}

// signOut ends the session on the server, so a copied cookie stops working.
func (s *Server) signOut(c echo.Context) error {
	if sess, ok := c.Get(ctxSession).(string); ok {
		if err := s.reg.EndSession(c.Request().Context(), sess); err != nil {
			return err
		}
	}
	s.clearCookie(c, s.cookies.session)
	return s.redirectWithFlash(c, "/", "ok", "Signed out.")
}

func (s *Server) loginLinkPage(c echo.Context) error {
	v := templates.LoginLinkPage{Page: s.page(c, "Sign in with a link", ""), Action: "/sign-in/link/" + url.PathEscape(c.Param("token"))}
	return s.render(c, http.StatusOK, templates.LoginLink(v))
}

func (s *Server) useLoginLink(c echo.Context) error {
	acct, err := s.reg.UseLoginLink(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	return s.startSession(c, acct, "/")
}
