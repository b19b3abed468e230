package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// policyAPICall sends a policy API request with the browser's cookies (b may be
// nil: no session) and extra headers, and decodes the JSON answer.
func policyAPICall(t *testing.T, f *uiFeed, b *browser, method, path, body string, h map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	var res *http.Response
	if b != nil {
		res = b.do(req).res
	} else {
		var err error
		if res, err = http.DefaultClient.Do(req); err != nil {
			t.Fatal(err)
		}
	}
	defer res.Body.Close()
	out := map[string]any{}
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out, res.Header
}

func policyCount(t *testing.T, f *uiFeed, user string) int {
	t.Helper()
	ps, err := f.reg.Policies(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	return len(ps)
}

// TestPolicyAPISession: a signed-in browser lists, creates, reads,
// updates and deletes its policies over JSON; a change without the CSRF
// token (or with another session's) is refused with 403 and changes
// nothing; an update that keeps the repository keeps the binding.
func TestPolicyAPISession(t *testing.T) {
	f := newUIFeed(t, uiConfig{issuer: trusttest.NewIssuer(t)})
	alice := f.signedIn(t, "alice")
	status, _, h := policyAPICall(t, f, alice, "GET", "/api/v2/policies", "", nil)
	tok := h.Get("X-CSRF-Token")
	if status != http.StatusOK || tok == "" || tok != alice.token() {
		t.Fatalf("GET /api/v2/policies: %d, token %q (page's %q)", status, tok, alice.token())
	}
	create := `{"repository":"contoso/sdk","workflow":"release.yml","ownerId":"654321","repositoryId":"123456"}`
	for name, hdr := range map[string]map[string]string{
		"no token":      nil,
		"a wrong token": {"X-CSRF-Token": "x" + tok[1:]},
		"cross-site":    {"X-CSRF-Token": tok, "Sec-Fetch-Site": "cross-site"},
	} {
		status, out, _ := policyAPICall(t, f, alice, "POST", "/api/v2/policies", create, hdr)
		if status != http.StatusForbidden || !strings.Contains(out["error"].(string), "CSRF token") {
			t.Errorf("create with %s: %d %v, want 403 naming the CSRF token", name, status, out)
		}
	}
	if n := policyCount(t, f, "alice"); n != 0 {
		t.Fatalf("refused creates left %d policies", n)
	}
	// Another signed-in browser's token is worthless here.
	bob := f.signedIn(t, "bob")
	if status, _, _ := policyAPICall(t, f, alice, "POST", "/api/v2/policies", create, map[string]string{"X-CSRF-Token": bob.token()}); status != http.StatusForbidden {
		t.Errorf("create with bob's token: %d, want 403", status)
	}
	csrf := map[string]string{"X-CSRF-Token": tok}
	status, p, hdr := policyAPICall(t, f, alice, "POST", "/api/v2/policies", create, csrf)
	if status != http.StatusCreated || p["status"] != "active" || p["owner"] != "alice" || hdr.Get("Location") == "" {
		t.Fatalf("create: %d %v", status, p)
	}
	loc := hdr.Get("Location")
	if status, got, _ := policyAPICall(t, f, alice, "GET", loc, "", nil); status != http.StatusOK || got["name"] != "contoso/sdk/release.yml" {
		t.Errorf("GET %s: %d %v", loc, status, got)
	}
	status, u, _ := policyAPICall(t, f, alice, "PUT", loc, `{"repository":"contoso/sdk","workflow":"release.yml","environment":"prod"}`, csrf)
	if status != http.StatusOK || u["environment"] != "prod" || u["repositoryId"] != "123456" || u["status"] != "active" {
		t.Errorf("update keeping the repository: %d %v, want the binding kept", status, u)
	}
	status, out, _ := policyAPICall(t, f, alice, "PUT", loc, `{"repository":"contoso/web","workflow":"release.yml"}`, csrf)
	if status != http.StatusBadRequest || !strings.Contains(out["error"].(string), "Confirm the change") {
		t.Errorf("unconfirmed rebind: %d %v, want 400 and the UI's sentence", status, out)
	}
	if status, _, _ := policyAPICall(t, f, alice, "DELETE", loc, "", nil); status != http.StatusForbidden {
		t.Errorf("delete without the token: %d, want 403", status)
	}
	if status, _, _ := policyAPICall(t, f, alice, "DELETE", loc, "", csrf); status != http.StatusNoContent {
		t.Errorf("delete: %d, want 204", status)
	}
	if status, _, _ := policyAPICall(t, f, nil, "GET", "/api/v2/policies", "", nil); status != http.StatusUnauthorized {
		t.Errorf("anonymous list: %d, want 401", status)
	}
	// A key made on the keys page with the Manage box works here, and
	// the list shows its scope.
	page, secret := createKeyFromPage(t, alice, "policies as code", "manage")
	if page.res.StatusCode != http.StatusCreated || secret == "" {
		t.Fatalf("create a manage key on the page: %s %q", page.res.Status, page.reason())
	}
	if got := keyScopes(alice.get("/account/keys")); !slices.Contains(slices.Collect(maps.Values(got)), "manage") {
		t.Errorf("keys page scopes %v, want a manage key", got)
	}
	if status, _, _ := policyAPICall(t, f, nil, "GET", "/api/v2/policies", "", map[string]string{"X-NuGet-ApiKey": secret}); status != http.StatusOK {
		t.Errorf("list with the page's manage key: %d, want 200", status)
	}
	// A manage-only key neither pushes nor reads packages.
	if res := f.push(secret, nugettest.Spec{ID: "Alice.Lib", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusForbidden {
		t.Errorf("push with a manage-only key: %s, want 403", res.Status)
	}
}

// TestPolicyAPIKeys: a manage key manages its user's policies; a push
// key is refused (403); another user's manage key finds nothing (404,
// with the same answer as for a policy that does not exist); a manage key
// made for an organisation manages only that organisation's policies.
// Invalid requests get the UI's sentences.
func TestPolicyAPIKeys(t *testing.T) {
	f := newUIFeed(t, uiConfig{issuer: trusttest.NewIssuer(t)})
	ctx := context.Background()
	f.addUser("alice")
	f.addUser("bob")
	key := func(user, owner string, sc feeds.Scope) map[string]string {
		secret, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: user, Owner: owner, Scopes: sc})
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{"X-NuGet-ApiKey": secret}
	}
	manage, push, bobs := key("alice", "", feeds.ScopeManage), key("alice", "", feeds.ScopePush|feeds.ScopeRead), key("bob", "", feeds.ScopeManage)

	status, p, _ := policyAPICall(t, f, nil, "POST", "/api/v2/policies", `{"repository":"contoso/sdk-*","workflow":"release.yml"}`, manage)
	if status != http.StatusCreated || p["repositoryId"] != "*" || p["status"] != "pending" {
		t.Fatalf("create a glob policy with a manage key: %d %v", status, p)
	}
	loc := "/api/v2/policies/" + jsonID(p)
	if status, out, _ := policyAPICall(t, f, nil, "GET", "/api/v2/policies", "", push); status != http.StatusForbidden || !strings.Contains(out["error"].(string), "--scope manage") {
		t.Errorf("list with a push key: %d %v, want 403", status, out)
	}
	_, missing, _ := policyAPICall(t, f, nil, "GET", "/api/v2/policies/999999", "", bobs)
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		status, out, _ := policyAPICall(t, f, nil, method, loc, `{"repository":"contoso/x","workflow":"release.yml"}`, bobs)
		if status != http.StatusNotFound || strings.Contains(out["error"].(string), "contoso") {
			t.Errorf("%s alice's policy with bob's key: %d %v, want 404 without its details", method, status, out)
		}
		if method == "GET" && strings.Replace(out["error"].(string), " "+jsonID(p)+" ", " 999999 ", 1) != missing["error"] {
			t.Errorf("bob learns alice's policy exists: %q vs %q", out["error"], missing["error"])
		}
	}
	if status, out, _ := policyAPICall(t, f, nil, "GET", "/api/v2/policies", "", bobs); status != http.StatusOK || len(out["policies"].([]any)) != 0 {
		t.Errorf("bob's list: %d %v, want none", status, out)
	}
	// The UI's sentences, the JSON error shape, and unknown fields.
	for body, want := range map[string]string{
		`{"repository":"contoso"}`:                                                "is not a repository: write it as owner/repository",
		`{"repository":"contoso/*"}`:                                              "must name the workflow file",
		`{"repository":"contoso/sdk","workfow":"x"}`:                              `"workfow"`,
		`{"repository":"contoso/sdk","workflow":"release.yml","owner":"someorg"}`: "There is no organisation named 'someorg'",
	} {
		status, out, _ := policyAPICall(t, f, nil, "POST", "/api/v2/policies", body, manage)
		if status/100 != 4 || !strings.Contains(out["error"].(string), want) {
			t.Errorf("POST %s: %d %v, want a 4xx naming %q", body, status, out, want)
		}
	}
	if n := policyCount(t, f, "alice"); n != 1 {
		t.Errorf("alice has %d policies after refused creates, want 1", n)
	}
	// A key made for an organisation.
	if _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); err != nil {
		t.Fatal(err)
	}
	org := key("alice", "contoso", feeds.ScopeManage)
	status, op, _ := policyAPICall(t, f, nil, "POST", "/api/v2/policies", `{"repository":"contoso/web","workflow":"release.yml"}`, org)
	if status != http.StatusCreated || op["owner"] != "contoso" {
		t.Fatalf("create with the organisation's key: %d %v, want 201 owned by contoso", status, op)
	}
	if status, _, _ := policyAPICall(t, f, nil, "GET", loc, "", org); status != http.StatusNotFound {
		t.Errorf("alice's own policy with contoso's key: %d, want 404", status)
	}
	if status, _, _ := policyAPICall(t, f, nil, "POST", "/api/v2/policies", `{"owner":"alice","repository":"contoso/x","workflow":"release.yml"}`, org); status != http.StatusForbidden {
		t.Errorf("contoso's key creating for alice: %d, want 403", status)
	}
	if status, out, _ := policyAPICall(t, f, nil, "GET", "/api/v2/policies", "", org); status != http.StatusOK || len(out["policies"].([]any)) != 1 {
		t.Errorf("contoso's key lists %v, want its one policy", out)
	}
	if status, _, _ := policyAPICall(t, f, nil, "DELETE", loc, "", manage); status != http.StatusNoContent {
		t.Errorf("delete with alice's manage key: %d, want 204", status)
	}
}

// TestPolicyAPITest: POST /api/v2/policies/test says for each policy
// whether a token matches and why not, without using the token up.
func TestPolicyAPITest(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	f := newUIFeed(t, uiConfig{issuer: iss})
	ctx := context.Background()
	f.addUser("alice")
	for _, req := range []registry.NewPolicy{
		{User: "alice", Provider: "github", Repository: "contoso/sdk", Workflow: "release.yml"},
		{User: "alice", Provider: "github", Repository: "contoso/sdk", Workflow: "other.yml", Name: "other"},
		{User: "alice", Provider: "github", Repository: "fabrikam/app", Workflow: "release.yml", Name: "fabrikam"},
	} {
		if _, err := f.reg.CreatePolicy(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	secret, _, _ := f.reg.CreateKey(ctx, registry.NewKey{User: "alice", Scopes: feeds.ScopeManage})
	token := iss.Token(trusttest.GitHubClaims(iss.URL, f.srv.URL, f.clock.Now()))
	body, _ := json.Marshal(map[string]string{"token": token})
	status, out, _ := policyAPICall(t, f, nil, "POST", "/api/v2/policies/test", string(body), map[string]string{"X-NuGet-ApiKey": secret})
	if status != http.StatusOK {
		t.Fatalf("test: %d %v", status, out)
	}
	rs := out["results"].([]any)
	if len(rs) != 3 {
		t.Fatalf("results: %v", rs)
	}
	r0, r1, r2 := rs[0].(map[string]any), rs[1].(map[string]any), rs[2].(map[string]any)
	if r0["matched"] != true || r0["binds"] != true {
		t.Errorf("first policy: %v, want matched and binding", r0)
	}
	if r1["matched"] != false || !strings.Contains(r1["reason"].(string), "Workflow mismatch for policy 'other'") {
		t.Errorf("second policy: %v, want the workflow mismatch", r1)
	}
	if r2["matched"] != false || !strings.Contains(r2["reason"].(string), "repository") || r2["shownToCaller"] == true {
		t.Errorf("third policy: %v, want the repository reason, not shown to the caller", r2)
	}
	if fails := failingClaims(r2); !strings.HasPrefix(fails, "repository_owner=fabrikam/contoso,repository=fabrikam/app/contoso/sdk,workflow_ref=release.yml/") {
		t.Errorf("third policy's failing checks: %s", fails)
	}
	if fails := failingClaims(r0); fails != "" || out["tokenExpired"] != false {
		t.Errorf("first policy's failing checks: %q, token expired %v", fails, out["tokenExpired"])
	}
	// An expired token is still explained, and says so.
	old := iss.Token(trusttest.With(trusttest.GitHubClaims(iss.URL, f.srv.URL, f.clock.Now().Add(-time.Hour)), "exp", f.clock.Now().Add(-time.Hour).Unix()))
	body, _ = json.Marshal(map[string]string{"token": old})
	if status, out, _ := policyAPICall(t, f, nil, "POST", "/api/v2/policies/test", string(body), map[string]string{"X-NuGet-ApiKey": secret}); status != http.StatusOK ||
		out["tokenExpired"] != true || len(out["results"].([]any)) != 3 {
		t.Errorf("test with an expired token: %d %v", status, out)
	}
	// The token was not used up: it still buys a key.
	res, got := f.exchange(token, "alice")
	if res.StatusCode != http.StatusOK {
		t.Errorf("exchange after the test: %s %v", res.Status, got)
	}
	status, out, _ = policyAPICall(t, f, nil, "POST", "/api/v2/policies/test", `{"token":"not-a-jwt"}`, map[string]string{"X-NuGet-ApiKey": secret})
	if status != http.StatusBadRequest || !strings.Contains(out["error"].(string), "does not verify") {
		t.Errorf("test with a bad token: %d %v", status, out)
	}
}

func jsonID(p map[string]any) string {
	b, _ := json.Marshal(p["id"])
	return string(b)
}

// failingClaims lists a test result's failing checks as claim=want/got.
func failingClaims(r map[string]any) string {
	var out []string
	for _, c := range r["checks"].([]any) {
		ch := c.(map[string]any)
		if ch["ok"] != true {
			out = append(out, fmt.Sprintf("%s=%s/%s", ch["claim"], ch["want"], ch["got"]))
		}
	}
	return strings.Join(out, ",")
}
