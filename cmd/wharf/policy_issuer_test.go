package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestPolicyUpdateKeepsIssuer: the server trusts two GitHub issuers (as
// github.com and a GitHub Enterprise Server). "wharf policy update"
// without --issuer keeps the policy on its issuer with its binding, so a
// stranger's repository of the same name on the other issuer is refused;
// a change of repository needs --rebind; "policy list" shows the issuer.
func TestPolicyUpdateKeepsIssuer(t *testing.T) {
	t.Parallel()
	first, second := trusttest.NewIssuer(t), trusttest.NewIssuer(t)
	audience := "https://wharf.e2e.test"
	e := startWharfIn(t, "", "WHARF_TRUSTED_ISSUERS=github="+first.URL+",ghes=github:"+second.URL, "WHARF_OIDC_AUDIENCE="+audience)
	token := func(iss *trusttest.Issuer, env, ownerID, repoID string) string {
		return iss.Token(trusttest.With(trusttest.GitHubClaims(iss.URL, audience, time.Now()),
			"environment", env, "sub", "repo:contoso/sdk:environment:"+env, "repository_owner_id", ownerID, "repository_id", repoID))
	}
	e.wharfOK(t, "user", "add", "alice")
	if _, stderr, code := e.wharf(t, "policy", "add", "--user", "alice", "--repository", "contoso/lib", "--workflow", "release.yml"); code == 0 ||
		!strings.Contains(stderr, "several github issuers") {
		t.Errorf("policy add without --issuer of two: exit %d, %s", code, stderr)
	}
	out, _ := e.wharfOK(t, "policy", "add", "--user", "alice", "--issuer", "ghes", "--repository", "contoso/sdk",
		"--workflow", "release.yml", "--environment", "prod")
	id := strings.TrimSpace(out)
	if status, res := e.exchangeHTTP(t, token(second, "prod", "654321", "123456"), "alice"); status != http.StatusOK {
		t.Fatalf("binding exchange: %d %v", status, res)
	}
	e.wharfOK(t, "policy", "update", id, "--user", "alice", "--repository", "contoso/sdk", "--workflow", "release.yml", "--environment", "release")
	if status, res := e.exchangeHTTP(t, token(first, "release", "999", "888"), "alice"); status != http.StatusUnauthorized {
		t.Errorf("a stranger's contoso/sdk on the other issuer after an update without --issuer: %d %v, want 401", status, res)
	}
	if status, res := e.exchangeHTTP(t, token(second, "release", "654321", "123456"), "alice"); status != http.StatusOK {
		t.Errorf("alice's own job after the update: %d %v", status, res)
	}
	if list, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(list, "ISSUER") || !strings.Contains(list, "ghes") {
		t.Errorf("policy list does not show the issuer:\n%s", list)
	}
	move := []string{"policy", "update", id, "--user", "alice", "--repository", "contoso/other", "--workflow", "release.yml"}
	if _, stderr, code := e.wharf(t, move...); code == 0 || !strings.Contains(stderr, "--rebind") {
		t.Errorf("moving the policy to another repository without --rebind: exit %d, %s", code, stderr)
	}
	e.wharfOK(t, append(move, "--rebind")...)
	if list, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(list, "contoso/other") || !strings.Contains(list, "pending") {
		t.Errorf("after a confirmed move:\n%s", list)
	}
}
