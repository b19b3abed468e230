package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestGlobPushPolicy: an organisation-wide push policy (contoso/sdk-*,
// workflow release.yml) mints push keys for two of contoso's repositories
// and records each repository's first use (a second use of one keeps its
// first); it answers the generic refusal to a repository of another owner
// whose name merely starts with contoso's, to a contoso repository the
// glob does not match, and to a same-named contoso with another owner ID.
// A repository re-created under the same name (a new ID) is a new first use.
func TestGlobPushPolicy(t *testing.T) {
	f := newTPFeed(t, -1)
	ctx := context.Background()
	p := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk-*", Workflow: "release.yml"})
	if p.Status.State != "pending" || p.RepositoryID != "*" {
		t.Fatalf("new glob policy: %+v, want pending with repository ID '*'", p)
	}
	repo := func(owner, name, id, ownerID string) map[string]any {
		ref := owner + "/" + name + "/.github/workflows/release.yml@refs/tags/v1.0.0"
		return f.claims("repository_owner", owner, "repository", owner+"/"+name, "repository_id", id, "repository_owner_id", ownerID,
			"workflow_ref", ref, "job_workflow_ref", ref)
	}
	for i, c := range []map[string]any{repo("contoso", "sdk-net", "101", "654321"), repo("contoso", "SDK-Java", "102", "654321"), repo("contoso", "sdk-net", "101", "654321")} {
		key := f.mustExchange(c, "alice")
		spec := nugettest.Spec{ID: "Contoso.Glob", Version: []string{"1.0.0", "1.0.1", "1.0.2"}[i]}
		if res := f.push(key, spec.Build()); res.StatusCode != http.StatusCreated {
			t.Fatalf("push from %s: %s (%s)", c["repository"], res.Status, res.Header.Get("X-NuGet-Warning"))
		}
	}
	generic := "No matching trust policy owned by user 'alice' was found."
	for name, c := range map[string]map[string]any{
		"another owner":              repo("contoso-evil", "sdk-net", "201", "777"),
		"a repository not matched":   repo("contoso", "web", "103", "654321"),
		"a same-named owner, new ID": repo("contoso", "sdk-net", "101", "111"),
	} {
		res, out := f.exchange(f.iss.Token(c), "alice")
		if res.StatusCode != http.StatusUnauthorized || out["error"] != generic {
			t.Errorf("%s: %s %v, want 401 and the generic sentence", name, res.Status, out)
		}
	}
	// contoso deletes sdk-net and creates it again: a new repository ID.
	f.mustExchange(repo("contoso", "sdk-net", "301", "654321"), "alice")
	ps, err := f.reg.Policies(ctx, "alice")
	if err != nil || len(ps) != 1 {
		t.Fatalf("policies: %v %v", ps, err)
	}
	got := ps[0]
	if got.Status.State != "active" || got.RepoOwnerID != "654321" || got.RepositoryID != "*" {
		t.Errorf("policy after use: state %s, IDs %s/%s; want active, 654321/*", got.Status.State, got.RepoOwnerID, got.RepositoryID)
	}
	var uses []string
	for _, u := range got.RepoUses {
		uses = append(uses, u.Repository+"#"+u.RepositoryID)
		if u.FirstUsedAt.IsZero() || u.JTI == "" {
			t.Errorf("use %+v lacks its time or token", u)
		}
	}
	want := []string{"contoso/sdk-net#101", "contoso/SDK-Java#102", "contoso/sdk-net#301"}
	if len(uses) != len(want) || uses[0] != want[0] || uses[1] != want[1] || uses[2] != want[2] {
		t.Errorf("first uses = %v, want %v", uses, want)
	}
}
