// Read-only trust policies over HTTP: a CI job trades its OIDC token for
// a key that restores private packages and can do nothing else.

package web_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// ciWorkflow is a token's workflow claims for another workflow file of
// contoso/sdk than the push policy's release.yml.
func ciWorkflow(file string) []any {
	ref := "contoso/sdk/.github/workflows/" + file + "@refs/heads/main"
	return []any{"workflow_ref", ref, "job_workflow_ref", ref, "ref", "refs/heads/main", "ref_type", "branch"}
}

// TestReadOnlyPolicyRestoresPrivatePackages: a read-only policy without
// a workflow lets any workflow of its repository mint a key that
// restores alice's private package through the union and the feed's own
// URLs, with HTTP Basic as NuGet sends stored credentials; the key cannot
// push, unlist or relist, nor read a feed alice cannot read; another
// owner's read-only key cannot read alice's feed; the exchange is audited
// as read-only; and a job that also matches a push policy gets the push
// key, whichever policy is older.
func TestReadOnlyPolicyRestoresPrivatePackages(t *testing.T) {
	f := newTPFeed(t, -1)
	ctx := context.Background()
	for _, fd := range []string{"secret", "hidden"} {
		must(t, func() error { _, err := f.reg.Feeds().Add(ctx, fd, "", true); return err })
	}
	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	bobs := f.userKey("bob")
	must(t, func() error { return f.reg.GrantFeed(ctx, "hidden", feeds.SubjectUser, "bob", feeds.RolePublisher) })
	for _, p := range []struct {
		url, key string
		spec     nugettest.Spec
	}{
		{f.urls.Feed("secret").Publish(), f.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}},
		{f.urls.Feed("hidden").Publish(), bobs, nugettest.Spec{ID: "Hidden.Lib", Version: "1.0.0"}},
	} {
		if res := f.pushTo(p.url, p.key, p.spec); res.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: %s %s", p.spec.ID, res.Status, res.Header.Get("X-NuGet-Warning"))
		}
	}
	// The read-only policy is the older one: order of creation must not
	// give the release workflow a key that cannot push.
	ro := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", ReadOnly: true})
	if ro.Workflow != "" || !ro.ReadOnly || ro.Name != "contoso/sdk (read-only)" {
		t.Fatalf("read-only policy as created: %+v", ro.Policy)
	}
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	f.policy(registry.NewPolicy{User: "bob", Repository: "fabrikam/app", ReadOnly: true})

	res, out := f.exchange(f.iss.Token(f.claims(ciWorkflow("ci.yml")...)), "alice")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(out["apiKey"], registry.TrustedKeyPrefix) {
		t.Fatalf("exchange for the read-only policy: %s %v", res.Status, out)
	}
	key := out["apiKey"]
	if exp, err := time.Parse(time.RFC3339Nano, out["expires"]); err != nil || exp.After(f.clock.Now().Add(registry.MaxTrustedKeyTTL)) {
		t.Errorf("the read-only key expires %q (%v), want within %s", out["expires"], err, registry.MaxTrustedKeyTTL)
	}

	t.Run("restores through the union and the feed's URLs", func(t *testing.T) {
		for _, u := range []urlFamily{{"union", f.urls}, {"feed", f.urls.Feed("secret")}} {
			for _, get := range []struct{ what, url, want string }{
				{"versions", u.urls.Versions("secret.lib"), `"1.0.0"`},
				{"registration", u.urls.RegistrationIndex("secret.lib"), `"Secret.Lib"`},
				{".nupkg", u.urls.Nupkg("secret.lib", "1.0.0"), "PK"},
			} {
				res := f.basicGet(get.url, key)
				body, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusOK || !strings.Contains(string(body), get.want) {
					t.Errorf("%s %s with the read-only key: %s %.80q", u.name, get.what, res.Status, body)
				}
				if res := f.basicGet(get.url, ""); res.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s %s anonymously: %s, want 401 (the test's package must be private)", u.name, get.what, res.Status)
				}
			}
		}
	})

	t.Run("cannot push, unlist or relist", func(t *testing.T) {
		const phrase = "was minted by a read-only trust policy and may only read packages"
		for _, p := range []string{f.urls.Publish(), f.urls.Feed("secret").Publish()} {
			res := f.pushTo(p, key, nugettest.Spec{ID: "Secret.Lib", Version: "9.0.0"})
			if why := res.Header.Get("X-NuGet-Warning"); res.StatusCode != http.StatusForbidden || !strings.Contains(why, phrase) {
				t.Errorf("push through %s: %s %q, want 403 saying %q", p, res.Status, why, phrase)
			}
		}
		for _, m := range []string{http.MethodDelete, http.MethodPost} {
			req, _ := http.NewRequest(m, f.urls.Feed("secret").Publish()+"/Secret.Lib/1.0.0", nil)
			req.Header.Set("X-NuGet-ApiKey", key)
			res := f.do(req)
			if why := res.Header.Get("X-NuGet-Warning"); res.StatusCode != http.StatusForbidden || !strings.Contains(why, phrase) {
				t.Errorf("%s Secret.Lib 1.0.0: %s %q, want 403 saying %q", m, res.Status, why, phrase)
			}
		}
		if p, err := f.reg.Package(ctx, "Secret.Lib"); err != nil || len(p.Versions) != 1 || !p.Versions[0].Listed {
			t.Errorf("Secret.Lib after the refusals: %+v (%v), want 1.0.0 alone and listed", p, err)
		}
	})

	t.Run("reads no feed its owner cannot read", func(t *testing.T) {
		for _, u := range []string{f.urls.Versions("hidden.lib"), f.urls.Feed("hidden").Versions("hidden.lib"), f.urls.Feed("hidden").Nupkg("hidden.lib", "1.0.0")} {
			if res := f.basicGet(u, key); res.StatusCode == http.StatusOK {
				t.Errorf("GET %s with alice's read-only key: %s", u, res.Status)
			}
		}
	})

	t.Run("another owner's read-only key reads nothing of alice's", func(t *testing.T) {
		c := f.claims("repository", "fabrikam/app", "repository_owner", "fabrikam", "repository_id", "777", "repository_owner_id", "778")
		bobsRO := f.mustExchange(c, "bob")
		for _, u := range []string{f.urls.Versions("secret.lib"), f.urls.Feed("secret").Versions("secret.lib"), f.urls.Nupkg("secret.lib", "1.0.0")} {
			if res := f.basicGet(u, bobsRO); res.StatusCode == http.StatusOK {
				t.Errorf("GET %s with bob's read-only key: %s", u, res.Status)
			}
		}
		if res := f.basicGet(f.urls.Versions("hidden.lib"), bobsRO); res.StatusCode != http.StatusOK {
			t.Errorf("bob's read-only key on bob's own feed: %s, want 200", res.Status)
		}
	})

	t.Run("the release workflow gets the push key", func(t *testing.T) {
		pushKey := f.mustExchange(f.claims(), "alice")
		if res := f.pushTo(f.urls.Feed("secret").Publish(), pushKey, nugettest.Spec{ID: "Secret.Lib", Version: "2.0.0"}); res.StatusCode != http.StatusCreated {
			t.Errorf("push with the push policy's key: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
		}
		if res := f.basicGet(f.urls.Versions("secret.lib"), pushKey); res.StatusCode != http.StatusOK {
			t.Errorf("the push policy's key reads too: %s, want 200", res.Status)
		}
	})

	t.Run("the exchange is audited as read-only", func(t *testing.T) {
		events, err := f.reg.AuditLog(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ro, rw int
		for _, e := range events {
			if e.Kind == "token.exchange" && e.Outcome == "accepted" {
				switch {
				case strings.HasPrefix(e.Message, "minted read-only key "):
					ro++
				case strings.HasPrefix(e.Message, "minted read+push key "):
					rw++
				}
			}
		}
		if ro != 2 || rw != 1 {
			t.Errorf("accepted exchanges audited: %d read-only, %d read+push; want 2 and 1", ro, rw)
		}
		// A rejection by a read-only policy (bob's only one) is marked too.
		c := f.claims("repository", "fabrikam/app", "repository_owner", "fabrikam", "repository_id", "777", "repository_owner_id", "778",
			"event_name", "pull_request_target")
		if res, out := f.exchange(f.iss.Token(c), "bob"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("pull_request_target: %s %v", res.Status, out)
		}
		events, _ = f.reg.AuditLog(ctx, 1)
		if len(events) != 1 || events[0].Outcome != "rejected" || events[0].Message != "The GitHub Actions event 'pull_request_target' is not allowed. (read-only policy)" {
			t.Errorf("the rejection's audit event: %+v", events)
		}
	})
}

// urlFamily names a family of URLs in a test's messages.
type urlFamily struct {
	name string
	urls interface {
		Versions(string) string
		RegistrationIndex(string) string
		Nupkg(string, string) string
	}
}

// TestReadOnlyPolicyFields: only read-only policies may leave the
// workflow out, and they take no package globs; a confirmed update makes
// one a push policy.
func TestReadOnlyPolicyFields(t *testing.T) {
	f := newTPFeed(t, 0)
	ctx := context.Background()
	for _, tc := range []struct {
		req  registry.NewPolicy
		want string
	}{
		{registry.NewPolicy{User: "alice", Provider: "github", Repository: "contoso/sdk"}, "The GitHub Actions workflow file is required"},
		{registry.NewPolicy{User: "alice", Provider: "github", Repository: "contoso/sdk", ReadOnly: true, Globs: []string{"Contoso.*"}}, "a read-only policy restores from every feed"},
	} {
		if _, err := f.reg.CreatePolicy(ctx, tc.req); err == nil || !strings.Contains(registry.Message(err), tc.want) {
			t.Errorf("CreatePolicy(%+v): %v, want %q", tc.req, err, tc.want)
		}
	}
	p := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", ReadOnly: true})
	if _, err := f.reg.UpdatePolicy(ctx, "alice", p.ID, registry.NewPolicy{User: "alice", Provider: "github", Repository: "contoso/sdk"}); err == nil ||
		!strings.Contains(registry.Message(err), "workflow file is required") {
		t.Errorf("turning a read-only policy without a workflow into a push policy: %v", err)
	}
	got, err := f.reg.UpdatePolicy(ctx, "alice", p.ID, registry.NewPolicy{User: "alice", Provider: "github", Repository: "contoso/sdk", Workflow: "release.yml",
		ConfirmRebind: true})
	if err != nil || got.ReadOnly {
		t.Errorf("update to a push policy: %+v, %v", got, err)
	}
}

// TestReadOnlyPolicyForEveryRepository: a read-only policy for contoso/*
// is bound by its first use to contoso's owner ID only; then every
// repository of contoso restores, a re-created 'contoso' (another owner
// ID) gets nothing, and push policies for owner/* must name a workflow.
func TestReadOnlyPolicyForEveryRepository(t *testing.T) {
	f := newTPFeed(t, -1)
	ctx := context.Background()
	must(t, func() error { _, err := f.reg.Feeds().Add(ctx, "secret", "", true); return err })
	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	if res := f.pushTo(f.urls.Feed("secret").Publish(), f.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("push: %s", res.Status)
	}
	for _, tc := range []struct {
		req  registry.NewPolicy
		want string
	}{
		// Push policies may name owner/* now (organisation-wide), but only with a workflow.
		{registry.NewPolicy{User: "alice", Provider: "github", Repository: "contoso/*"}, "must name the workflow file"},
		{registry.NewPolicy{User: "alice", Provider: "github", Repository: "contoso/*", ReadOnly: true, Workflow: "ci.yml"}, "leave the workflow and CI config path out"},
		{registry.NewPolicy{User: "alice", Provider: "github", Repository: "contoso/sdk*", ReadOnly: true}, "a read-only policy names one repository or all of them"},
	} {
		if _, err := f.reg.CreatePolicy(ctx, tc.req); err == nil || !strings.Contains(registry.Message(err), tc.want) {
			t.Errorf("CreatePolicy(%s): %v, want %q", tc.req.Repository, err, tc.want)
		}
	}
	p := f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/*", ReadOnly: true})
	if p.Status.State != "pending" || p.Name != "contoso/* (read-only)" {
		t.Fatalf("new policy for contoso/*: %+v", p)
	}
	repo := func(name, id, ownerID string) map[string]any {
		ref := "contoso/" + name + "/.github/workflows/ci.yml@refs/heads/main"
		return f.claims("repository", "contoso/"+name, "repository_id", id, "repository_owner_id", ownerID, "workflow_ref", ref, "job_workflow_ref", ref)
	}
	for _, c := range []map[string]any{repo("sdk", "123456", "654321"), repo("web", "999", "654321")} {
		key := f.mustExchange(c, "alice")
		if res := f.basicGet(f.urls.Versions("secret.lib"), key); res.StatusCode != http.StatusOK {
			t.Errorf("restore from %s: %s, want 200", c["repository"], res.Status)
		}
	}
	ps, err := f.reg.Policies(ctx, "alice")
	if err != nil || len(ps) != 1 || ps[0].Status.State != "active" || ps[0].RepoOwnerID != "654321" {
		t.Fatalf("policy after first use: %+v (%v), want active and bound to owner ID 654321", ps, err)
	}
	res, out := f.exchange(f.iss.Token(repo("sdk", "123456", "111")), "alice")
	if res.StatusCode != http.StatusUnauthorized || out["error"] != "No matching trust policy owned by user 'alice' was found." {
		t.Errorf("a re-created contoso: %s %v, want 401 and the generic sentence", res.Status, out)
	}
}

// TestTrustedKeysReadForThePolicyOwner: a CI key reads what the policy's
// package owner may read. For contoso's policies (made by alice, its
// admin) that is contoso's feed, not alice's personal private feed; for
// a registry administrator's own policy it is not every feed.
func TestTrustedKeysReadForThePolicyOwner(t *testing.T) {
	f := newTPFeed(t, -1)
	ctx := context.Background()
	must(t, func() error { _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); return err })
	for _, fd := range []string{"personal", "team", "nobodys"} {
		must(t, func() error { _, err := f.reg.Feeds().Add(ctx, fd, "", true); return err })
		must(t, func() error { return f.reg.GrantFeed(ctx, fd, feeds.SubjectUser, "alice", feeds.RolePublisher) })
	}
	must(t, func() error { return f.reg.GrantFeed(ctx, "team", feeds.SubjectOrg, "contoso", feeds.RoleReader) })
	for fd, id := range map[string]string{"personal": "Personal.Lib", "team": "Team.Lib", "nobodys": "Nobodys.Lib"} {
		if res := f.pushTo(f.urls.Feed(fd).Publish(), f.key, nugettest.Spec{ID: id, Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: %s", id, res.Status)
		}
	}
	must(t, func() error { return f.reg.GrantFeed(ctx, "nobodys", feeds.SubjectUser, "alice", feeds.RoleNone) })
	f.policy(registry.NewPolicy{User: "alice", Owner: "contoso", Repository: "contoso/sdk", Workflow: "release.yml"})
	f.policy(registry.NewPolicy{User: "alice", Owner: "contoso", Repository: "contoso/sdk", ReadOnly: true})
	if _, err := f.reg.AddUser(ctx, registry.NewUser{Name: "root", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	f.policy(registry.NewPolicy{User: "root", Repository: "root/tools", ReadOnly: true})

	rootsClaims := f.claims("repository", "root/tools", "repository_owner", "root", "repository_id", "31", "repository_owner_id", "32")
	for _, k := range []struct {
		name, key string
		reads     map[string]bool
	}{
		{"contoso's push policy", f.mustExchange(f.claims(), "contoso"), map[string]bool{"team.lib": true, "personal.lib": false, "nobodys.lib": false}},
		{"contoso's read-only policy", f.mustExchange(f.claims(ciWorkflow("ci.yml")...), "contoso"), map[string]bool{"team.lib": true, "personal.lib": false, "nobodys.lib": false}},
		{"the administrator's read-only policy", f.mustExchange(rootsClaims, "root"), map[string]bool{"team.lib": false, "personal.lib": false, "nobodys.lib": false}},
	} {
		for id, want := range k.reads {
			if res := f.basicGet(f.urls.Versions(id), k.key); (res.StatusCode == http.StatusOK) != want {
				t.Errorf("%s's key reads %s: %s, want readable %v", k.name, id, res.Status, want)
			}
		}
	}
}

// TestTrustedKeysPublishForThePolicyOwner: a CI key creates new IDs in a
// feed with its policy owner's grants: an organisation's policy does not
// borrow its creator's personal publisher grants, and an administrator's
// policy does not publish with administrator rights.
func TestTrustedKeysPublishForThePolicyOwner(t *testing.T) {
	f := newTPFeed(t, -1)
	ctx := context.Background()
	must(t, func() error { _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); return err })
	for _, fd := range []string{"personal", "team", "locked"} {
		must(t, func() error { _, err := f.reg.Feeds().Add(ctx, fd, "", true); return err })
	}
	must(t, func() error { return f.reg.GrantFeed(ctx, "personal", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	must(t, func() error { return f.reg.GrantFeed(ctx, "team", feeds.SubjectOrg, "contoso", feeds.RolePublisher) })
	f.policy(registry.NewPolicy{User: "alice", Owner: "contoso", Repository: "contoso/sdk", Workflow: "release.yml"})
	if _, err := f.reg.AddUser(ctx, registry.NewUser{Name: "root", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	f.policy(registry.NewPolicy{User: "root", Repository: "root/tools", Workflow: "release.yml"})
	rootsClaims := f.claims("repository", "root/tools", "repository_owner", "root", "repository_id", "31", "repository_owner_id", "32",
		"workflow_ref", "root/tools/.github/workflows/release.yml@refs/heads/main", "job_workflow_ref", "root/tools/.github/workflows/release.yml@refs/heads/main")
	for _, p := range []struct {
		who, key, feed, id string
		want               int
	}{
		{"contoso's CI", f.mustExchange(f.claims(), "contoso"), "team", "Contoso.InTeam", http.StatusCreated},
		{"contoso's CI", f.mustExchange(f.claims(), "contoso"), "personal", "Contoso.InPersonal", http.StatusForbidden},
		{"the administrator's CI", f.mustExchange(rootsClaims, "root"), "locked", "Root.InLocked", http.StatusForbidden},
	} {
		res := f.pushTo(f.urls.Feed(p.feed).Publish(), p.key, nugettest.Spec{ID: p.id, Version: "1.0.0"})
		if res.StatusCode != p.want {
			t.Errorf("%s pushes %s to feed %s: %s (%s), want %d", p.who, p.id, p.feed, res.Status, res.Header.Get("X-NuGet-Warning"), p.want)
		}
	}
}
