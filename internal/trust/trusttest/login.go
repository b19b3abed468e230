package trusttest

// The Issuer as a sign-in provider: the OAuth 2.0 authorization-code flow
// of OpenID Connect, for tests that sign a browser in the way Okta, Keycloak
// or any other OIDC provider would. There is no login form: /authorize
// answers at once for the person the test chose with SignInAs, as a
// provider does for someone who is already signed in there and has agreed
// before. Clients, codes and access tokens live in memory.

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// LoginUser is the person the provider signs in.
type LoginUser struct {
	Subject       string   // sub: the provider's stable ID of the person
	Login         string   // preferred_username
	Name          string   // name, the display name; optional
	Nickname      string   // nickname, a casual name the person edits at will; optional
	Email         string   // email; optional
	EmailVerified bool     // email_verified
	Groups        []string // groups; optional
}

// codeTTL is how long an authorization code may wait for its exchange.
const codeTTL = time.Minute

// IDTokenTTL is how long the ID tokens of sign-ins are valid.
const IDTokenTTL = 5 * time.Minute

// login is the sign-in provider's state, guarded by Issuer.mu.
type login struct {
	clients map[string]string // client_id -> client_secret
	user    *LoginUser        // who /authorize signs in; nil: nobody
	codes   map[string]grant
	access  map[string]LoginUser // access token -> person, for /userinfo
	tokens  atomic.Int64         // successful code exchanges
}

// grant is an authorization code waiting for its exchange.
type grant struct {
	client, redirectURI, nonce string
	user                       LoginUser
	expires                    time.Time
}

// AddClient registers an OAuth client, as an operator does when they
// register Wharf with their provider. Only registered clients may sign
// people in; the secret is checked at the token endpoint.
func (i *Issuer) AddClient(id, secret string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.login.clients == nil {
		i.login.clients = map[string]string{}
	}
	i.login.clients[id] = secret
}

// SignInAs chooses who the next and every later sign-in is, until the
// next call. Before the first call every sign-in is refused with
// error=access_denied, as when someone cancels at the provider.
func (i *Issuer) SignInAs(u LoginUser) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.login.user = &u
}

// SignIns counts the authorization codes exchanged for tokens so far.
func (i *Issuer) SignIns() int { return int(i.login.tokens.Load()) }

func (i *Issuer) routeLogin(mux *http.ServeMux) {
	mux.HandleFunc("GET /authorize", i.serveAuthorize)
	mux.HandleFunc("POST /token", i.serveToken)
	mux.HandleFunc("GET /userinfo", i.serveUserInfo)
	mux.HandleFunc("POST /userinfo", i.serveUserInfo)
}

// loginDiscovery adds the sign-in endpoints to the discovery document.
func (i *Issuer) loginDiscovery(doc map[string]any) {
	doc["authorization_endpoint"] = i.URL + "/authorize"
	doc["token_endpoint"] = i.URL + "/token"
	doc["userinfo_endpoint"] = i.URL + "/userinfo"
	doc["response_types_supported"] = []string{"code", "id_token"}
	doc["grant_types_supported"] = []string{"authorization_code"}
	doc["token_endpoint_auth_methods_supported"] = []string{"client_secret_basic", "client_secret_post"}
	doc["scopes_supported"] = []string{"openid", "profile", "email", "groups"}
	doc["claims_supported"] = append(doc["claims_supported"].([]string), "preferred_username", "name", "email", "email_verified", "groups")
}

// serveAuthorize checks the request as a provider must before it
// redirects anywhere, then sends the browser back to the client with a
// code for the chosen person (or access_denied when none was chosen).
// Errors about the client or redirect_uri are shown here, never sent to
// the redirect_uri (RFC 6749, 4.1.2.1).
func (i *Issuer) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	client, redirectURI := q.Get("client_id"), q.Get("redirect_uri")
	i.mu.Lock()
	_, known := i.login.clients[client]
	i.mu.Unlock()
	back, err := url.Parse(redirectURI)
	switch {
	case !known:
		http.Error(w, "unknown client_id "+strconv.Quote(client), http.StatusBadRequest)
		return
	case err != nil || !back.IsAbs() || back.Fragment != "":
		http.Error(w, "redirect_uri must be an absolute URL without a fragment", http.StatusBadRequest)
		return
	}
	answer := back.Query()
	if s := q.Get("state"); s != "" {
		answer.Set("state", s)
	}
	i.mu.Lock()
	user := i.login.user
	i.mu.Unlock()
	switch {
	case q.Get("response_type") != "code":
		answer.Set("error", "unsupported_response_type")
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		answer.Set("error", "invalid_scope")
		answer.Set("error_description", "the openid scope is required")
	case user == nil:
		answer.Set("error", "access_denied")
		answer.Set("error_description", "nobody is signed in at the test provider")
	default:
		code := randomString()
		i.mu.Lock()
		if i.login.codes == nil {
			i.login.codes = map[string]grant{}
		}
		i.login.codes[code] = grant{client: client, redirectURI: redirectURI, nonce: q.Get("nonce"), user: *user, expires: time.Now().Add(codeTTL)}
		i.mu.Unlock()
		answer.Set("code", code)
	}
	back.RawQuery = answer.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// serveToken exchanges a code: it authenticates the client (HTTP Basic or
// form fields), checks that the code is the client's, unused, unexpired
// and issued for the same redirect_uri, and answers an access token and a
// signed ID token.
func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	client, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749, 2.3.1: Basic credentials are form-encoded first.
		client, _ = url.QueryUnescape(client)
		secret, _ = url.QueryUnescape(secret)
	} else {
		client, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	i.mu.Lock()
	want, known := i.login.clients[client]
	code := r.PostForm.Get("code")
	g, found := i.login.codes[code]
	delete(i.login.codes, code) // a code works once, even when refused
	i.mu.Unlock()
	switch {
	case !known || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1:
		w.Header().Set("WWW-Authenticate", `Basic realm="trusttest"`)
		tokenError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	case r.PostForm.Get("grant_type") != "authorization_code":
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported")
		return
	case !found || g.client != client || time.Now().After(g.expires):
		tokenError(w, http.StatusBadRequest, "invalid_grant", "the code is unknown, used, expired or another client's")
		return
	case r.PostForm.Get("redirect_uri") != g.redirectURI:
		tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	}
	now := time.Now()
	claims := userClaims(g.user)
	claims["iss"], claims["aud"] = i.URL, client
	claims["iat"], claims["exp"] = now.Unix(), now.Add(IDTokenTTL).Unix()
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	idToken := i.Token(claims)
	access := randomString()
	i.mu.Lock()
	if i.login.access == nil {
		i.login.access = map[string]LoginUser{}
	}
	i.login.access[access] = g.user
	i.mu.Unlock()
	i.login.tokens.Add(1)
	writeJSON(w, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": int(IDTokenTTL / time.Second), "id_token": idToken,
		"scope": "openid profile email",
	})
}

// serveUserInfo answers the person's claims for a bearer access token.
func (i *Issuer) serveUserInfo(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	i.mu.Lock()
	u, known := i.login.access[token]
	i.mu.Unlock()
	if !ok || !known {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	writeJSON(w, userClaims(u))
}

// userClaims are the person's claims, as both the ID token and the
// userinfo endpoint carry them.
func userClaims(u LoginUser) map[string]any {
	c := map[string]any{"sub": u.Subject}
	if u.Login != "" {
		c["preferred_username"] = u.Login
	}
	if u.Name != "" {
		c["name"] = u.Name
	}
	if u.Nickname != "" {
		c["nickname"] = u.Nickname
	}
	if u.Email != "" {
		c["email"], c["email_verified"] = u.Email, u.EmailVerified
	}
	if u.Groups != nil {
		c["groups"] = u.Groups
	}
	return c
}

func tokenError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
