package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestPolicyAPIForgeProviders: the JSON API creates an Azure Pipelines
// policy (active at once with its project and repository IDs) and reads
// it back in the shape it was written; invalid Azure and Forgejo bodies get
// 400 with the sentence the form shows, and create nothing.
func TestPolicyAPIForgeProviders(t *testing.T) {
	iss := trusttest.NewIssuerAt(t, "/"+trusttest.AzureOrgID)
	f := newUIFeed(t, uiConfig{issuer: iss, provider: trust.Azure})
	alice := f.signedIn(t, "alice")
	_, _, h := policyAPICall(t, f, alice, "GET", "/api/v2/policies", "", nil)
	csrf := map[string]string{"X-CSRF-Token": h.Get("X-CSRF-Token")}
	for body, want := range map[string]string{
		`{"provider":"azure","repository":"Contoso SDK/12"}`:                                                           "must name the branch it publishes from",
		`{"provider":"azure","repository":"Contoso SDK/12","ref":"main","workflow":"release.yml"}`:                     "Workflows apply to GitHub and Forgejo policies",
		`{"provider":"azure","repository":"Contoso SDK/12","ref":"main","ownerId":"` + trusttest.AzureProjectID + `"}`: "Give both the project ID and the repository ID",
		`{"provider":"forgejo","repository":"contoso/sdk","workflow":"release.yml"}`:                                   "This server trusts no forgejo issuer",
	} {
		status, out, _ := policyAPICall(t, f, alice, "POST", "/api/v2/policies", body, csrf)
		if msg, _ := out["error"].(string); status != http.StatusBadRequest || !strings.Contains(msg, want) {
			t.Errorf("POST %s: %d %v, want 400 with %q", body, status, out, want)
		}
	}
	if n := policyCount(t, f, "alice"); n != 0 {
		t.Fatalf("refused creates left %d policies", n)
	}
	body := `{"provider":"azure","repository":"Contoso SDK/12","ref":"refs/heads/main","ownerId":"` + trusttest.AzureProjectID + `","repositoryId":"` + trusttest.AzureRepoID + `"}`
	status, p, hdr := policyAPICall(t, f, alice, "POST", "/api/v2/policies", body, csrf)
	if status != http.StatusCreated || p["status"] != "active" || p["provider"] != "azure" || p["issuer"] != "azure" || p["issuerUrl"] != iss.URL ||
		p["repository"] != "Contoso SDK/12" || p["ref"] != "main" || p["ownerId"] != trusttest.AzureProjectID {
		t.Fatalf("create: %d %v", status, p)
	}
	if status, got, _ := policyAPICall(t, f, alice, "GET", hdr.Get("Location"), "", nil); status != http.StatusOK || got["repositoryId"] != trusttest.AzureRepoID {
		t.Errorf("read back: %d %v", status, got)
	}
}

// TestPolicyAPIForgejoFields: a Forgejo policy takes its workflow as
// .forgejo/workflows/FILE or FILE and stores the file name; what Forgejo
// tokens cannot prove (an environment, a reusable workflow) is refused
// with a sentence, as is a push policy without a workflow.
func TestPolicyAPIForgejoFields(t *testing.T) {
	iss := trusttest.NewIssuerAt(t, "/api/actions")
	f := newUIFeed(t, uiConfig{issuer: iss, provider: trust.Forgejo})
	alice := f.signedIn(t, "alice")
	_, _, h := policyAPICall(t, f, alice, "GET", "/api/v2/policies", "", nil)
	csrf := map[string]string{"X-CSRF-Token": h.Get("X-CSRF-Token")}
	for body, want := range map[string]string{
		`{"provider":"forgejo","repository":"contoso/sdk","workflow":"release.yml","environment":"prod"}`:                             "Forgejo Actions tokens name no environment",
		`{"provider":"forgejo","repository":"contoso/sdk","workflow":"release.yml","reusableWorkflow":"a/b/.github/workflows/c.yml"}`: "name no reusable workflow",
		`{"provider":"forgejo","repository":"contoso/dotnet/sdk","workflow":"release.yml"}`:                                           "is not a Forgejo repository: write it as owner/repository",
		`{"provider":"forgejo","repository":"contoso/sdk"}`:                                                                           "The Forgejo Actions workflow file is required",
		`{"provider":"forgejo","repository":"contoso/sdk","workflow":"ci/release.yml"}`:                                               "is not in .forgejo/workflows",
		`{"provider":"forgejo","repository":"contoso/*","workflow":""}`:                                                               "must name the workflow file",
	} {
		status, out, _ := policyAPICall(t, f, alice, "POST", "/api/v2/policies", body, csrf)
		if msg, _ := out["error"].(string); status != http.StatusBadRequest || !strings.Contains(msg, want) {
			t.Errorf("POST %s: %d %v, want 400 with %q", body, status, out, want)
		}
	}
	status, p, _ := policyAPICall(t, f, alice, "POST", "/api/v2/policies", `{"provider":"forgejo","repository":"contoso/sdk","workflow":"./.forgejo/workflows/release.yml"}`, csrf)
	if status != http.StatusCreated || p["workflow"] != "release.yml" || p["status"] != "pending" || p["issuer"] != "forgejo" || p["issuerUrl"] != iss.URL {
		t.Errorf("create: %d %v", status, p)
	}
}
