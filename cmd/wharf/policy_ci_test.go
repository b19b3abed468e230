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

// TestPolicyCIKinds: a server trusting a Buildkite, a CircleCI and a
// generic OIDC issuer (WHARF_OIDC_CLAIMS naming its claims); "wharf policy
// add" creates a policy of each with --repository, --ref and --claim, each
// kind's job exchanges its token, and "policy apply" manages them from a
// file with claims, idempotently. The server runs on the wall clock, so
// the tokens do too.
func TestPolicyCIKinds(t *testing.T) {
	t.Parallel()
	bk, cc, gen := trusttest.NewIssuer(t), trusttest.CircleCIIssuer(t), trusttest.NewIssuer(t)
	audience := "https://wharf.e2e.test"
	e := startWharfIn(t, "", "WHARF_TRUSTED_ISSUERS=buildkite="+bk.URL+",circleci="+cc.URL+",oidc="+gen.URL,
		"WHARF_OIDC_CLAIMS="+gen.URL+"=repo,id:repo_id", "WHARF_OIDC_AUDIENCE="+audience)
	e.wharfOK(t, "user", "add", "alice")
	if _, stderr, code := e.wharf(t, "policy", "add", "--user", "alice", "--provider", "oidc", "--claim", "repository=contoso/sdk"); code == 0 ||
		!strings.Contains(stderr, "'repository' is not a claim oidc policies name: use repo.") {
		t.Errorf("a generic policy with a claim the operator did not name: exit %d, %s", code, stderr)
	}
	if _, stderr, code := e.wharf(t, "policy", "add", "--user", "alice", "--provider", "buildkite", "--claim", "branch"); code == 0 ||
		!strings.Contains(stderr, "is not KEY=VALUE") {
		t.Errorf("--claim without =: exit %d, %s", code, stderr)
	}
	e.wharfOK(t, "policy", "add", "--user", "alice", "--name", "bk", "--provider", "buildkite", "--repository", "acme-inc/sdk-release", "--ref", "main")
	e.wharfOK(t, "policy", "add", "--user", "alice", "--name", "cc", "--provider", "circleci", "--repository", trusttest.CircleCIProjectID,
		"--ref", "refs/heads/main", "--claim", "context="+trusttest.CircleCIContextID)
	e.wharfOK(t, "policy", "add", "--user", "alice", "--name", "gen", "--provider", "oidc", "--claim", "repo=contoso/sdk")
	now := time.Now()
	for name, token := range map[string]string{
		"buildkite": bk.Token(trusttest.BuildkiteClaims(bk.URL, audience, now)),
		"circleci":  cc.Token(trusttest.CircleCIClaims(cc.URL, audience, now)),
		"oidc": gen.Token(map[string]any{"iss": gen.URL, "aud": audience, "sub": "x", "jti": trusttest.JTI(), "iat": now.Unix(),
			"exp": now.Add(5 * time.Minute).Unix(), "repo": "contoso/sdk", "repo_id": "42"}),
	} {
		if status, res := e.exchangeHTTP(t, token, "alice"); status != http.StatusOK {
			t.Errorf("%s exchange: %d %v", name, status, res)
		}
	}
	list, _ := e.wharfOK(t, "policy", "list", "--user", "alice")
	for _, want := range []string{"acme-inc/sdk-release", trusttest.CircleCIProjectID, "repo=contoso/sdk"} {
		if !strings.Contains(list, want) {
			t.Errorf("policy list lacks %q:\n%s", want, list)
		}
	}

	file := filepath.Join(t.TempDir(), "policies.yaml")
	if err := os.WriteFile(file, []byte(`policies:
  - name: bk
    provider: buildkite
    repository: acme-inc/sdk-release
    claims: {branch: release/*}
  - name: cc
    provider: circleci
    repository: `+trusttest.CircleCIProjectID+`
    ref: refs/heads/main
    claims: {context: `+trusttest.CircleCIContextID+`}
  - name: gen
    provider: oidc
    claims: {repo: contoso/sdk}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := e.wharfOK(t, "policy", "apply", "-f", file, "--user", "alice")
	if !strings.Contains(out, `~ update    alice/bk (ID 1): claims: "organization_slug=acme-inc,pipeline_slug=sdk-release,build_branch=main" → "organization_slug=acme-inc,pipeline_slug=sdk-release,build_branch=release/*"`) ||
		!strings.Contains(out, "0 to create, 1 to update, 0 to delete, 2 unchanged.") {
		t.Errorf("apply's plan:\n%s", out)
	}
	if out, _ := e.wharfOK(t, "policy", "apply", "-f", file, "--user", "alice"); !strings.Contains(out, "Nothing to change.") {
		t.Errorf("applying the same file again:\n%s", out)
	}
}
