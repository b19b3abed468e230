// The token exchange end to end over HTTP: minting, publishing with the
// key, provenance, revocation, expiry, request checks and forged tokens.

package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

func TestExchangeAndPublish(t *testing.T) {
	f := newTPFeed(t, 0)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	res, out := f.exchange(f.iss.Token(f.claims()), "alice")
	if res.StatusCode != http.StatusOK || out["tokenType"] != "ApiKey" || !strings.HasPrefix(out["apiKey"], registry.TrustedKeyPrefix) {
		t.Fatalf("exchange: %s %v", res.Status, out)
	}
	exp, err := time.Parse("2006-01-02T15:04:05.0000000+00:00", out["expires"])
	if err != nil || exp.Sub(f.clock.Now()) != time.Hour {
		t.Errorf("expires = %q (%v), want one hour from now", out["expires"], err)
	}
	if res := f.push(out["apiKey"], nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push with the minted key: %s", res.Status)
	}
	var prov map[string]any
	f.getJSON(f.urls.Provenance("contoso.sdk", "1.0.0"), http.StatusOK, &prov)
	for k, want := range map[string]any{"repository": "contoso/sdk", "repositoryId": "123456", "commit": f.claims()["sha"], "environment": "prod", "event": "push", "provider": "github"} {
		if prov[k] != want {
			t.Errorf("provenance %s = %v, want %v", k, prov[k], want)
		}
	}
	var idx nuget.RegistrationIndex
	f.getJSON(f.urls.RegistrationIndex("contoso.sdk"), http.StatusOK, &idx)
	if idx.Items[0].Items[0].CatalogEntry.Provenance == nil {
		t.Error("catalogEntry lacks provenance")
	}
	t.Run("replayed token", func(t *testing.T) {
		claims := f.claims()
		f.mustExchange(claims, "alice")
		res, out := f.exchange(f.iss.Token(claims), "alice")
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], "already been used") {
			t.Errorf("replay: %s %v", res.Status, out)
		}
	})
	t.Run("revoked early", func(t *testing.T) {
		key := f.mustExchange(f.claims(), "alice")
		req, _ := http.NewRequest(http.MethodDelete, f.urls.Token(), nil)
		req.Header.Set("Authorization", "Bearer "+key)
		if res := f.do(req); res.StatusCode != http.StatusNoContent {
			t.Fatalf("revoke: %s", res.Status)
		}
		if res := f.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.1"}.Build()); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("push with a revoked key: %s", res.Status)
		}
	})
	t.Run("key expires after an hour", func(t *testing.T) {
		key := f.mustExchange(f.claims(), "alice")
		f.advance(time.Hour + time.Second)
		if res := f.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.2"}.Build()); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("push with an expired key: %s", res.Status)
		}
	})
}

func TestExchangeRequestChecks(t *testing.T) {
	f := newTPFeed(t, 0)
	tok := f.iss.Token(f.claims())
	body := `{"username":"alice","tokenType":"ApiKey"}`
	tests := []struct {
		name   string
		mutate func(r *http.Request)
		body   string
		status int
		phrase string
	}{
		{"no authorization", func(r *http.Request) { r.Header.Del("Authorization") }, body, 401, "Authorization"},
		{"two authorization headers", func(r *http.Request) { r.Header.Add("Authorization", "Bearer x") }, body, 401, "exactly one"},
		{"empty bearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer ") }, body, 401, "Bearer"},
		{"session cookie", func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "wharf_session", Value: "x"}) }, body, 401, "session"},
		{"wrong content type", func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, body, 415, "JSON"},
		{"no user agent", func(r *http.Request) { r.Header.Set("User-Agent", "") }, body, 400, "User-Agent"},
		{"no username", nil, `{"tokenType":"ApiKey"}`, 400, "username"},
		{"wrong token type", nil, `{"username":"alice","tokenType":"Bearer"}`, 400, "ApiKey"},
		{"unknown user", nil, `{"username":"nobody","tokenType":"ApiKey"}`, 401, "No matching trust policy owned by user 'nobody' was found."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.urls.Token(), strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("User-Agent", "nuget/login-action")
			if tc.mutate != nil {
				tc.mutate(req)
			}
			res := f.do(req)
			var out map[string]string
			json.NewDecoder(res.Body).Decode(&out)
			if res.StatusCode != tc.status || !strings.Contains(out["error"], tc.phrase) {
				t.Errorf("%s %v, want %d with %q", res.Status, out, tc.status, tc.phrase)
			}
			if tc.status == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate: Bearer")
			}
		})
	}
}

// TestExchangeRefusesBadTokens checks that each kind of bad token reaches
// the action as a 401 with nuget.org's sentence (the verifier's own tests
// cover the cases in depth).
func TestExchangeRefusesBadTokens(t *testing.T) {
	f := newTPFeed(t, -1)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	with := f.claims // a token's claims with some changed
	now := f.clock.Now().Unix()
	tests := []struct {
		name, token, msg string
	}{
		{"expired", f.iss.Token(with("exp", now-600, "iat", now-900, "nbf", now-900)), "The JSON web token has expired."},
		{"not yet valid", f.iss.Token(with("nbf", now+600, "iat", now)), "The JSON web token is not yet valid."},
		{"wrong audience", f.iss.Token(with("aud", "https://nuget.org")), "The JSON web token has an incorrect audience."},
		{"two audiences", f.iss.Token(with("aud", []string{f.audience, "https://other"})), "The JSON web token must have exactly one aud claim value."},
		{"unknown issuer", f.iss.Token(with("iss", "https://token.example.com")), "The JSON web token iss claim is not supported."},
		{"alg none", f.iss.TokenWith(trusttest.SignOptions{Alg: "none"}, f.claims()), "The JSON web token has an invalid signature."},
		{"HS256 with the public key", f.iss.TokenWith(trusttest.SignOptions{Alg: "HS256"}, f.claims()), "The JSON web token has an invalid signature."},
		{"unknown kid", f.iss.TokenWith(trusttest.SignOptions{KID: "never-published"}, f.claims()), "The JSON web token has an invalid signature."},
		{"tampered payload", f.iss.TokenWith(trusttest.SignOptions{Tamper: map[string]any{"repository": "contoso/other"}}, f.claims()), "The JSON web token has an invalid signature."},
		{"no jti", f.iss.Token(with("jti", nil)), "The JSON web token must have a jti claim."},
		{"not a JWT", "not-a-token", "not a valid JSON web token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, out := f.exchange(tc.token, "alice")
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], tc.msg) {
				t.Errorf("%s %v, want 401 with %q", res.Status, out, tc.msg)
			}
		})
	}
	events, err := f.reg.AuditLog(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for _, e := range events {
		if e.Kind == "token.exchange" && e.Outcome == "rejected" {
			rejected++
		}
	}
	if rejected != len(tests) {
		t.Errorf("audit log has %d rejected exchanges, want %d", rejected, len(tests))
	}
}

func TestGitLabExchange(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	c := trusttest.NewClock(time.Now().UTC())
	audience := "https://wharf.example.com"
	issuers := []trust.Issuer{{URL: iss.URL, Provider: trust.GitLab, Name: "gitlab", Title: "test GitLab"}}
	v, err := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: audience, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	f := &tpFeed{feed: newFeedWith(t, registry.Options{Now: c.Now, Verifier: v, Issuers: issuers}), iss: iss, clock: c, audience: audience}
	claims := trusttest.GitLabClaims(iss.URL, audience, c.Now())
	ns, proj := claims["namespace_path"].(string), claims["project_path"].(string)
	f.policy(registry.NewPolicy{User: "alice", Provider: trust.GitLab, Repository: proj, Environment: claims["environment"].(string)})
	key := f.mustExchange(claims, "alice")
	if res := f.push(key, nugettest.Spec{ID: "GitLab.Pkg", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push: %s", res.Status)
	}
	var prov map[string]any
	f.getJSON(f.urls.Provenance("gitlab.pkg", "1.0.0"), http.StatusOK, &prov)
	if prov["provider"] != "gitlab" || prov["repository"] != proj || prov["repositoryOwner"] != ns {
		t.Errorf("provenance = %v", prov)
	}
	other := trusttest.GitLabClaims(iss.URL, audience, c.Now())
	other["environment"] = "Production-Other"
	res, out := f.exchange(iss.Token(other), "alice")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], "Environment mismatch") {
		t.Errorf("wrong environment: %s %v", res.Status, out)
	}
}

// TestExchangeRefusesTheSessionCookieOverHTTPS: behind an https base URL
// the session cookie is __Host-wharf_session; an exchange that carries it
// rides on a browser session as much as one carrying wharf_session, and
// is refused the same way, minting nothing.
func TestExchangeRefusesTheSessionCookieOverHTTPS(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	f := newUIFeed(t, uiConfig{baseURL: "https://wharf.example", issuer: iss})
	f.addUser("alice")
	ctx := context.Background()
	if _, err := f.reg.CreatePolicy(ctx, registry.NewPolicy{User: "alice", Provider: trust.GitHub, Repository: "contoso/sdk", Workflow: "release.yml"}); err != nil {
		t.Fatal(err)
	}
	exchange := func(cookie string) (*http.Response, map[string]string) {
		req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v2/token", strings.NewReader(`{"username":"alice","tokenType":"ApiKey"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "nuget/login-action")
		req.Header.Set("Authorization", "Bearer "+iss.Token(trusttest.GitHubClaims(iss.URL, "https://wharf.example", f.clock.Now())))
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		res := f.do(req)
		out := map[string]string{}
		json.NewDecoder(res.Body).Decode(&out)
		return res, out
	}
	for _, name := range []string{"__Host-wharf_session", "wharf_session"} {
		if res, out := exchange(name + "=x"); res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], "browser session cookie") {
			t.Errorf("an exchange with a %s cookie: %s %q, want 401 saying why", name, res.Status, out["error"])
		}
	}
	if keys, err := f.reg.ListKeys(ctx, "alice"); err != nil || len(keys) != 0 {
		t.Errorf("refused exchanges minted %d keys (%v)", len(keys), err)
	}
	if res, out := exchange(""); res.StatusCode != http.StatusOK {
		t.Errorf("the same exchange without a cookie: %s %q", res.Status, out["error"])
	}
}
