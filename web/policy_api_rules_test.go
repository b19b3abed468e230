package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestPolicyAPIClaimRules: the JSON API creates, reads and updates
// Buildkite, CircleCI and generic OIDC policies with "claims" by field
// key, and refuses a wrong claim with the form's sentence.
func TestPolicyAPIClaimRules(t *testing.T) {
	u := newRuleUI(t)
	secret, _, err := u.reg.CreateKey(context.Background(), registry.NewKey{User: "alice", Scopes: feeds.ScopeManage})
	if err != nil {
		t.Fatal(err)
	}
	manage := map[string]string{"X-NuGet-ApiKey": secret}
	status, p, _ := policyAPICall(t, u.uiFeed, nil, "POST", "/api/v2/policies",
		`{"name":"bk","provider":"buildkite","repository":"acme-inc/sdk-release","claims":{"branch":"main"},"packages":["Acme.*"]}`, manage)
	claims, _ := p["claims"].(map[string]any)
	if status != http.StatusCreated || p["status"] != "pending" || claims["organization"] != "acme-inc" || claims["pipeline"] != "sdk-release" ||
		claims["branch"] != "main" || len(p["bindClaims"].([]any)) != 2 {
		t.Fatalf("create a Buildkite policy: %d %v", status, p)
	}
	loc := "/api/v2/policies/" + jsonID(p)
	status, p, _ = policyAPICall(t, u.uiFeed, nil, "PUT", loc, `{"name":"bk","provider":"buildkite","claims":{"organization":"acme-inc","pipeline":"sdk-release","branch":"release/*"}}`, manage)
	if status != http.StatusOK || p["claims"].(map[string]any)["branch"] != "release/*" {
		t.Fatalf("update the branch: %d %v", status, p)
	}
	status, p, _ = policyAPICall(t, u.uiFeed, nil, "POST", "/api/v2/policies", `{"name":"gen","provider":"oidc","claims":{"repo":"contoso/sdk","ref":"refs/heads/main"}}`, manage)
	if status != http.StatusCreated || p["claims"].(map[string]any)["ref"] != "refs/heads/main" || p["repository"] != "" {
		t.Fatalf("create a generic policy: %d %v", status, p)
	}
	// What GET answers can be PUT back as it is.
	genLoc := "/api/v2/policies/" + jsonID(p)
	_, got, _ := policyAPICall(t, u.uiFeed, nil, "GET", genLoc, "", manage)
	body, _ := json.Marshal(map[string]any{"name": got["name"], "provider": got["provider"], "issuer": got["issuer"], "repository": got["repository"],
		"claims": got["claims"], "packages": got["packages"]})
	if status, out, _ := policyAPICall(t, u.uiFeed, nil, "PUT", genLoc, string(body), manage); status != http.StatusOK {
		t.Errorf("PUT back what GET answered: %d %v", status, out)
	}
	for body, want := range map[string]string{
		`{"name":"x","provider":"oidc","claims":{"repo":"contoso/sdk"}}`:                                              "The claim ref is required",
		`{"name":"x","provider":"oidc","claims":{"repo":"a","ref":"b","sub":"c"}}`:                                    "'sub' is not a claim oidc policies name: use repo, ref.",
		`{"name":"x","provider":"buildkite","repository":"acme-inc/sdk","workflow":"release.yml"}`:                    "apply to GitHub and GitLab policies only",
		`{"name":"x","provider":"circleci","repository":"c0ffee00-1234-4abc-8def-001122334455","claims":{"ref":"*"}}`: "matches everything",
	} {
		status, out, _ := policyAPICall(t, u.uiFeed, nil, "POST", "/api/v2/policies", body, manage)
		if status != http.StatusBadRequest || !strings.Contains(out["error"].(string), want) {
			t.Errorf("POST %s: %d %v, want 400 %q", body, status, out, want)
		}
	}
	if n := len(u.policies("alice")); n != 2 {
		t.Errorf("refused bodies left %d policies, want 2", n)
	}
}
