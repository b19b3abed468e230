package trust_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// forgeEnv is a test issuer at path (Forgejo's /api/actions, Azure
// DevOps' /ORG_ID) and a verifier that trusts it as provider, on the
// test epoch.
func forgeEnv(t *testing.T, provider trust.Provider, path string) *env {
	t.Helper()
	iss := trusttest.NewIssuerAt(t, path)
	c := trusttest.NewClock(trusttest.Epoch())
	v, err := trust.NewVerifier(trust.VerifierOptions{
		Issuers:  []trust.Issuer{{URL: iss.URL, Provider: provider, Name: "test"}},
		Audience: audience, Now: c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{iss: iss, v: v, clock: c}
}

func TestVerifyForgejo(t *testing.T) {
	e := forgeEnv(t, trust.Forgejo, "/api/actions")
	claims := trusttest.ForgejoClaims(e.iss.URL, audience, e.clock.Now())
	tok := e.iss.Token(claims)
	c := e.mustVerify(t, tok)
	if c.Provider != trust.Forgejo || c.RepoOwner != "contoso" || c.RepoOwnerID != "1717" ||
		c.Repository != "contoso/sdk" || c.RepositoryID != "2323" || c.Workflow != "release.yml" ||
		c.WorkflowRef != "contoso/sdk/.forgejo/workflows/release.yml@refs/tags/v1.2.3" || c.EventName != "push" {
		t.Fatalf("claims = %+v", c)
	}
	if !strings.HasPrefix(c.JTI, "forgejo-sha256:") {
		t.Fatalf("JTI = %q, want a digest of the payload (Forgejo sets no jti)", c.JTI)
	}
	if again := e.mustVerify(t, tok); again.JTI != c.JTI {
		t.Fatalf("the same token gave two replay keys: %q, %q", c.JTI, again.JTI)
	}
	claims["run_attempt"] = "2"
	if other := e.mustVerify(t, e.iss.Token(claims)); other.JTI == c.JTI {
		t.Fatal("two different tokens share a replay key")
	}
	claims["jti"] = "abc"
	if c := e.mustVerify(t, e.iss.Token(claims)); c.JTI != "abc" {
		t.Fatalf("a Forgejo token's own jti is kept: got %q", c.JTI)
	}

	// Forgejo before PR #12355 has no immutable IDs: refused.
	for _, name := range []string{"repository_owner_id", "repository_id"} {
		old := trusttest.ForgejoClaims(e.iss.URL, audience, e.clock.Now())
		delete(old, name)
		_, err := e.verify(t, e.iss.Token(old))
		wantReject(t, err, "The JSON web token must have a "+name+" claim.")
	}
	wrongAud := trusttest.ForgejoClaims(e.iss.URL, trust.AzureDevOpsAudience, e.clock.Now())
	_, err := e.verify(t, e.iss.Token(wrongAud))
	wantReject(t, err, "The JSON web token has an incorrect audience.")
}

func TestVerifyAzure(t *testing.T) {
	e := forgeEnv(t, trust.Azure, "/"+trusttest.AzureOrgID)
	claims := trusttest.AzureClaims(e.iss.URL, e.clock.Now())
	c := e.mustVerify(t, e.iss.Token(claims))
	if c.Provider != trust.Azure || c.OrganizationID != trusttest.AzureOrgID || c.RepoOwner != "Contoso SDK" ||
		c.RepoOwnerID != trusttest.AzureProjectID || c.Repository != "Contoso SDK/12" || c.DefinitionID != "12" ||
		c.RepositoryID != trusttest.AzureRepoID || c.Ref != "refs/heads/main" || c.SHA != trusttest.SHA || c.RunID != "57" {
		t.Fatalf("claims = %+v", c)
	}

	// The audience is Azure DevOps' fixed one, never Wharf's.
	claims["aud"] = audience
	_, err := e.verify(t, e.iss.Token(claims))
	wantReject(t, err, "The JSON web token has an incorrect audience.")

	for name, tc := range map[string]struct {
		set  func(map[string]any)
		want string
	}{
		"another organisation": {func(m map[string]any) { m["org_id"] = "11111111-2222-3333-4444-555555555555" },
			"The JSON web token's org_id claim is not the organisation of its issuer " + e.iss.URL + "."},
		"service connection token": {func(m map[string]any) { m["sub"] = "sc://contoso/Contoso SDK/nuget" },
			"The JSON web token's sub claim is not an Azure Pipelines subject (p://organisation/project/pipeline)."},
		"no definition":  {func(m map[string]any) { delete(m, "def_id") }, "The JSON web token must have a def_id claim."},
		"no repository":  {func(m map[string]any) { delete(m, "rpo_id") }, "The JSON web token must have a rpo_id claim."},
		"no ref":         {func(m map[string]any) { delete(m, "rpo_ref") }, "The JSON web token must have a rpo_ref claim."},
		"no project":     {func(m map[string]any) { delete(m, "prj_id") }, "The JSON web token must have a prj_id claim."},
		"no jti":         {func(m map[string]any) { delete(m, "jti") }, "The JSON web token must have a jti claim."},
		"org ID as list": {func(m map[string]any) { m["org_id"] = []string{trusttest.AzureOrgID} }, "The JSON web token's org_id claim must be a string."},
	} {
		t.Run(name, func(t *testing.T) {
			m := trusttest.AzureClaims(e.iss.URL, e.clock.Now())
			tc.set(m)
			_, err := e.v.Verify(context.Background(), e.iss.Token(m))
			wantReject(t, err, tc.want)
		})
	}
}

func TestParseIssuersForgeKinds(t *testing.T) {
	got, err := trust.ParseIssuers("forgejo, self=forgejo:https://git.example.com/api/actions, azure=https://vstoken.dev.azure.com/" + trusttest.AzureOrgID)
	if err != nil {
		t.Fatal(err)
	}
	want := []trust.Issuer{
		{Name: "forgejo", Kind: "forgejo", URL: trust.CodebergIssuer, Provider: trust.Forgejo, Title: "Codeberg (Forgejo Actions)"},
		{Name: "self", Kind: "forgejo", URL: "https://git.example.com/api/actions", Provider: trust.Forgejo, Title: "Forgejo Actions (git.example.com)"},
		{Name: "azure", Kind: "azure", URL: "https://vstoken.dev.azure.com/" + trusttest.AzureOrgID, Provider: trust.Azure, Title: "Azure Pipelines (organisation " + trusttest.AzureOrgID + ")"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("issuer %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for in, msg := range map[string]string{
		"forgejo=https://git.example.com": "followed by /api/actions",
		"azure":                           "an Azure Pipelines issuer is https://vstoken.dev.azure.com/ORGANISATION_ID",
		"azure=https://vstoken.dev.azure.com/contoso":        "the organisation's ID (a GUID",
		"azure=https://evil.example/" + trusttest.AzureOrgID: "an Azure Pipelines issuer is",
	} {
		if _, err := trust.ParseIssuers(in); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseIssuers(%q) = %v, want an error with %q", in, err, msg)
		}
	}
}
