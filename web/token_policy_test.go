// Trust policies as the exchange applies them: matching, first-use
// binding, pending expiry, organisations, edits and listing.

package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

func TestExchangeMatching(t *testing.T) {
	f := newTPFeed(t, 0)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	with := f.claims // a token's claims with some changed
	tests := []struct {
		name   string
		claims map[string]any
		status int
		msg    string
	}{
		{"wrong owner is generic", with("repository_owner", "evil", "repository", "evil/sdk"), 401, "No matching trust policy owned by user 'alice' was found."},
		{"wrong repository is generic", with("repository", "contoso/other"), 401, "No matching trust policy owned by user 'alice' was found."},
		{"wrong workflow is specific", with("workflow_ref", "contoso/sdk/.github/workflows/ci.yml@refs/heads/main", "job_workflow_ref", "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"), 401, "Workflow mismatch for policy"},
		{"wrong environment is specific", with("environment", "staging"), 401, "Environment mismatch for policy"},
		{"pull_request_target is banned", with("event_name", "pull_request_target"), 401, "The GitHub Actions event 'pull_request_target' is not allowed."},
		{"case-insensitive owner matches", with("repository_owner", "Contoso", "repository", "Contoso/SDK"), 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, out := f.exchange(f.iss.Token(tc.claims), "alice")
			if res.StatusCode != tc.status || !strings.Contains(out["error"], tc.msg) {
				t.Errorf("%s %v, want %d %q", res.Status, out, tc.status, tc.msg)
			}
		})
	}
	t.Run("first use binds the IDs; other IDs then fail generically", func(t *testing.T) {
		res, out := f.exchange(f.iss.Token(with("repository_id", "999", "repository_owner_id", "888")), "alice")
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], "No matching trust policy") {
			t.Errorf("resurrected repository: %s %v", res.Status, out)
		}
		ps, _ := f.reg.Policies(context.Background(), "alice")
		if ps[0].Status.State != "active" || ps[0].RepositoryID != "123456" {
			t.Errorf("policy after first use: %+v", ps[0])
		}
	})
}

func TestConcurrentFirstUseBindsOnce(t *testing.T) {
	f := newTPFeed(t, -1)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	const n = 10
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := 0; i < n; i++ {
		c := f.claims()
		c["repository_id"] = strconv.Itoa(1000 + i) // ten different repositories claim the name
		tok := f.iss.Token(c)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			res, _ := f.exchange(tok, "alice")
			statuses[i] = res.StatusCode
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d racing first uses with different IDs got a key, want exactly 1 (%v)", ok, n, statuses)
	}
}

func TestPendingPolicyExpiresAndRenews(t *testing.T) {
	f := newTPFeed(t, 0)
	p := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	if p.Status.State != "pending" || p.Status.DaysLeft != 7 {
		t.Fatalf("new policy status = %+v", p.Status)
	}
	f.advance(7*24*time.Hour + time.Minute)
	res, out := f.exchange(f.iss.Token(f.claims()), "alice")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(out["error"], "has expired. Sign in and renew the trust policy") {
		t.Fatalf("expired pending policy: %s %v", res.Status, out)
	}
	if _, err := f.reg.RenewPolicy(context.Background(), "alice", p.ID); err != nil {
		t.Fatal(err)
	}
	f.mustExchange(f.claims(), "alice")
}

func TestOrganisationPolicies(t *testing.T) {
	f := newTPFeed(t, 0)
	ctx := context.Background()
	if _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); err != nil {
		t.Fatal(err)
	}
	f.userKey("bob")
	if err := f.reg.SetMember(ctx, "contoso", "bob", registry.RoleMember); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.CreatePolicy(ctx, registry.NewPolicy{User: "bob", Owner: "contoso", Provider: trust.GitHub, Repository: "contoso/sdk", Workflow: "release.yml"}); err == nil {
		t.Fatal("a member without admin rights created a policy for the organisation")
	}
	if err := f.reg.SetMember(ctx, "contoso", "bob", registry.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	f.policy(registry.NewPolicy{User: "bob", Owner: "contoso", Repository: "contoso/sdk", Workflow: "release.yml", Globs: []string{"Contoso.*"}})
	// The organisation's name works as the username too.
	key := f.mustExchange(f.claims(), "contoso")
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Lib", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push for the organisation: %s", res.Status)
	}
	var s nuget.SearchResponse
	f.getJSON(f.urls.Search()+"?q=packageid:contoso.lib", http.StatusOK, &s)
	if len(s.Data) != 1 || strings.Join(s.Data[0].Owners, ",") != "contoso" {
		t.Errorf("owners of a package pushed by the policy = %+v, want the organisation", s.Data)
	}
	if res := f.push(key, nugettest.Spec{ID: "Other.Lib", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusForbidden {
		t.Errorf("push outside the policy's globs: %s, want 403", res.Status)
	}
	f.mustPush(nugettest.Spec{ID: "Contoso.Alice", Version: "1.0.0"}) // alice's own package
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Alice", Version: "2.0.0"}.Build()); res.StatusCode != http.StatusForbidden {
		t.Errorf("push of another owner's package: %s, want 403", res.Status)
	}

	// Bob leaves: his policy turns inactive, exchange answers nuget.org's 400, and his old key stops working.
	if err := f.reg.RemoveMember(ctx, "contoso", "bob"); err != nil {
		t.Fatal(err)
	}
	res, out := f.exchange(f.iss.Token(f.claims()), "bob")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(out["error"], "Confirm that you still have permissions to operate on behalf of package owner 'contoso'") {
		t.Errorf("exchange after leaving: %s %v", res.Status, out)
	}
	ps, _ := f.reg.Policies(ctx, "bob")
	if ps[0].Status.State != "inactive" {
		t.Errorf("policy status after leaving = %+v", ps[0].Status)
	}
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Lib", Version: "1.0.1"}.Build()); res.StatusCode != http.StatusForbidden {
		t.Errorf("push with a key whose creator left: %s, want 403", res.Status)
	}
	// Re-added, it works again.
	f.reg.SetMember(ctx, "contoso", "bob", registry.RoleMember)
	f.mustExchange(f.claims(), "bob")
}

func TestEditingAPolicyRevokesItsKeys(t *testing.T) {
	f := newTPFeed(t, 0)
	p := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"})
	key := f.mustExchange(f.claims(), "alice")
	v, err := f.reg.UpdatePolicy(context.Background(), "alice", p.ID, registry.NewPolicy{
		Provider: trust.GitHub, Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod", Globs: []string{"Contoso.*"}})
	if err != nil {
		t.Fatal(err)
	}
	if v.Status.State != "active" || v.RepositoryID != "123456" {
		t.Errorf("an edit of the same repository must keep the binding: %+v", v)
	}
	if res := f.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("push with a key of an edited policy: %s, want 401", res.Status)
	}
	f.userKey("bob")
	if _, err := f.reg.UpdatePolicy(context.Background(), "bob", p.ID, registry.NewPolicy{Provider: trust.GitHub, Repository: "x/y", Workflow: "a.yml"}); err == nil {
		t.Error("another user edited alice's policy")
	}
}

func TestPolicyListShowsAdministeredOrganisations(t *testing.T) {
	f := newTPFeed(t, 0)
	ctx := context.Background()
	f.userKey("carol")
	f.reg.AddOrganization(ctx, "contoso", "alice")
	f.reg.SetMember(ctx, "contoso", "carol", registry.RoleMember)
	f.policy(registry.NewPolicy{User: "alice", Owner: "contoso", Repository: "contoso/sdk", Workflow: "release.yml"})
	if ps, _ := f.reg.Policies(ctx, "carol"); len(ps) != 0 {
		t.Errorf("a member without admin rights sees %d organisation policies", len(ps))
	}
	f.reg.SetMember(ctx, "contoso", "carol", registry.RoleAdmin)
	ps, err := f.reg.Policies(ctx, "carol")
	if err != nil || len(ps) != 1 || ps[0].OwnerName != "contoso" || ps[0].CreatorName != "alice" {
		t.Errorf("an admin of contoso sees %+v (%v), want alice's contoso policy", ps, err)
	}
}

// TestLapsedPolicySkipped: contoso has two policies matching one workflow,
// bob's (older) and alice's. Once bob leaves, his is shown inactive and is
// skipped: an exchange for contoso gets a key from alice's policy instead
// of nuget.org's 400. With alice's policy gone too, the 400 comes back.
func TestLapsedPolicySkipped(t *testing.T) {
	f := newTPFeed(t, 0)
	ctx := context.Background()
	if _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); err != nil {
		t.Fatal(err)
	}
	f.userKey("bob")
	if err := f.reg.SetMember(ctx, "contoso", "bob", registry.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	bobs := f.policy(registry.NewPolicy{User: "bob", Owner: "contoso", Name: "bob's", Repository: "contoso/sdk", Workflow: "release.yml"})
	alices := f.policy(registry.NewPolicy{User: "alice", Owner: "contoso", Name: "alice's", Repository: "contoso/sdk", Workflow: "release.yml"})
	if err := f.reg.RemoveMember(ctx, "contoso", "bob"); err != nil {
		t.Fatal(err)
	}
	ps, err := f.reg.Policies(ctx, "alice")
	if err != nil || len(ps) != 2 || ps[0].ID != bobs.ID || ps[0].Status.State != "inactive" || ps[1].Status.State != "pending" {
		t.Fatalf("contoso's policies after bob left: %+v (%v), want bob's inactive, alice's pending", ps, err)
	}
	key := f.mustExchange(f.claims(), "contoso")
	k, err := f.reg.Authenticate(ctx, key)
	if err != nil || k.PolicyID == nil || *k.PolicyID != alices.ID {
		t.Errorf("the key came from policy %v (%v), want alice's policy %d", k.PolicyID, err, alices.ID)
	}
	if err := f.reg.RemovePolicy(ctx, "alice", alices.ID); err != nil {
		t.Fatal(err)
	}
	res, out := f.exchange(f.iss.Token(f.claims()), "contoso")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(out["error"], "Confirm that you still have permissions to operate on behalf of package owner 'contoso'") {
		t.Errorf("only bob's lapsed policy matching: %s %v, want nuget.org's 400", res.Status, out)
	}
}
