package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestPolicyForgeProviders runs the real server trusting a Forgejo
// instance (issuer at /api/actions) and an Azure DevOps organisation
// (issuer at /ORG_ID), as WHARF_TRUSTED_ISSUERS names them: 'wharf policy
// add' creates a policy of each (refusing an Azure push policy without a
// branch, with a sentence), tokens in each system's claim shape exchange
// for keys that push over HTTP, the first use binds the immutable IDs so
// a re-created repository is refused, and 'wharf policy apply' takes both
// providers in its file.
func TestPolicyForgeProviders(t *testing.T) {
	t.Parallel()
	fj, az := trusttest.NewIssuerAt(t, "/api/actions"), trusttest.NewIssuerAt(t, "/"+trusttest.AzureOrgID)
	audience := "https://wharf.e2e.test"
	e := startWharfIn(t, "", "WHARF_TRUSTED_ISSUERS=forgejo="+fj.URL+",azure="+az.URL, "WHARF_OIDC_AUDIENCE="+audience)
	e.wharfOK(t, "user", "add", "alice")
	// The server runs on the wall clock, so its tokens do too.
	forgejo := func(kv ...any) string {
		return fj.Token(trusttest.With(trusttest.ForgejoClaims(fj.URL, audience, time.Now()), kv...))
	}
	azure := func(kv ...any) string {
		return az.Token(trusttest.With(trusttest.AzureClaims(az.URL, time.Now()), kv...))
	}

	e.wharfOK(t, "policy", "add", "--user", "alice", "--provider", "forgejo", "--repository", "contoso/sdk", "--workflow", ".forgejo/workflows/release.yml")
	status, res := e.exchangeHTTP(t, forgejo(), "alice")
	if status != http.StatusOK || res["apiKey"] == "" {
		t.Fatalf("Forgejo exchange: %d %v", status, res)
	}
	if code, reason := e.pushHTTP(t, res["apiKey"], nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}); code != http.StatusCreated {
		t.Fatalf("push with the Forgejo key: %d %s", code, reason)
	}
	if status, res := e.exchangeHTTP(t, forgejo("repository_id", "9999"), "alice"); status != http.StatusUnauthorized {
		t.Errorf("a re-created contoso/sdk (new ID) after binding: %d %v, want 401", status, res)
	}
	if status, res := e.exchangeHTTP(t, forgejo("workflow_ref", "contoso/sdk/.forgejo/workflows/ci.yml@refs/heads/main"), "alice"); status != http.StatusUnauthorized ||
		!strings.Contains(res["error"], "Workflow mismatch") {
		t.Errorf("another workflow: %d %v, want 401 with the mismatch", status, res)
	}

	add := []string{"policy", "add", "--user", "alice", "--provider", "azure", "--repository", "Contoso SDK/12"}
	if _, stderr, code := e.wharf(t, add...); code == 0 || !strings.Contains(stderr, "must name the branch it publishes from") {
		t.Errorf("an Azure push policy without --ref: exit %d, %s", code, stderr)
	}
	e.wharfOK(t, append(add, "--ref", "main")...)
	status, res = e.exchangeHTTP(t, azure(), "alice")
	if status != http.StatusOK || res["apiKey"] == "" {
		t.Fatalf("Azure exchange: %d %v", status, res)
	}
	// Its own package: a version of Contoso.Sdk from this other CI system
	// would be held by the provenance guard (TestE2EProvenanceGuard).
	if code, reason := e.pushHTTP(t, res["apiKey"], nugettest.Spec{ID: "Contoso.Pipelines", Version: "1.0.0"}); code != http.StatusCreated {
		t.Fatalf("push with the Azure key: %d %s", code, reason)
	}
	if status, res := e.exchangeHTTP(t, azure("rpo_id", "11111111-2222-3333-4444-555555555555"), "alice"); status != http.StatusUnauthorized {
		t.Errorf("pipeline 12 building another repository after binding: %d %v, want 401", status, res)
	}
	list, _ := e.wharfOK(t, "policy", "list", "--user", "alice")
	for _, want := range []string{"forgejo", "azure", "Contoso SDK/12", "active"} {
		if !strings.Contains(list, want) {
			t.Errorf("policy list lacks %q:\n%s", want, list)
		}
	}
	// The list names issuers; show gives the URL.
	for id, want := range map[string]string{"1": "forgejo (" + fj.URL + ")", "2": "azure (" + az.URL + ")"} {
		if show, _ := e.wharfOK(t, "policy", "show", id, "--user", "alice"); !strings.Contains(show, want) {
			t.Errorf("policy show %s lacks %q:\n%s", id, want, show)
		}
	}

	file := filepath.Join(t.TempDir(), "policies.yaml")
	if err := os.WriteFile(file, []byte(`policies:
  - name: nightly
    provider: azure
    repository: Contoso SDK/13
    ref: main
  - name: tools
    provider: forgejo
    repository: contoso/tools
    workflow: release.yml
`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := e.wharfOK(t, "policy", "apply", "-f", file, "--user", "alice")
	for _, want := range []string{"+ create    alice/nightly", "+ create    alice/tools"} {
		if !strings.Contains(out, want) {
			t.Errorf("apply's plan lacks %q:\n%s", want, out)
		}
	}
}
