package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestRefusalExplained: a refused exchange answers the CI job exactly as
// before, while the audit log records the policy that came closest and the
// claim that differed, for its owner and administrators only; and 'wharf
// policy test' explains a token claim by claim, expired or not, escaped,
// without printing it.
func TestRefusalExplained(t *testing.T) {
	t.Parallel()
	iss := trusttest.NewIssuer(t)
	audience := "https://wharf.e2e.test"
	e := startWharfIn(t, "", "WHARF_TRUSTED_ISSUERS=github="+iss.URL, "WHARF_OIDC_AUDIENCE="+audience)
	e.wharfOK(t, "user", "add", "alice")
	e.wharfOK(t, "user", "add", "bob")
	e.wharfOK(t, "user", "add", "root", "--admin")
	e.wharfOK(t, "policy", "add", "--user", "alice", "--name", "sdk-release", "--repository", "contoso/sdk", "--workflow", "release.yml", "--environment", "prod")
	e.wharfOK(t, "policy", "add", "--user", "alice", "--name", "web", "--repository", "contoso/web", "--workflow", "deploy.yml")
	e.wharfOK(t, "policy", "add", "--user", "bob", "--name", "bobs", "--repository", "bob/app", "--workflow", "release.yml")
	claims := func(kv ...any) map[string]any {
		c := trusttest.GitHubClaims(iss.URL, audience, time.Now())
		c["workflow_ref"] = "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.0.0"
		c["job_workflow_ref"], c["environment"] = c["workflow_ref"], "prod"
		return trusttest.With(c, kv...)
	}

	// contoso/sdk-samples is no policy's repository: the generic answer.
	stranger := iss.Token(claims("repository", "contoso/sdk-samples", "repository_id", "777"))
	status, res := e.exchangeHTTP(t, stranger, "alice")
	if status != http.StatusUnauthorized || res["error"] != "No matching trust policy owned by user 'alice' was found." {
		t.Fatalf("refused exchange: %d %v, want 401 and only the generic sentence", status, res)
	}
	for k, v := range res {
		if strings.Contains(v, "sdk-release") || strings.Contains(v, "repository") || (k != "error" && v != "") {
			t.Errorf("the refusal tells the caller %s=%q", k, v)
		}
	}
	audit := func(args ...string) string {
		out, _ := e.wharfOK(t, append([]string{"audit", "--event", "token.exchange", "--outcome", "rejected"}, args...)...)
		return out
	}
	want := "closest policy #1 'sdk-release' (1 of 10 checks failed): repository: wants 'contoso/sdk', token has 'contoso/sdk-samples'"
	for who, args := range map[string][]string{"the operator": nil, "admin root": {"--user", "root"}, "owner alice": {"--user", "alice"}} {
		if out := audit(args...); !strings.Contains(out, want) {
			t.Errorf("%s's audit log lacks the closest policy:\n%s", who, out)
		}
	}
	if out := audit("--user", "bob"); strings.Contains(out, "sdk-release") || strings.Contains(out, "contoso") {
		t.Errorf("bob reads alice's refusal:\n%s", out)
	}
	if out := audit("--user", "alice", "--json"); !strings.Contains(out, `"Closest":{"PolicyID":1`) || strings.Contains(out, stranger) ||
		strings.Contains(out, `"RemoteAddr":"127.0.0.1`) {
		t.Errorf("alice's JSON audit log: want the closest policy, without the token or the caller's address:\n%s", out)
	}
	if out := audit("--user", "alice", "--policy", "1"); !strings.Contains(out, want) {
		t.Errorf("--policy 1 does not find the refusal whose closest policy it is:\n%s", out)
	}

	dir := t.TempDir()
	file := func(name, token string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Run("policy test", func(t *testing.T) {
		token := iss.Token(claims("environment", "staging\x1b[2J"))
		out, _ := e.wharfOK(t, "policy", "test", "--user", "alice", "--token", file("staging.jwt", token))
		for _, w := range []string{
			"Policy 1 'sdk-release' for alice: does not match.",
			"Policy 2 'web' for alice: does not match.",
			`staging\x1b[2J`,
			"Environment mismatch for policy 'sdk-release'",
		} {
			if !strings.Contains(out, w) {
				t.Errorf("policy test output lacks %q:\n%s", w, out)
			}
		}
		if strings.Contains(out, "\x1b") || strings.Contains(out, token) || strings.Contains(out, "bobs") || strings.Contains(out, "EXPIRED") {
			t.Errorf("policy test output has a raw control, the token, bob's policy or a wrong expiry:\n%s", out)
		}
		envRow := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "environment") && envRow == "" {
				envRow = l
			}
		}
		if f := strings.Fields(envRow); len(f) < 4 || f[1] != "prod" || f[3] != "no" {
			t.Errorf("environment row %q: want prod, the token's value, no", envRow)
		}

		match, _ := e.wharfOK(t, "policy", "test", "--user", "alice", "--policy", "sdk-release", "--token", file("ok.jwt", iss.Token(claims())))
		if !strings.Contains(match, "Policy 1 'sdk-release' for alice: MATCHES, and this token would bind") || strings.Contains(match, "'web'") {
			t.Errorf("policy test of a matching token for one policy:\n%s", match)
		}
		old := iss.Token(claims("iat", time.Now().Add(-2*time.Hour).Unix(), "nbf", time.Now().Add(-2*time.Hour).Unix(), "exp", time.Now().Add(-time.Hour).Unix()))
		expired, _ := e.wharfOK(t, "policy", "test", "--user", "alice", "--policy", "1", "--token", file("old.jwt", old))
		if !strings.Contains(expired, "EXPIRED") || !strings.Contains(expired, "MATCHES") {
			t.Errorf("policy test of an expired token:\n%s", expired)
		}
		forged := trusttest.NewIssuer(t).Token(claims())
		if _, stderr, code := e.wharf(t, "policy", "test", "--user", "alice", "--token", file("forged.jwt", forged)); code == 0 || !strings.Contains(stderr, "invalid signature") {
			t.Errorf("a token signed by another key: exit %d, %s", code, stderr)
		}
		if _, stderr, code := e.wharf(t, "policy", "test", "--user", "alice", "--policy", "bobs", "--token", file("x.jwt", token)); code == 0 || !strings.Contains(stderr, "no trust policy 'bobs'") {
			t.Errorf("testing bob's policy as alice: exit %d, %s", code, stderr)
		}
		if _, stderr, code := e.wharf(t, "policy", "test", "--user", "alice", "--token", file("empty.jwt", "")); code == 0 || !strings.Contains(stderr, "is empty") {
			t.Errorf("an empty token file: exit %d, %s", code, stderr)
		}
	})
}
