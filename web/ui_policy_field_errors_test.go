// A refused policy names the field that is wrong, not another one.

package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TestPolicyLongEnvironmentNamesTheEnvironment: a policy with no name and
// a 250-character environment is refused with a sentence about the
// environment; it used to blame the policy name Wharf derived from it.
func TestPolicyLongEnvironmentNamesTheEnvironment(t *testing.T) {
	f, first, _ := twoIssuerFeed(t)
	f.signedIn(t, "alice")
	_, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.GitHub, Issuer: first.URL,
		Repository: "contoso/sdk", Workflow: "ci.yml", Environment: strings.Repeat("e", 250)})
	if err == nil || !strings.Contains(err.Error(), "environment") || strings.Contains(err.Error(), "name") {
		t.Errorf("a 250-character environment: %v, want a sentence about the environment, not the name", err)
	}
	_, err = f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.GitHub, Issuer: first.URL,
		Repository: "contoso/" + strings.Repeat("r", 100), Workflow: strings.Repeat("w", 95) + ".yml", Environment: "prod"})
	if err == nil || !strings.Contains(err.Error(), "give the policy a shorter name") {
		t.Errorf("a derived name over 200 characters: %v, want a sentence asking for a shorter name", err)
	}
}
