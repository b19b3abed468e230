// The registry every authorisation test starts from, and its snapshot:
// users, an organisation, packages, keys, trust policies and an
// invitation, with (for the matrix) a key or token of every kind that a
// caller might present.

package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/retention"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// The actors. alice administers the organisation contoso and the private
// feed team, which bob reads; bob is a plain
// member of it (he was an admin once, and made a trust policy for it
// then); mallory belongs to nothing (alice invited her to contoso); root administers the registry
// (flagged like `wharf user add --admin`). carol only
// co-owns Contoso.Lib, so that there is an owner to remove.
const (
	anonymous = "anonymous"
	alice     = "alice"
	bob       = "bob"
	mallory   = "mallory"
	root      = "root"
)

var actors = []string{anonymous, mallory, bob, root, alice}

// world is the registry every authorisation case starts from.
type world struct {
	*uiFeed
	users                        map[string]*registry.Account
	personalKey, orgKey          int64 // alice's keys: for alice, and for contoso
	personalPolicy, orgPolicy    int64 // alice's trust policies: for alice, and for contoso
	demotedPolicy                int64 // bob's policy for contoso, made while he was its admin
	teamRule                     int64 // a retention rule of the team feed
	personalPackage, orgPackage  string
	personalVersion, orgVersions []string // orgVersions[1] is unlisted
	aliceHook, orgHook, teamHook int64    // webhooks of alice, contoso and the team feed
	personalStage, orgStage      int64    // stage groups: alice's "rel" (Alice.Lib 3.0.0), contoso's "org-rel" (Contoso.Lib 3.0.0)

	// Only in a matrix world (newMatrixWorld):
	iss      *trusttest.Issuer
	secrets  map[string]string           // API keys, by credential ID
	keyIDs   map[string]int64            // their IDs
	browsers map[string]*browser         // one per credential, made on first use
	last     struct{ head, rows string } // of the last snapshot (see snapshot)
}

// newWorld builds the registry: users, the organisation, alice's keys and
// policies, and packages pushed over the push API with her keys.
func newWorld(t testing.TB) *world { return newWorldWith(t, nil) }

// newMatrixWorld is newWorld with trusted publishing on (CI tokens from
// iss) and the keys and CI tokens of authz_creds_test.go.
func newMatrixWorld(t testing.TB, iss *trusttest.Issuer) *world { return newWorldWith(t, iss) }

func newWorldWith(t testing.TB, iss *trusttest.Issuer) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{
		uiFeed: newUIFeed(t, uiConfig{issuer: iss, reg: registry.Options{
			Issuers: []trust.Issuer{{URL: trust.GitHubActionsIssuer, Provider: trust.GitHub, Name: "github", Title: "GitHub Actions"}},
			// The read matrix sends many bad credentials from one address;
			// TestReadFailuresAreLimited checks the limit.
			ReadFailuresPerMinute: -1,
		}}),
		users:           map[string]*registry.Account{},
		personalPackage: "Alice.Lib", orgPackage: "Contoso.Lib",
		personalVersion: []string{"1.0.0"}, orgVersions: []string{"1.0.0", "1.1.0"},
		iss: iss, secrets: map[string]string{}, keyIDs: map[string]int64{}, browsers: map[string]*browser{},
	}
	must(t, func() error { _, err := w.reg.AddUser(ctx, registry.NewUser{Name: root, IsAdmin: true}); return err })
	for _, n := range []string{alice, bob, mallory, root, "carol"} {
		w.users[n] = w.addUser(n)
	}
	// dora left: an administrator disabled her (the matrix enables her).
	must(t, func() error { _, err := w.reg.AddUser(ctx, registry.NewUser{Name: "dora"}); return err })
	must(t, func() error { _, err := w.reg.DisableUser(ctx, 0, "dora"); return err })
	must(t, func() error { _, err := w.reg.AddOrganization(ctx, "contoso", alice); return err })
	must(t, func() error { return w.reg.SetMember(ctx, "contoso", bob, registry.RoleAdmin) })

	w.personalKey = w.newKey(alicesKey, registry.NewKey{User: alice, Description: "alice laptop", Scopes: feeds.ScopePush | feeds.ScopeManage})
	w.orgKey = w.newKey(alicesOrgKey, registry.NewKey{User: alice, Owner: "contoso", Description: "contoso release", Scopes: feeds.ScopePush | feeds.ScopeManage})
	// Each version has a real assembly, so that symbols may be pushed for it.
	w.pushWith(w.secrets[alicesKey], nugettest.Spec{ID: w.personalPackage, Version: "1.0.0", Files: greeterDLL(t)})
	for _, v := range w.orgVersions {
		w.pushWith(w.secrets[alicesOrgKey], nugettest.Spec{ID: w.orgPackage, Version: v, Files: greeterDLL(t)})
	}
	if res := w.unlistReq(w.secrets[alicesOrgKey], w.orgPackage, w.orgVersions[1], http.MethodDelete); res.StatusCode != http.StatusNoContent {
		t.Fatalf("unlist %s %s: %s", w.orgPackage, w.orgVersions[1], res.Status)
	}
	w.personalStage = w.stage(alicesKey, w.personalPackage, "rel")
	w.orgStage = w.stage(alicesOrgKey, w.orgPackage, "org-rel")
	must(t, func() error {
		k, err := w.reg.Authenticate(ctx, w.secrets[alicesKey])
		if err == nil {
			_, err = w.reg.CreateStageGroup(ctx, k, "rel-2", "Second release")
		}
		return err
	})
	must(t, func() error { return w.reg.AddOwner(ctx, w.orgPackage, "carol") })
	must(t, func() error {
		return w.reg.PublishAdvisory(ctx, w.orgPackage, registry.AdvisoryInput{AdvisoryID: "WORLD-1", Severity: "high",
			URL: "https://example.com/advisories/world-1", Versions: "(, 1.1.0)"})
	})
	must(t, func() error { _, err := w.reg.ReservePrefix(ctx, "Reserved.*", "contoso"); return err })
	// alice, its admin, invites mallory to join contoso.
	must(t, func() error {
		_, err := w.reg.SetMemberAs(ctx, w.users[alice], "contoso", mallory, registry.RoleMember)
		return err
	})
	// carol, a co-owner, invites alice to own Contoso.Lib in her own name.
	must(t, func() error { _, err := w.reg.AddOwnerAs(ctx, w.users["carol"], w.orgPackage, alice); return err })

	for _, p := range []struct {
		id                      *int64
		user, owner, name, repo string
	}{
		{&w.personalPolicy, alice, alice, "alice-tools-policy", "alice/tools"},
		{&w.orgPolicy, alice, "contoso", "contoso-release-policy", "contoso/sdk"},
		{&w.demotedPolicy, bob, "contoso", "contoso-bob-policy", "contoso/tools"},
		{new(int64), mallory, mallory, "mallory-tools-policy", "mallory/tools"},
	} {
		v, err := w.reg.CreatePolicy(ctx, registry.NewPolicy{User: p.user, Owner: p.owner, Name: p.name, Provider: trust.GitHub, Repository: p.repo, Workflow: "release.yml"})
		if err != nil {
			t.Fatal(err)
		}
		*p.id = v.ID
	}
	// A private feed that alice administers and bob reads.
	must(t, func() error { _, err := w.reg.Feeds().Add(ctx, "team", "team-feed-description", true); return err })
	must(t, func() error { return w.reg.GrantFeed(ctx, "team", feeds.SubjectUser, alice, feeds.RoleAdmin) })
	must(t, func() error { return w.reg.GrantFeed(ctx, "team", feeds.SubjectUser, bob, feeds.RoleReader) })
	// Webhooks of alice, of contoso and of the team feed (to a public
	// address, never called: no worker runs).
	for _, h := range []struct {
		id     *int64
		target registry.WebhookTarget
		url    string
	}{
		{&w.aliceHook, registry.WebhookTarget{Owner: alice}, "https://93.184.216.34/alice-hook"},
		{&w.orgHook, registry.WebhookTarget{Owner: "contoso"}, "https://93.184.216.34/contoso-hook"},
		{&w.teamHook, registry.WebhookTarget{Feed: "team"}, "https://93.184.216.34/team-hook"},
	} {
		scope, err := w.reg.WebhookScope(ctx, nil, h.target)
		if err != nil {
			t.Fatal(err)
		}
		hook, err := w.reg.Webhooks().Add(ctx, scope, h.url, []string{"pushed", "unlisted", "policy"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		*h.id = hook.ID
	}
	must(t, func() error {
		r, err := w.reg.AddRetentionRule(ctx, "team", retention.Rule{Kind: retention.KindPrereleases, Keep: 3, Action: retention.ActionUnlist})
		if err == nil {
			w.teamRule = r.ID
		}
		return err
	})
	// bob was an admin of contoso while he made his policy and his key for
	// it; now he is a member.
	if iss != nil {
		w.newKey(bobsOrgKey, registry.NewKey{User: bob, Owner: "contoso", Description: "bob for contoso"})
	}
	must(t, func() error { return w.reg.SetMember(ctx, "contoso", bob, registry.RoleMember) })
	if iss != nil {
		expires := w.clock.Now().Add(time.Hour)
		w.newKey(expiredKey, registry.NewKey{User: alice, Description: "expired", ExpiresAt: &expires})
	}
	// A day later, so that renewing a pending policy changes it.
	w.clock.Advance(24 * time.Hour)
	if iss != nil {
		w.issueCredentials()
	}
	return w
}

// issueCredentials gives a matrix world the rest of the keys a caller may
// present: revoked, scoped to other packages, other users', and
// trusted-publishing keys minted over the token API from alice's and
// mallory's own workflows.
func (w *world) issueCredentials() {
	ctx := context.Background()
	id := w.newKey(revokedKey, registry.NewKey{User: alice, Description: "revoked"})
	must(w.t, func() error { return w.reg.RevokeKey(ctx, id) })
	w.newKey(globKey, registry.NewKey{User: alice, Globs: []string{"Other.*"}, Description: "other packages only"})
	w.newKey(mallorysKey, registry.NewKey{User: mallory, Description: "mallory's"})
	w.newKey(rootsKey, registry.NewKey{User: root, Description: "root's"})
	for cred, who := range map[string]string{alicesTPKey: alice, othersTPKey: mallory} {
		res, out := w.exchange(w.ciToken(who+"/tools"), who)
		if res.StatusCode != http.StatusOK {
			w.t.Fatalf("exchange for %s: %s %v", who, res.Status, out)
		}
		k, err := w.reg.Authenticate(ctx, out["apiKey"])
		if err != nil {
			w.t.Fatal(err)
		}
		w.secrets[cred], w.keyIDs[cred] = out["apiKey"], k.ID
	}
}

// newKey creates a key, remembers it as a credential's, and returns its ID.
func (w *world) newKey(cred string, req registry.NewKey) int64 {
	w.t.Helper()
	secret, k, err := w.reg.CreateKey(context.Background(), req)
	if err != nil {
		w.t.Fatal(err)
	}
	w.secrets[cred], w.keyIDs[cred] = secret, k.ID
	return k.ID
}

// ciToken signs a fresh GitHub Actions token for release.yml of repo, as
// the runner of that repository would get it for this server.
func (w *world) ciToken(repo string) string {
	owner, _, _ := strings.Cut(repo, "/")
	sum := sha256.Sum256([]byte(repo))
	wf := repo + "/.github/workflows/release.yml@refs/tags/v1.2.3"
	return w.iss.Token(trusttest.With(trusttest.GitHubClaims(w.iss.URL, w.urls.Base(), w.clock.Now()),
		"repository", repo, "repository_owner", owner, "sub", "repo:"+repo+":environment:prod",
		"repository_id", fmt.Sprint(sum[0])+fmt.Sprint(sum[1]), "repository_owner_id", fmt.Sprint(sum[2])+fmt.Sprint(sum[3]),
		"workflow_ref", wf, "job_workflow_ref", wf))
}

func must(t testing.TB, f func() error) {
	t.Helper()
	if err := f(); err != nil {
		t.Fatal(err)
	}
}

// pushWith pushes a package over the push API with a key.
func (w *world) pushWith(key string, s nugettest.Spec) {
	w.t.Helper()
	if res := w.push(key, s.Build()); res.StatusCode != http.StatusCreated {
		w.t.Fatalf("push %s %s: %s", s.ID, s.Version, res.Status)
	}
}

// as returns a browser for an actor: signed in, or not for anonymous.
func (w *world) as(t testing.TB, actor string) *browser {
	t.Helper()
	if actor == anonymous {
		return w.anonymous(t)
	}
	return w.signedIn(t, actor)
}

// state is snapshot for the world's own test.
func (w *world) state() string { return w.snapshot(w.t, false) }

// snapshot describes everything a request could change, one fact a line:
// the counts of accounts, packages and versions and the feed revision;
// the audit log; every user's keys, policies, invitations and
// memberships; contoso's members; the packages' owners and listings; and
// who each of the matrix's browsers is signed in as. Two equal snapshots
// mean that nothing changed.
//
// A snapshot before a request may reuse the lines of the last one (the
// costly part, read one user at a time) while the counts and the audit
// log are unchanged, as the test's own steps in between (signing in,
// making a link) are all audited. One after a request is always read
// afresh, so reusing can make a refusal look like a change, never hide
// one.
func (w *world) snapshot(t testing.TB, before bool) string {
	t.Helper()
	ctx := context.Background()
	var head strings.Builder
	counts, err := w.feed.db.Contents(ctx)
	if err != nil {
		t.Fatalf("reading the registry: %v", err)
	}
	delete(counts, "audit_events") // listed one by one
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(&head, "%s: %d\n", k, counts[k])
	}
	events, err := w.reg.AuditLog(ctx, 100000)
	if err != nil {
		t.Fatalf("reading the audit log: %v", err)
	}
	for _, e := range events {
		fmt.Fprintf(&head, "audit %s %s %s\n", e.Kind, e.Outcome, e.Subject)
	}
	if !before || head.String() != w.last.head {
		w.last.head, w.last.rows = head.String(), w.rows(t)
	}
	var b strings.Builder
	b.WriteString(w.last.head + w.last.rows)
	for _, id := range slices.Sorted(maps.Keys(w.browsers)) {
		fmt.Fprintf(&b, "browser of %s: %s\n", id, w.signedInAs(w.browsers[id]))
	}
	return b.String()
}

// rows reads the registry's state one user and package at a time.
func (w *world) rows(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	fail := func(err error) {
		if err != nil {
			t.Fatalf("reading the registry: %v", err)
		}
	}
	for _, n := range slices.Sorted(maps.Keys(w.users)) {
		keys, err := w.reg.ListKeys(ctx, n)
		if errors.Is(err, registry.ErrNotFound) {
			fmt.Fprintf(&b, "user %s removed\n", n)
			continue
		}
		fail(err)
		for _, k := range keys {
			fmt.Fprintf(&b, "key %d of %s for %d %q globs %v revoked %v\n", k.ID, n, k.OwnerID, k.Description, k.Globs, k.RevokedAt != nil)
		}
		ps, err := w.reg.Policies(ctx, n)
		fail(err)
		for _, p := range ps {
			fmt.Fprintf(&b, "policy %d seen by %s: %s for %s: %s/%s %s pending since %s globs %v\n", p.ID, n, p.Name, p.OwnerName,
				p.RepoOwner, p.Repository, p.Workflow, p.PendingSince.Format(time.RFC3339), p.Globs)
		}
		invs, err := w.reg.InvitationsOf(ctx, w.users[n])
		fail(err)
		for _, inv := range invs {
			fmt.Fprintf(&b, "%s invited to own %s by %s\n", n, inv.Package, inv.RequestedBy)
		}
		orgs, err := w.reg.OrganizationsOf(ctx, w.users[n])
		fail(err)
		for _, m := range orgs {
			fmt.Fprintf(&b, "%s is %s of %s\n", n, m.Role, m.User.Name)
		}
	}
	hooks, err := w.feed.db.Webhooks(ctx, events.Scope{})
	fail(err)
	for _, h := range hooks {
		ds, err := w.feed.db.Deliveries(ctx, h.ID, 10000)
		fail(err)
		fmt.Fprintf(&b, "webhook %d of owner %d feed %d to %s for %v: %d deliveries\n", h.ID, h.OwnerID, h.FeedID, h.URL, h.Events, len(ds))
	}
	ms, err := w.reg.Members(ctx, "contoso")
	fail(err)
	for _, m := range ms {
		fmt.Fprintf(&b, "contoso has %s as %s\n", m.User.Name, m.Role)
	}
	for _, id := range []string{w.personalPackage, w.orgPackage} {
		p, err := w.reg.Package(ctx, id)
		if errors.Is(err, registry.ErrNotFound) { // its last version deleted for good
			fmt.Fprintf(&b, "package %s gone\n", id)
			continue
		}
		fail(err)
		for _, o := range p.Owners {
			fmt.Fprintf(&b, "%s owned by %s\n", id, o.Name)
		}
		for _, v := range p.Versions {
			fmt.Fprintf(&b, "%s %s listed %v pinned by %q\n", id, v.Version, v.Listed, v.PinnedBy)
		}
	}
	return b.String()
}

// signedInAs names the user of a browser's live session and a digest of
// the session, which tells a new session from the old.
func (w *world) signedInAs(br *browser) string {
	secret := br.cookie("wharf_session")
	if secret == "" {
		return "not signed in"
	}
	u, err := w.reg.SessionUser(context.Background(), secret)
	if err != nil {
		return "a dead session"
	}
	sum := sha256.Sum256([]byte(secret))
	return fmt.Sprintf("%s, session %x", u.Name, sum[:4])
}

// changes lists the lines that differ between two snapshots: "- " for a
// line gone, "+ " for a line new (as multisets: the audit log repeats).
func changes(before, after string) []string {
	count := map[string]int{}
	for l := range strings.Lines(before) {
		count[l]--
	}
	for l := range strings.Lines(after) {
		count[l]++
	}
	var out []string
	for l, n := range count {
		for ; n < 0; n++ {
			out = append(out, "- "+strings.TrimSuffix(l, "\n"))
		}
		for ; n > 0; n-- {
			out = append(out, "+ "+strings.TrimSuffix(l, "\n"))
		}
	}
	slices.Sort(out)
	return out
}

// stage stages version 3.0.0 of id with the key of credential cred in
// the key owner's group slug, and returns the group's ID.
func (w *world) stage(cred, id, slug string) int64 {
	w.t.Helper()
	ctx := context.Background()
	k, err := w.reg.Authenticate(ctx, w.secrets[cred])
	if err != nil {
		w.t.Fatal(err)
	}
	b := nugettest.Spec{ID: id, Version: "3.0.0"}.Build()
	st, err := w.reg.Stage(ctx, k, registry.Upload{R: bytes.NewReader(b), Size: int64(len(b))}, slug)
	if err != nil {
		w.t.Fatal(err)
	}
	return st.Group.ID
}
