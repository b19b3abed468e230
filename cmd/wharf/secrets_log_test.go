package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/storage/s3"
	"github.com/wharf-registry/wharf/internal/testenv"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// secrets collects every secret a test hands the server, by name.
type secrets map[string]string

// add records a secret; empty values fail the test, as a secret the test
// did not get cannot be looked for.
func (s secrets) add(t *testing.T, name, value string) {
	t.Helper()
	if value == "" {
		t.Fatalf("no %s to look for", name)
	}
	s[name] = value
}

// minLeak is the length from which a piece of a secret in a log is a
// leak. Keys begin with a public prefix (wharf_, wharf_tp_) that the logs
// and the audit log rightly show, with four characters more as the key's
// hint; pieces are taken from what follows the prefix.
const minLeak = 12

// leaks returns the names of the secrets of which text holds minLeak or
// more characters in a row.
func (s secrets) leaks(text string) []string {
	pieces := map[string]string{} // piece -> secret name
	for name, v := range s {
		for _, p := range []string{"wharf_tp_", "wharf_"} {
			if strings.HasPrefix(v, p) {
				v = v[len(p):]
				break
			}
		}
		for i := 0; i+minLeak <= len(v); i++ {
			pieces[v[i:i+minLeak]] = name
		}
	}
	found := map[string]bool{}
	for i := 0; i+minLeak <= len(text); i++ {
		if name, ok := pieces[text[i:i+minLeak]]; ok {
			found[name] = true
		}
	}
	var out []string
	for name := range found {
		out = append(out, name)
	}
	return out
}

// visitor is a person's browser, reduced to what the test needs: cookies
// and no following of redirects.
type visitor struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newVisitor(t *testing.T, base string) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var formToken = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends a request (a form when form is not nil) and returns the status,
// the Location and the body.
func (v *visitor) do(method, target string, form url.Values) (int, string, string) {
	v.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = v.base + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := v.c.Do(req)
	if err != nil {
		v.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Location"), string(b)
}

// token reads a page's form token.
func (v *visitor) token(path string) string {
	v.t.Helper()
	_, _, body := v.do("GET", path, nil)
	m := formToken.FindStringSubmatch(body)
	if m == nil {
		v.t.Fatalf("GET %s has no form", path)
	}
	return m[1]
}

// cookie returns one of the visitor's cookies for the server.
func (v *visitor) cookie(name string) string {
	u, _ := url.Parse(v.base)
	for _, c := range v.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// TestNoSecretInTheLogs runs "wharf serve" at debug level and does what
// hands it secrets: API keys made on the command line and in the UI, used
// to push and unlist, a wrong and a revoked key, a CI token exchanged for
// a trusted-publishing key that is used and revoked, the token replayed,
// a sign-in link and a sign-in through an OpenID Connect provider (client
// secret, code, state, session and form-token cookies), a used link and an
// ended session tried again. Then the server's whole output and the audit
// log must hold none of the secrets, nor 12 characters of one.
func TestNoSecretInTheLogs(t *testing.T) {
	t.Parallel()
	ci, login := trusttest.NewIssuer(t), trusttest.NewIssuer(t)
	sec := secrets{}
	clientSecret := trusttest.JTI() + trusttest.JTI()
	sec.add(t, "OIDC client secret", clientSecret)
	login.AddClient("wharf-ui", clientSecret)
	env := []string{"WHARF_LOG_LEVEL=debug", "WHARF_TRUSTED_ISSUERS=github=" + ci.URL, "WHARF_OIDC_AUDIENCE=https://wharf.logs.test",
		"WHARF_SIGNIN_OIDC_ISSUER=" + login.URL, "WHARF_SIGNIN_OIDC_CLIENT_ID=wharf-ui", "WHARF_SIGNIN_OIDC_CLIENT_SECRET=" + clientSecret}
	if b := testenv.Backend(); b != testenv.SQLiteFS {
		env = append(env, testenv.ServerEnv(t, b)...)
	}
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == s3.EnvSecretAccessKey {
			sec.add(t, "S3 secret access key", v)
		}
	}
	e := startWharf(t, env)

	// Keys from the command line: used, mistyped, revoked.
	e.wharfOK(t, "user", "add", "alice")
	key, keyID := e.addKey(t, "--user", "alice")
	sec.add(t, "API key", key)
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Alice.Logs", Version: "1.0.0"})
	for _, m := range []string{http.MethodDelete, http.MethodPost} {
		if status, why := e.changeListing(t, m, "Alice.Logs", "1.0.0", key); status != http.StatusNoContent {
			t.Fatalf("%s: %s", m, why)
		}
	}
	mangled := key[:len(key)-1] + "x"
	if status, _ := e.pushHTTP(t, mangled, nugettest.Spec{ID: "Alice.Logs", Version: "1.0.1"}); status != http.StatusUnauthorized {
		t.Errorf("push with a mistyped key: %d", status)
	}
	e.wharfOK(t, "key", "revoke", keyID)
	if status, _ := e.pushHTTP(t, key, nugettest.Spec{ID: "Alice.Logs", Version: "1.0.2"}); status != http.StatusUnauthorized {
		t.Errorf("push with a revoked key: %d", status)
	}

	// A key pasted where it does not belong: a path, a query.
	for _, path := range []string{"/api/v2/package/" + key, "/v3/package/" + key + "/index.json", "/packages?q=" + key} {
		if status, _, err := e.get(e.base + path); err != nil || status >= 500 {
			t.Errorf("GET with the key in the URL: %d %v", status, err)
		}
	}

	// Trusted publishing: exchange, push, revoke, replay.
	e.wharfOK(t, "policy", "add", "--user", "alice", "--provider", "github", "--repository", "contoso/sdk", "--workflow", "release.yml")
	jwt := ci.Token(trusttest.GitHubClaims(ci.URL, "https://wharf.logs.test", time.Now()))
	sec.add(t, "CI token", jwt)
	status, out := e.exchangeHTTP(t, jwt, "alice")
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %q", status, out["error"])
	}
	sec.add(t, "trusted-publishing key", out["apiKey"])
	e.mustPushHTTP(t, out["apiKey"], nugettest.Spec{ID: "Alice.Logs", Version: "2.0.0"})
	req, _ := http.NewRequest(http.MethodDelete, e.base+"/api/v2/token", nil)
	req.Header.Set("Authorization", "Bearer "+out["apiKey"])
	if res, err := e.http.Do(req); err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("revoking the trusted-publishing key: %v %v", res, err)
	}
	if status, _ := e.exchangeHTTP(t, jwt, "alice"); status != http.StatusUnauthorized {
		t.Errorf("a replayed CI token: %d", status)
	}

	// A sign-in link, a key made in the UI, sign-out, then both again.
	linkOut, _ := e.wharfOK(t, "user", "login-link", "alice")
	link := strings.TrimSpace(linkOut)
	sec.add(t, "sign-in link", link[strings.LastIndex(link, "/")+1:])
	link = "/sign-in/link/" + sec["sign-in link"] // on this server, whatever base URL the command assumed
	alice := newVisitor(t, e.base)
	if status, _, _ := alice.do("POST", link, url.Values{"_csrf": {alice.token(link)}}); status != http.StatusSeeOther {
		t.Fatalf("signing in with the link: %d", status)
	}
	sec.add(t, "session cookie", alice.cookie("wharf_session"))
	sec.add(t, "CSRF cookie", alice.cookie("wharf_csrf"))
	token := alice.token("/account/keys")
	sec.add(t, "form token", token)
	_, _, page := alice.do("POST", "/account/keys", url.Values{"_csrf": {token}, "description": {"from the UI"}, "expires_days": {"7"}})
	uiKey := regexp.MustCompile(`value="(wharf_[a-z2-7]+)"`).FindStringSubmatch(page)
	if uiKey == nil {
		t.Fatal("creating a key in the UI showed no key")
	}
	sec.add(t, "UI key", uiKey[1])
	// Another ID: Alice.Logs came through trusted publishing last, so the
	// provenance guard would hold this long-lived key's version (202).
	e.mustPushHTTP(t, uiKey[1], nugettest.Spec{ID: "Alice.Logs.UI", Version: "3.0.0"})
	alice.do("POST", "/sign-out", url.Values{"_csrf": {token}})
	again := newVisitor(t, e.base)
	if status, _, _ := again.do("POST", link, url.Values{"_csrf": {again.token(link)}}); status != http.StatusUnauthorized {
		t.Errorf("reusing the link: %d, want 401", status)
	}
	stale := newVisitor(t, e.base)
	u, _ := url.Parse(e.base)
	stale.c.Jar.SetCookies(u, []*http.Cookie{{Name: "wharf_session", Value: sec["session cookie"]}})
	if status, _, _ := stale.do("GET", "/account/keys", nil); status != http.StatusSeeOther {
		t.Errorf("an ended session: %d", status)
	}

	// Sign-in through the provider: its code and state pass through here.
	login.SignInAs(trusttest.LoginUser{Subject: "g-1", Login: "grace", Email: "grace@example.com", EmailVerified: true})
	grace := newVisitor(t, e.base)
	_, toProvider, _ := grace.do("GET", "/sign-in/oidc", nil)
	sec.add(t, "sign-in state cookie", grace.cookie("wharf_signin"))
	_, back, _ := grace.do("GET", toProvider, nil)
	cb, err := url.Parse(back)
	if err != nil || cb.Query().Get("code") == "" {
		t.Fatalf("the provider sent the browser to %q", back)
	}
	sec.add(t, "authorization code", cb.Query().Get("code"))
	sec.add(t, "OAuth state", cb.Query().Get("state"))
	if status, _, _ := grace.do("GET", back, nil); status != http.StatusSeeOther || grace.cookie("wharf_session") == "" {
		t.Fatalf("the provider's callback: %d", status)
	}
	sec.add(t, "provider session cookie", grace.cookie("wharf_session"))
	grace.do("GET", "/account/keys", nil)

	audit, _ := e.wharfOK(t, "audit", "--json", "--limit", "1000")
	auditText, _ := e.wharfOK(t, "audit", "--limit", "1000")
	e.stopServer(t)
	e.exited = true
	logs := e.srvOut.String()
	for _, want := range []string{"level=DEBUG", "route=/sign-in/link/:token", "route=/sign-in/:provider/callback", "trusted-publishing key minted", "status=401"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the server log lacks %q: it does not show what the test did", want)
		}
	}
	if !strings.Contains(audit, `"token.replay"`) || !strings.Contains(audit, `"signin"`) {
		t.Errorf("the audit log lacks the replay or the sign-ins:\n%s", audit)
	}
	for what, text := range map[string]string{"server log": logs, "audit log (JSON)": audit, "audit log": auditText} {
		if leaked := sec.leaks(text); len(leaked) > 0 {
			t.Errorf("the %s holds %d bytes and pieces of: %q", what, len(text), leaked)
		}
	}
	t.Logf("looked for %d secrets in %d bytes of server log and %d of audit log", len(sec), len(logs), len(audit)+len(auditText))
}
