package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// tpFeed is a feed with trusted publishing on, a test issuer on 127.0.0.1
// and a clock shared by the registry and the verifier.
type tpFeed struct {
	*feed
	iss      *trusttest.Issuer
	clock    *clock
	audience string
}

func newTPFeed(t *testing.T, perMinute int) *tpFeed { return newTPFeedTB(t, perMinute) }

func newTPFeedTB(t testing.TB, perMinute int) *tpFeed {
	t.Helper()
	iss := trusttest.NewIssuer(t)
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	audience := "https://wharf.example.com"
	issuers := []trust.Issuer{{URL: iss.URL, Provider: trust.GitHub, Name: "test GitHub"}}
	v, err := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: audience, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	f := newFeedWith(t, registry.Options{Now: c.now, Verifier: v, Issuers: issuers, ExchangesPerMinute: perMinute})
	return &tpFeed{feed: f, iss: iss, clock: c, audience: audience}
}

func (f *tpFeed) advance(d time.Duration) {
	f.clock.mu.Lock()
	f.clock.t = f.clock.t.Add(d)
	f.clock.mu.Unlock()
}

// claims returns a realistic GitHub Actions token's claims for now.
func (f *tpFeed) claims() map[string]any {
	return trusttest.GitHubClaims(f.iss.URL, f.audience, f.clock.now())
}

// policy creates a policy through the service.
func (f *tpFeed) policy(req registry.NewPolicy) *registry.PolicyView {
	f.t.Helper()
	if req.Provider == "" {
		req.Provider = trust.GitHub
	}
	v, err := f.reg.CreatePolicy(context.Background(), req)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// exchange posts a token the way NuGet/login@v1 does.
func (f *tpFeed) exchange(token, username string) (*http.Response, map[string]string) {
	f.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "tokenType": "ApiKey"})
	req, _ := http.NewRequest(http.MethodPost, f.urls.Token(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "nuget/login-action")
	res := f.do(req)
	out := map[string]string{}
	json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

func (f *tpFeed) mustExchange(claims map[string]any, username string) string {
	f.t.Helper()
	res, out := f.exchange(f.iss.Token(claims), username)
	if res.StatusCode != http.StatusOK {
		f.t.Fatalf("exchange: %s %v", res.Status, out)
	}
	return out["apiKey"]
}

func TestExchangeAndPublish(t *testing.T) {
	f := newTPFeed(t, 0)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	res, out := f.exchange(f.iss.Token(f.claims()), "alice")
	if res.StatusCode != http.StatusOK || out["tokenType"] != "ApiKey" || !strings.HasPrefix(out["apiKey"], registry.TrustedKeyPrefix) {
		t.Fatalf("exchange: %s %v", res.Status, out)
	}
	exp, err := time.Parse("2006-01-02T15:04:05.0000000+00:00", out["expires"])
	if err != nil || exp.Sub(f.clock.now()) != time.Hour {
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

func TestExchangeMatching(t *testing.T) {
	f := newTPFeed(t, 0)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	with := func(kv ...any) map[string]any {
		c := f.claims()
		for i := 0; i < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}
	tests := []struct {
		name   string
		claims map[string]any
		status int
		msg    string
	}{
		{"wrong owner is generic", with("repository_owner", "evil", "repository", "evil/sdk"), 401, "No matching trust policy owned by user 'alice' was found."},
		{"wrong repository is generic", with("repository", "contoso/other"), 401, "No matching trust policy owned by user 'alice' was found."},
		{"wrong workflow is specific", with("workflow_ref", "contoso/sdk/.github/workflows/ci.yml@refs/heads/main", "job_workflow_ref", "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"), 401, "Workflow mismatch for policy"},
		{"wrong environment is specific", with("environment", "staging"), 401, "Environment mismatch for policy"},
		{"pull_request_target is banned", with("event_name", "pull_request_target"), 401, "The GitHub Actions event 'pull_request_target' is not allowed."},
		{"case-insensitive owner matches", with("repository_owner", "Contoso", "repository", "Contoso/SDK"), 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, out := f.exchange(f.iss.Token(tc.claims), "alice")
			if res.StatusCode != tc.status || !strings.Contains(out["error"], tc.msg) {
				t.Errorf("%s %v, want %d %q", res.Status, out, tc.status, tc.msg)
			}
		})
	}
	t.Run("first use binds the IDs; other IDs then fail generically", func(t *testing.T) {
		res, out := f.exchange(f.iss.Token(with("repository_id", "999", "repository_owner_id", "888")), "alice")
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], "No matching trust policy") {
			t.Errorf("resurrected repository: %s %v", res.Status, out)
		}
		ps, _ := f.reg.Policies(context.Background(), "alice")
		if ps[0].Status.State != "active" || ps[0].RepositoryID != "123456" {
			t.Errorf("policy after first use: %+v", ps[0])
		}
	})
}

func TestPendingPolicyExpiresAndRenews(t *testing.T) {
	f := newTPFeed(t, 0)
	p := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	if p.Status.State != "pending" || p.Status.DaysLeft != 7 {
		t.Fatalf("new policy status = %+v", p.Status)
	}
	f.advance(7*24*time.Hour + time.Minute)
	res, out := f.exchange(f.iss.Token(f.claims()), "alice")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], "has expired. Sign in and renew the trust policy") {
		t.Fatalf("expired pending policy: %s %v", res.Status, out)
	}
	if _, err := f.reg.RenewPolicy(context.Background(), "alice", p.ID); err != nil {
		t.Fatal(err)
	}
	f.mustExchange(f.claims(), "alice")
}

func TestOrganisationPolicies(t *testing.T) {
	f := newTPFeed(t, 0)
	ctx := context.Background()
	if _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); err != nil {
		t.Fatal(err)
	}
	f.userKey("bob")
	if err := f.reg.SetMember(ctx, "contoso", "bob", registry.RoleMember); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.CreatePolicy(ctx, registry.NewPolicy{User: "bob", Owner: "contoso", Provider: trust.GitHub, Repository: "contoso/sdk", Workflow: "release.yml"}); err == nil {
		t.Fatal("a member without admin rights created a policy for the organisation")
	}
	if err := f.reg.SetMember(ctx, "contoso", "bob", registry.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	f.policy(registry.NewPolicy{User: "bob", Owner: "contoso", Repository: "contoso/sdk", Workflow: "release.yml", Globs: []string{"Contoso.*"}})
	// The organisation's name works as the username too.
	key := f.mustExchange(f.claims(), "contoso")
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Lib", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push for the organisation: %s", res.Status)
	}
	var s nuget.SearchResponse
	f.getJSON(f.urls.Search()+"?q=packageid:contoso.lib", http.StatusOK, &s)
	if len(s.Data) != 1 || strings.Join(s.Data[0].Owners, ",") != "contoso" {
		t.Errorf("owners of a package pushed by the policy = %+v, want the organisation", s.Data)
	}
	if res := f.push(key, nugettest.Spec{ID: "Other.Lib", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusForbidden {
		t.Errorf("push outside the policy's globs: %s, want 403", res.Status)
	}
	f.mustPush(nugettest.Spec{ID: "Contoso.Alice", Version: "1.0.0"}) // alice's own package
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Alice", Version: "2.0.0"}.Build()); res.StatusCode != http.StatusForbidden {
		t.Errorf("push of another owner's package: %s, want 403", res.Status)
	}

	// Bob leaves: his policy turns inactive, exchange answers nuget.org's 400, and his old key stops working.
	if err := f.reg.RemoveMember(ctx, "contoso", "bob"); err != nil {
		t.Fatal(err)
	}
	res, out := f.exchange(f.iss.Token(f.claims()), "bob")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(out["error"], "Confirm that you still have permissions to operate on behalf of package owner 'contoso'") {
		t.Errorf("exchange after leaving: %s %v", res.Status, out)
	}
	ps, _ := f.reg.Policies(ctx, "bob")
	if ps[0].Status.State != "inactive" {
		t.Errorf("policy status after leaving = %+v", ps[0].Status)
	}
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Lib", Version: "1.0.1"}.Build()); res.StatusCode != http.StatusForbidden {
		t.Errorf("push with a key whose creator left: %s, want 403", res.Status)
	}
	// Re-added, it works again.
	f.reg.SetMember(ctx, "contoso", "bob", registry.RoleMember)
	f.mustExchange(f.claims(), "bob")
}

func TestExchangeRateLimit(t *testing.T) {
	f := newTPFeed(t, 3)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	for i := 0; i < 3; i++ {
		f.mustExchange(f.claims(), "alice")
	}
	res, out := f.exchange(f.iss.Token(f.claims()), "alice")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("4th exchange in a minute: %s %v, Retry-After %q", res.Status, out, res.Header.Get("Retry-After"))
	}
	f.advance(time.Minute)
	f.mustExchange(f.claims(), "alice")
}

func TestConcurrentFirstUseBindsOnce(t *testing.T) {
	f := newTPFeed(t, -1)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	const n = 10
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := 0; i < n; i++ {
		c := f.claims()
		c["repository_id"] = strconv.Itoa(1000 + i) // ten different repositories claim the name
		tok := f.iss.Token(c)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, _ := f.exchange(tok, "alice")
			statuses[i] = res.StatusCode
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d racing first uses with different IDs got a key, want exactly 1 (%v)", ok, n, statuses)
	}
}

func TestGitLabExchange(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	c := &clock{t: time.Now().UTC()}
	audience := "https://wharf.example.com"
	issuers := []trust.Issuer{{URL: iss.URL, Provider: trust.GitLab, Name: "test GitLab"}}
	v, err := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: audience, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	f := &tpFeed{feed: newFeedWith(t, registry.Options{Now: c.now, Verifier: v, Issuers: issuers}), iss: iss, clock: c, audience: audience}
	claims := trusttest.GitLabClaims(iss.URL, audience, c.now())
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
	other := trusttest.GitLabClaims(iss.URL, audience, c.now())
	other["environment"] = "Production-Other"
	res, out := f.exchange(iss.Token(other), "alice")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], "Environment mismatch") {
		t.Errorf("wrong environment: %s %v", res.Status, out)
	}
}

func TestEditingAPolicyRevokesItsKeys(t *testing.T) {
	f := newTPFeed(t, 0)
	p := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	key := f.mustExchange(f.claims(), "alice")
	v, err := f.reg.UpdatePolicy(context.Background(), "alice", p.ID, registry.NewPolicy{
		Provider: trust.GitHub, Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod", Globs: []string{"Contoso.*"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status.State != "active" || v.RepositoryID != "123456" {
		t.Errorf("an edit of the same repository must keep the binding: %+v", v)
	}
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("push with a key of an edited policy: %s, want 401", res.Status)
	}
	f.userKey("bob")
	if _, err := f.reg.UpdatePolicy(context.Background(), "bob", p.ID, registry.NewPolicy{Provider: trust.GitHub, Repository: "x/y", Workflow: "a.yml"}); err == nil {
		t.Error("another user edited alice's policy")
	}
}

// TestExchangeRefusesBadTokens checks that each kind of bad token reaches
// the action as a 401 with nuget.org's sentence (the verifier's own tests
// cover the cases in depth).
func TestExchangeRefusesBadTokens(t *testing.T) {
	f := newTPFeed(t, -1)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	with := func(kv ...any) map[string]any {
		c := f.claims()
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	now := f.clock.now().Unix()
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

func TestRateLimitIsNotKeyedOnTheClaimedUsername(t *testing.T) {
	f := newTPFeed(t, 3)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	ctx := context.Background()
	for i := 0; i < 10; i++ { // an attacker floods alice's name with junk from its own address
		f.reg.Exchange(ctx, registry.ExchangeRequest{Token: "junk", Username: "alice", RemoteAddr: "192.0.2.66"})
	}
	if _, err := f.reg.Exchange(ctx, registry.ExchangeRequest{Token: f.iss.Token(f.claims()), Username: "alice", RemoteAddr: "192.0.2.10"}); err != nil {
		t.Errorf("alice's CI was locked out by someone else's junk: %v", err)
	}
	long := strings.Repeat("a", 5000)
	res, out := f.exchange(f.iss.Token(f.claims()), long)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("a 5,000-character username: %s %v, want 400", res.Status, out)
	}
	if events, _ := f.reg.AuditLog(ctx, 100); len(events) > 0 && len(events[0].Subject) > 64 {
		t.Errorf("an over-long username reached the audit log")
	}
}

func TestClientAddressBehindProxies(t *testing.T) {
	post := func(f *feed, xff string) int {
		req, _ := http.NewRequest(http.MethodPost, f.urls.Token(), strings.NewReader(`{"username":"alice","tokenType":"ApiKey"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer junk")
		req.Header.Set("User-Agent", "test")
		req.Header.Set("X-Forwarded-For", xff)
		return f.do(req).StatusCode
	}
	iss := trusttest.NewIssuer(t)
	issuers := []trust.Issuer{{URL: iss.URL, Provider: trust.GitHub}}
	v, _ := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: "https://a"})
	opts := registry.Options{Verifier: v, Issuers: issuers, ExchangesPerMinute: 1}

	direct := newFeedWith(t, opts)
	if a, b := post(direct, "192.0.2.1"), post(direct, "192.0.2.2"); a != 401 || b != 429 {
		t.Errorf("without trusted proxies a forged X-Forwarded-For must not count: got %d then %d, want 401 then 429", a, b)
	}
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	proxied := newFeedBehind(t, opts, []*net.IPNet{loopback})
	if a, b := post(proxied, "192.0.2.1"), post(proxied, "192.0.2.2"); a != 401 || b != 401 {
		t.Errorf("behind a trusted proxy each client has its own budget: got %d then %d, want 401 twice", a, b)
	}
	if c := post(proxied, "192.0.2.1"); c != 429 {
		t.Errorf("the same forwarded client again: %d, want 429", c)
	}
}

func TestPolicyListShowsAdministeredOrganisations(t *testing.T) {
	f := newTPFeed(t, 0)
	ctx := context.Background()
	f.userKey("carol")
	f.reg.AddOrganization(ctx, "contoso", "alice")
	f.reg.SetMember(ctx, "contoso", "carol", registry.RoleMember)
	f.policy(registry.NewPolicy{User: "alice", Owner: "contoso", Repository: "contoso/sdk", Workflow: "release.yml"})
	if ps, _ := f.reg.Policies(ctx, "carol"); len(ps) != 0 {
		t.Errorf("a member without admin rights sees %d organisation policies", len(ps))
	}
	f.reg.SetMember(ctx, "contoso", "carol", registry.RoleAdmin)
	ps, err := f.reg.Policies(ctx, "carol")
	if err != nil || len(ps) != 1 || ps[0].OwnerName != "contoso" || ps[0].CreatorName != "alice" {
		t.Errorf("an admin of contoso sees %+v (%v), want alice's contoso policy", ps, err)
	}
}
