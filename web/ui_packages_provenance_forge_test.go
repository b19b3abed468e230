package web

import (
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TestProvenanceForge: Forgejo provenance links the repository and commit
// on the instance (Codeberg or self-hosted, over https, with the issuer's
// /api/actions shape) and names the workflow file; Azure Pipelines
// provenance names the CI and links nothing (its repository is a
// project/definition pair, not a web path).
func TestProvenanceForge(t *testing.T) {
	fj := registry.Provenance{Provider: "forgejo", Issuer: trust.CodebergIssuer, Repository: "contoso/sdk", Workflow: "release.yml",
		WorkflowRef: "contoso/sdk/.forgejo/workflows/release.yml@refs/tags/v1.2.3", Commit: testSHA, Ref: "refs/tags/v1.2.3", RunID: "4711", Event: "push"}
	v := provenanceView(&fj, "")
	if v.CI != "Forgejo Actions" || v.Repository.URL != "https://codeberg.org/contoso/sdk" ||
		v.Commit.URL != "https://codeberg.org/contoso/sdk/commit/"+testSHA || v.Workflow.Text != "release.yml (.forgejo/workflows/release.yml)" {
		t.Errorf("Codeberg provenance = %+v", v)
	}
	fj.Issuer = "https://git.example.com/forgejo"
	if v := provenanceView(&fj, ""); v.Repository.URL != "" || v.Commit.URL != "" {
		t.Errorf("an issuer without Forgejo's /api/actions shape got links: %+v", v)
	}
	az := registry.Provenance{Provider: "azure", Issuer: "https://vstoken.dev.azure.com/0ca3ddd9-f0b0-4635-a98c-5866526961b6",
		Repository: "Contoso SDK/12", Commit: testSHA, Ref: "refs/heads/main", RunID: "57"}
	if v := provenanceView(&az, ""); v.CI != "Azure Pipelines" || v.Repository.URL != "" || v.Commit.URL != "" {
		t.Errorf("Azure provenance = %+v", v)
	}
}
