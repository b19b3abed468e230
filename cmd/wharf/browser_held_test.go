package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// heldVersion gives the browser world a held version: ada publishes
// Held.Widget 1.0.0 from contoso/held's release.yml by trusted
// publishing, then 1.1.0 with her long-lived key, which the provenance
// guard holds.
func heldVersion(t *testing.T, w *browserWorld, longLived string) {
	t.Helper()
	w.wharfOK(t, "policy", "add", "--user", "ada", "--provider", "github", "--repository", "contoso/held", "--workflow", "release.yml")
	const wf = "contoso/held/.github/workflows/release.yml@refs/tags/v1.0.0"
	claims := trusttest.With(trusttest.GitHubClaims(w.ci.URL, w.base, time.Now()),
		"repository", "contoso/held", "repository_id", "24680", "workflow_ref", wf, "job_workflow_ref", wf)
	status, out := w.exchangeHTTP(t, w.ci.Token(claims), "ada")
	if status != http.StatusOK {
		t.Fatalf("exchange for Held.Widget: %d %v", status, out)
	}
	w.mustPushHTTP(t, out["apiKey"], nugettest.Spec{ID: "Held.Widget", Version: "1.0.0", Description: "Published from CI."})
	if status, why := w.pushHTTP(t, longLived, nugettest.Spec{ID: "Held.Widget", Version: "1.1.0", Description: "Pushed from a laptop."}); status != http.StatusAccepted {
		t.Fatalf("push Held.Widget 1.1.0 with a long-lived key: %d %s, want 202 (held)", status, why)
	}
}
