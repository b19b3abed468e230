// End-to-end trusted publishing: the real wharf binary trusts a test OIDC
// issuer on 127.0.0.1; the test plays GitHub's runner and performs the token
// exchange exactly as the NuGet/login@v1 action does, then pushes with
// NuGet.exe using the minted key.
package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// loginAction does what NuGet/login@v1 does: fetch an ID token from the
// runner for the audience, post it to the token service, return the key.
func loginAction(t *testing.T, requestURL, requestToken, serviceURL, audience, user string) (int, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, requestURL+"&audience="+url.QueryEscape(audience), nil)
	req.Header.Set("Authorization", "Bearer "+requestToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("runner token request: %v", err)
	}
	var idt struct{ Value string }
	json.NewDecoder(res.Body).Decode(&idt)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || idt.Value == "" {
		t.Fatalf("runner token request: %s", res.Status)
	}
	body, _ := json.Marshal(map[string]string{"username": user, "tokenType": "ApiKey"})
	req, _ = http.NewRequest(http.MethodPost, serviceURL, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+idt.Value)
	req.Header.Set("User-Agent", "nuget/login-action")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("token exchange: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := map[string]string{}
	json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func TestE2ETrustedPublishing(t *testing.T) {
	t.Parallel()
	iss := trusttest.NewIssuer(t)
	audience := "https://wharf.e2e.test"
	e := newE2EWith(t, []string{"WHARF_TRUSTED_ISSUERS=github=" + iss.URL, "WHARF_OIDC_AUDIENCE=" + audience})
	workflow := "release.yml"
	requestURL, requestToken := trusttest.NewActionsRunner(t, iss, func(aud string) map[string]any {
		c := trusttest.GitHubClaims(iss.URL, aud, time.Now())
		c["workflow_ref"] = "contoso/sdk/.github/workflows/" + workflow + "@refs/tags/v1.0.0"
		c["job_workflow_ref"] = c["workflow_ref"]
		return c
	})
	e.wharfOK(t, "user", "add", "alice")
	e.wharfOK(t, "org", "add", "contoso", "--admin", "alice")
	stdout, _ := e.wharfOK(t, "policy", "add", "--user", "alice", "--owner", "contoso", "--provider", "github",
		"--repository", "contoso/sdk", "--workflow", ".github/workflows/release.yml", "--environment", "prod", "--package", "Contoso.*")
	policyID := strings.TrimSpace(stdout)
	if out, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(out, "pending, 7 days left") {
		t.Fatalf("new policy is not pending:\n%s", out)
	}

	var key string
	t.Run("exchange as the action does", func(t *testing.T) {
		status, out := loginAction(t, requestURL, requestToken, e.base+"/api/v2/token", audience, "alice")
		if status != http.StatusOK || !strings.HasPrefix(out["apiKey"], "wharf_tp_") || out["tokenType"] != "ApiKey" {
			t.Fatalf("exchange: %d %v", status, out)
		}
		key = out["apiKey"]
		if out, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(out, " active") || strings.Contains(out, "pending") {
			t.Errorf("policy not active after first use:\n%s", out)
		}
	})
	t.Run("NuGet.exe pushes with the minted key", func(t *testing.T) {
		nupkg := e.pack(t, pkg{ID: "Contoso.Sdk", Version: "1.0.0"})
		e.pushOK(t, nupkg, key)
		var prov map[string]any
		if status := e.getJSON(t, e.base+"/v3/provenance/contoso.sdk/1.0.0.json", &prov); status != http.StatusOK || prov["repository"] != "contoso/sdk" || prov["environment"] != "prod" {
			t.Errorf("provenance: %d %v", status, prov)
		}
		other := e.pack(t, pkg{ID: "Fabrikam.Lib", Version: "1.0.0"})
		if out := e.pushFails(t, other, key, "403"); !strings.Contains(out, "Contoso.*") {
			t.Errorf("push outside the policy's globs should name them:\n%s", out)
		}
	})
	t.Run("wrong workflow is refused with the reason", func(t *testing.T) {
		workflow = "ci.yml"
		defer func() { workflow = "release.yml" }()
		status, out := loginAction(t, requestURL, requestToken, e.base+"/api/v2/token", audience, "alice")
		if status != http.StatusUnauthorized || !strings.Contains(out["error"], "Workflow mismatch for policy") {
			t.Errorf("wrong workflow: %d %v", status, out)
		}
	})
	t.Run("updating the policy revokes its keys and keeps the binding", func(t *testing.T) {
		status, out := loginAction(t, requestURL, requestToken, e.base+"/api/v2/token", audience, "alice")
		if status != http.StatusOK {
			t.Fatalf("exchange: %d %v", status, out)
		}
		e.wharfOK(t, "policy", "update", policyID, "--user", "alice", "--provider", "github",
			"--repository", "contoso/sdk", "--workflow", "release.yml", "--environment", "prod", "--package", "Contoso.*", "--package", "Fabrikam.*")
		nupkg := e.pack(t, pkg{ID: "Fabrikam.Lib", Version: "1.0.0"})
		e.pushFails(t, nupkg, out["apiKey"], "401")
		if list, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(list, " active") || !strings.Contains(list, "Fabrikam.*") {
			t.Errorf("after the update:\n%s", list)
		}
		status, out = loginAction(t, requestURL, requestToken, e.base+"/api/v2/token", audience, "alice")
		if status != http.StatusOK {
			t.Fatalf("exchange after the update: %d %v", status, out)
		}
		e.pushOK(t, nupkg, out["apiKey"])
	})
	t.Run("deleting the policy revokes its keys", func(t *testing.T) {
		e.wharfOK(t, "policy", "remove", policyID, "--user", "alice")
		nupkg := e.pack(t, pkg{ID: "Contoso.Sdk", Version: "1.0.1"})
		e.pushFails(t, nupkg, key, "401")
	})
	t.Run("the audit log has the exchanges, never the token", func(t *testing.T) {
		out, _ := e.wharfOK(t, "audit", "--json")
		for _, want := range []string{`"Kind":"token.exchange"`, `"Outcome":"accepted"`, `"Outcome":"rejected"`, `"Kind":"policy.bind"`, `"Kind":"policy.update"`, `"Kind":"policy.delete"`} {
			if !strings.Contains(out, want) {
				t.Errorf("audit log lacks %s", want)
			}
		}
		if strings.Contains(out, key) || strings.Contains(out, "eyJ") {
			t.Error("the audit log contains a key or a raw token")
		}
	})
}
