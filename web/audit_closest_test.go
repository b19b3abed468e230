package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestRefusalClosestPolicy: a refused exchange over HTTP answers the CI
// job exactly as before; the audit log records the policy that came
// closest and the claim that differed; its owner reads it on the
// trusted publishing log, an administrator on the audit log, another
// user nowhere.
func TestRefusalClosestPolicy(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	f := newUIFeed(t, uiConfig{issuer: iss})
	ctx := context.Background()
	if _, err := f.reg.AddUser(ctx, registry.NewUser{Name: "root", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	f.addUser("alice")
	f.addUser("bob")
	for _, req := range []registry.NewPolicy{
		{User: "alice", Name: "sdk-release", Provider: "github", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"},
		{User: "alice", Name: "web", Provider: "github", Repository: "contoso/web", Workflow: "deploy.yml"},
		{User: "bob", Name: "bobs", Provider: "github", Repository: "bob/app", Workflow: "release.yml"},
	} {
		if _, err := f.reg.CreatePolicy(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	claims := trusttest.With(trusttest.GitHubClaims(iss.URL, f.srv.URL, f.clock.Now()),
		"repository", "contoso/sdk-samples", "repository_id", "777", "environment", "prod")
	token := iss.Token(claims)
	res, got := f.exchange(token, "alice")
	if res.StatusCode != http.StatusUnauthorized || len(got) != 1 || got["error"] != "No matching trust policy owned by user 'alice' was found." {
		t.Fatalf("refused exchange: %s %v, want 401 with the generic sentence only", res.Status, got)
	}
	es, _, err := f.reg.AuditSearch(ctx, registry.AuditQuery{Event: "token.exchange", Outcome: "rejected"})
	if err != nil || len(es) != 1 || es[0].Closest == nil {
		t.Fatalf("audit: %v %+v", err, es)
	}
	cl := es[0].Closest
	if cl.Policy != "sdk-release" || len(cl.Failing) != 1 || cl.Failing[0].Claim != "repository" ||
		cl.Failing[0].Want != "contoso/sdk" || cl.Failing[0].Got != "contoso/sdk-samples" {
		t.Errorf("closest policy: %+v", cl)
	}
	const want = "repository: wants 'contoso/sdk', token has 'contoso/sdk-samples'"
	for _, tc := range []struct {
		who, path string
		sees      bool
		status    int
	}{
		{"alice", "/account/audit", true, http.StatusOK},
		{"alice", "/account/audit?policy=1", true, http.StatusOK},
		{"bob", "/account/audit", false, http.StatusOK},
		{"bob", "/account/audit?policy=1", false, http.StatusOK},
		{"root", "/admin/audit", true, http.StatusOK},
		{"root", "/account/audit", true, http.StatusOK},
		{"alice", "/admin/audit", false, http.StatusForbidden},
		// An owner's page does not tell a user name that exists from one
		// that does not: both are pages without events.
		{"bob", "/account/audit?actor=alice", false, http.StatusOK},
		{"bob", "/account/audit?actor=nobody-at-all", false, http.StatusOK},
		{"root", "/admin/audit?actor=nobody-at-all", false, http.StatusNotFound},
	} {
		p := f.signedIn(t, tc.who).get(tc.path)
		closest := p.testIDText("audit-closest")
		if p.res.StatusCode != tc.status || strings.Contains(closest, want) != tc.sees || strings.Contains(p.body, token) {
			t.Errorf("%s GET %s: %s, closest %q; want %d, seen %v, never the token", tc.who, tc.path, p.res.Status, closest, tc.status, tc.sees)
		}
		if tc.who == "alice" && tc.status == http.StatusOK && strings.Contains(p.body, "127.0.0.1") {
			t.Errorf("alice's log shows the caller's address")
		}
	}
}

// TestTokenTestBox: the Trusted Publishing page's "test a token" box
// explains a pasted token claim by claim for each of the user's policies,
// escaped, without putting the token back into the page or using it up;
// it needs the form token, and says what is wrong with a bad paste.
func TestTokenTestBox(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	f := newUIFeed(t, uiConfig{issuer: iss})
	ctx := context.Background()
	f.addUser("alice")
	if _, err := f.reg.CreatePolicy(ctx, registry.NewPolicy{User: "alice", Name: "sdk-release", Provider: "github",
		Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"}); err != nil {
		t.Fatal(err)
	}
	b := f.signedIn(t, "alice")
	page := b.get("/account/trusted-publishing")
	if len(page.byTestID("token-test-form")) != 1 {
		t.Fatal("the page has no test box")
	}
	claims := trusttest.With(trusttest.GitHubClaims(iss.URL, f.srv.URL, f.clock.Now()), "environment", "staging<b>\u202e")
	token := iss.Token(claims)
	p := b.postWith("/account/trusted-publishing/test", url.Values{"_csrf": {page.csrf()}, "token": {token}}.Encode(), nil)
	if p.res.StatusCode != http.StatusOK || len(p.byTestID("token-test-checks")) != 1 {
		t.Fatalf("test: %s\n%s", p.res.Status, p.body)
	}
	if strings.Contains(p.body, token) || strings.Contains(p.body, strings.Split(token, ".")[2]) || strings.Contains(p.body, "\u202e") {
		t.Error("the page echoes the token or a raw control")
	}
	if ta := findAll(p.doc, func(n *html.Node) bool { return n.Data == "textarea" }); len(ta) != 1 || textOf(ta[0]) != "" {
		t.Error("the textarea is not empty after the test")
	}
	env := findAll(p.doc, func(n *html.Node) bool { return attr(n, "data-claim") == "environment" })
	if len(env) != 1 || attr(env[0], "data-ok") != "false" || !strings.Contains(textOf(env[0]), `staging<b>\u202e`) ||
		!strings.Contains(textOf(env[0]), "prod") {
		t.Errorf("environment row: %v", func() string {
			if len(env) == 1 {
				return textOf(env[0])
			}
			return "missing"
		}())
	}
	if v := p.testIDText("token-test-policy"); !strings.Contains(v, "sdk-release") || !strings.Contains(v, "does not match") {
		t.Errorf("verdict: %q", v)
	}
	// Not used up: the same token still reaches the exchange (refused for
	// its environment, not as a replay).
	if res, got := f.exchange(token, "alice"); res.StatusCode != http.StatusUnauthorized || !strings.Contains(got["error"], "Environment mismatch") {
		t.Errorf("exchange after the test: %s %v", res.Status, got)
	}
	for name, tc := range map[string]struct {
		form   url.Values
		status int
		says   string
	}{
		"empty":     {url.Values{"_csrf": {page.csrf()}, "token": {"  "}}, http.StatusBadRequest, "OIDC token (three parts joined by dots)"},
		"not a JWT": {url.Values{"_csrf": {page.csrf()}, "token": {"hello"}}, http.StatusBadRequest, "does not verify"},
		"no CSRF":   {url.Values{"token": {token}}, http.StatusForbidden, "This form expired"},
		"other key": {url.Values{"_csrf": {page.csrf()}, "token": {trusttest.NewIssuer(t).Token(claims)}}, http.StatusBadRequest, "invalid signature"},
	} {
		p := b.postWith("/account/trusted-publishing/test", tc.form.Encode(), nil)
		if p.res.StatusCode != tc.status || !strings.Contains(p.body, tc.says) {
			t.Errorf("%s: %s, want %d saying %q", name, p.res.Status, tc.status, tc.says)
		}
	}
	if strings.Contains(f.log.String(), strings.Split(token, ".")[1]) {
		t.Error("the server logged the token")
	}
}
