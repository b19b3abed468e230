package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
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
		// The key publishes from either repository, but a version of
		// Contoso.Glob from SDK-Java after sdk-net's is held for the
		// owners' review (the provenance guard): 202, not 201.
		want := []int{http.StatusCreated, http.StatusAccepted, http.StatusCreated}[i]
		if res := f.push(key, spec.Build()); res.StatusCode != want {
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

// TestGlobPolicyCard: the policy page of an organisation-wide policy lists
// each repository's first use, by repository ID.
func TestGlobPolicyCard(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	f := newUIFeed(t, uiConfig{issuer: iss})
	alice := f.signedIn(t, "alice")
	if _, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: "github", Repository: "contoso/*", Workflow: "release.yml"}); err != nil {
		t.Fatal(err)
	}
	if p := alice.get("/account/trusted-publishing"); !strings.Contains(p.testIDText("policy-repo-uses"), "No repository of this owner has used the policy yet") {
		t.Errorf("unused glob policy's card: %q", p.testIDText("policy-repo-uses"))
	}
	for _, r := range []struct{ name, id string }{{"sdk", "101"}, {"web", "102"}} {
		ref := "contoso/" + r.name + "/.github/workflows/release.yml@refs/heads/main"
		c := trusttest.With(trusttest.GitHubClaims(iss.URL, f.srv.URL, f.clock.Now()), "repository", "contoso/"+r.name, "repository_id", r.id,
			"workflow_ref", ref, "job_workflow_ref", ref)
		if res, out := f.exchange(iss.Token(c), "alice"); res.StatusCode != http.StatusOK {
			t.Fatalf("exchange from contoso/%s: %s %v", r.name, res.Status, out)
		}
	}
	p := alice.get("/account/trusted-publishing")
	uses := p.byTestID("policy-repo-use")
	if len(uses) != 2 || !strings.Contains(textOf(uses[0]), "contoso/sdk (repository ID 101)") || !strings.Contains(textOf(uses[1]), "contoso/web (repository ID 102)") {
		t.Errorf("card's first uses: %q", p.testIDText("policy-repo-uses"))
	}
}
