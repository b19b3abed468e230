package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
)

// TestRemoveUserTrustPolicies: removing a user hands their trust
// policies to the heir (a personal policy gets the heir as owner, an
// organisation's keeps the organisation and gets the heir as creator),
// so CI keeps publishing through /api/v2/token under the heir's name and
// the organisation's; without an heir the policies are deleted and the
// same tokens are refused.
func TestRemoveUserTrustPolicies(t *testing.T) {
	for _, heir := range []string{"bob", ""} {
		t.Run("heir="+heir, func(t *testing.T) {
			f := newTPFeed(t, -1)
			ctx := context.Background()
			f.userKey("bob")
			if _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); err != nil {
				t.Fatal(err)
			}
			if err := f.reg.SetMember(ctx, "contoso", "bob", registry.RoleAdmin); err != nil {
				t.Fatal(err)
			}
			f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
			f.policy(registry.NewPolicy{User: "alice", Owner: "contoso", Repository: "contoso/sdk", Workflow: "release.yml"})
			f.mustExchange(f.claims(), "alice")
			f.mustExchange(f.claims(), "contoso")
			es, _, err := f.reg.AuditSearch(ctx, registry.AuditQuery{Policy: "#2", Outcome: "accepted"})
			if err != nil || len(es) != 1 || es[0].PolicyID != 2 || es[0].Kind != "token.exchange" || es[0].ActorName != "alice" {
				t.Errorf("the audit log's accepted events of policy #2: %+v (%v), want contoso's exchange, by alice", es, err)
			}
			if _, err := f.reg.RemoveUser(ctx, 0, "alice", heir, true); err != nil {
				t.Fatal(err)
			}
			want := http.StatusOK
			if heir == "" {
				want = http.StatusUnauthorized
			}
			for _, user := range []string{"bob", "contoso"} {
				if heir == "" && user == "bob" {
					continue
				}
				if res, out := f.exchange(f.iss.Token(f.claims()), user); res.StatusCode != want {
					t.Errorf("exchange for %s after removing alice (heir %q): %s %v, want %d", user, heir, res.Status, out, want)
				}
			}
			if res, _ := f.exchange(f.iss.Token(f.claims()), "alice"); res.StatusCode == http.StatusOK {
				t.Errorf("exchange for the removed alice: %s", res.Status)
			}
		})
	}
}
