package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TestStagingOnlyPolicy: a trust policy limited to staging mints keys
// that stage but are refused on the push route with a sentence, even
// when a push policy matches the same job; read-only and staging-only
// exclude each other.
func TestStagingOnlyPolicy(t *testing.T) {
	f := newTPFeed(t, -1)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	p := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Name: "staged", StagingOnly: true})
	if !p.StagingOnly {
		t.Fatalf("policy as created: %+v", p.Policy)
	}
	res, out := f.exchange(f.iss.Token(f.claims()), "alice")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("exchange: %s %v", res.Status, out)
	}
	key := out["apiKey"]
	pushed := f.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build())
	if pushed.StatusCode != http.StatusForbidden || !strings.Contains(pushed.Header.Get("X-NuGet-Warning"), "minted by a trust policy limited to staging") {
		t.Errorf("push with the staging-only policy's key: %s %q", pushed.Status, pushed.Header.Get("X-NuGet-Warning"))
	}
	if _, err := f.reg.Package(context.Background(), "Contoso.Sdk"); err == nil {
		t.Error("the refused push created the package")
	}
	staged := f.do(stageRequest(t, stagingURL(t, f.feed), key, "c.nupkg", nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build(), "ci"))
	if staged.StatusCode != http.StatusCreated {
		t.Errorf("stage push with the staging-only policy's key: %s", staged.Status)
	}
	events, _ := f.reg.AuditLog(context.Background(), 100)
	found := false
	for _, e := range events {
		found = found || e.Kind == "token.exchange" && strings.Contains(e.Message, "minted read+stage key")
	}
	if !found {
		t.Error("the exchange is not audited as minting a read+stage key")
	}
	_, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.GitHub, Repository: "contoso/sdk", Workflow: "x.yml", ReadOnly: true, StagingOnly: true})
	if registry.Message(err) == "" || !strings.Contains(registry.Message(err), "choose one") {
		t.Errorf("read-only and staging-only together: %v", err)
	}
}
