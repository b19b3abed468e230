// The web UI's authorisation matrix: every signed-in page and every form of
// routes.go, tried by each kind of visitor, against a small registry where
// refusals and permissions are easy to tell apart.

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// The actors. alice administers the organisation contoso; bob is a plain
// member of it (he was an admin once, and made a trust policy for it
// then); mallory belongs to nothing; root administers the registry
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
	personalPackage, orgPackage  string
	personalVersion, orgVersions []string // orgVersions[1] is unlisted
}

// newWorld builds the registry: users, the organisation, alice's keys and
// policies, and packages pushed over the push API with her keys.
func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{
		uiFeed: newUIFeed(t, uiConfig{reg: registry.Options{
			Issuers: []trust.Issuer{{URL: trust.GitHubActionsIssuer, Provider: trust.GitHub, Name: "GitHub Actions"}},
		}}),
		users:           map[string]*registry.Account{},
		personalPackage: "Alice.Lib", orgPackage: "Contoso.Lib",
		personalVersion: []string{"1.0.0"}, orgVersions: []string{"1.0.0", "1.1.0"},
	}
	must(t, func() error { _, err := w.reg.AddUser(ctx, registry.NewUser{Name: root, IsAdmin: true}); return err })
	for _, n := range []string{alice, bob, mallory, root, "carol"} {
		w.users[n] = w.addUser(n)
	}
	must(t, func() error { _, err := w.reg.AddOrganization(ctx, "contoso", alice); return err })
	must(t, func() error { return w.reg.SetMember(ctx, "contoso", bob, registry.RoleAdmin) })

	personal, k, err := w.reg.CreateKey(ctx, registry.NewKey{User: alice, Description: "alice laptop"})
	if err != nil {
		t.Fatal(err)
	}
	w.personalKey = k.ID
	forOrg, k, err := w.reg.CreateKey(ctx, registry.NewKey{User: alice, Owner: "contoso", Description: "contoso release"})
	if err != nil {
		t.Fatal(err)
	}
	w.orgKey = k.ID
	w.pushWith(personal, nugettest.Spec{ID: w.personalPackage, Version: "1.0.0"})
	for _, v := range w.orgVersions {
		w.pushWith(forOrg, nugettest.Spec{ID: w.orgPackage, Version: v})
	}
	if res := w.unlistReq(forOrg, w.orgPackage, w.orgVersions[1], http.MethodDelete); res.StatusCode != http.StatusNoContent {
		t.Fatalf("unlist %s %s: %s", w.orgPackage, w.orgVersions[1], res.Status)
	}
	must(t, func() error { return w.reg.AddOwner(ctx, w.orgPackage, "carol") })
	// carol, a co-owner, invites alice to own Contoso.Lib in her own name.
	must(t, func() error { _, err := w.reg.AddOwnerAs(ctx, w.users["carol"], w.orgPackage, alice); return err })

	for _, p := range []struct {
		id                      *int64
		user, owner, name, repo string
	}{
		{&w.personalPolicy, alice, alice, "alice-tools-policy", "alice/tools"},
		{&w.orgPolicy, alice, "contoso", "contoso-release-policy", "contoso/sdk"},
		{&w.demotedPolicy, bob, "contoso", "contoso-bob-policy", "contoso/tools"},
	} {
		v, err := w.reg.CreatePolicy(ctx, registry.NewPolicy{User: p.user, Owner: p.owner, Name: p.name, Provider: trust.GitHub, Repository: p.repo, Workflow: "release.yml"})
		if err != nil {
			t.Fatal(err)
		}
		*p.id = v.ID
	}
	// bob was an admin of contoso while he made his policy; now he is a member.
	must(t, func() error { return w.reg.SetMember(ctx, "contoso", bob, registry.RoleMember) })
	// A day later, so that renewing a pending policy changes it.
	w.clock.Advance(24 * time.Hour)
	return w
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

// state describes everything a form could change: keys, policies,
// memberships, owners and listings, for every user. Two equal states
// mean that nothing changed.
func (w *world) state() string {
	w.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	fail := func(err error) {
		if err != nil {
			w.t.Fatalf("reading state: %v", err)
		}
	}
	names := make([]string, 0, len(w.users))
	for n := range w.users {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		keys, err := w.reg.ListKeys(ctx, n)
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
	ms, err := w.reg.Members(ctx, "contoso")
	fail(err)
	for _, m := range ms {
		fmt.Fprintf(&b, "contoso has %s as %s\n", m.User.Name, m.Role)
	}
	for _, id := range []string{w.personalPackage, w.orgPackage} {
		p, err := w.reg.Package(ctx, id)
		fail(err)
		for _, o := range p.Owners {
			fmt.Fprintf(&b, "%s owned by %s\n", id, o.Name)
		}
		for _, v := range p.Versions {
			fmt.Fprintf(&b, "%s %s listed %v\n", id, v.Version, v.Listed)
		}
	}
	return b.String()
}

// outcome is what one actor gets from one route.
type outcome struct {
	status  int
	or      int  // another status that is right too, or 0
	changes bool // the action is done: the registry's state changes
	sees    bool // the page shows the row's secret
}

// allowed is a permitted form post or page; refused is a refusal that
// changes nothing and shows nothing.
func allowed(status int) outcome { return outcome{status: status, changes: true} }
func shows(status int) outcome   { return outcome{status: status, sees: true} }
func refused(status int) outcome { return outcome{status: status} }

// hidden is a refusal of something the actor may know exists (403) or,
// as the server prefers, not (404).
func hidden() outcome { return outcome{status: http.StatusForbidden, or: http.StatusNotFound} }

// uiRoute is one page or form of routes.go, aimed at one thing in the world.
type uiRoute struct {
	name   string
	method string
	path   func(w *world) string
	form   url.Values // for posts; the form token is added
	secret string     // what a page must show only to those who may see it
	want   map[string]outcome
}

// uiRoutes are the signed-in pages and forms, each with what every actor
// but anonymous gets. Anonymous visitors are sent to sign in (pages) or
// refused with 401 (forms) everywhere.
func uiRoutes() []uiRoute {
	fixed := func(p string) func(*world) string { return func(*world) string { return p } }
	policy := func(which string, suffix string) func(*world) string {
		return func(w *world) string {
			id := map[string]int64{alice: w.personalPolicy, "contoso": w.orgPolicy, bob: w.demotedPolicy}[which]
			return "/account/trusted-publishing/" + strconv.FormatInt(id, 10) + suffix
		}
	}
	manage := func(org bool, suffix string) func(*world) string {
		return func(w *world) string {
			id := w.personalPackage
			if org {
				id = w.orgPackage
			}
			return "/packages/" + id + "/manage" + suffix
		}
	}
	listed := func(org bool, i int) func(*world) string {
		return func(w *world) string {
			vs := w.personalVersion
			if org {
				vs = w.orgVersions
			}
			v := vs[i]
			return manage(org, "/versions/"+v+"/listed")(w)
		}
	}
	revoke := func(org bool) func(*world) string {
		return func(w *world) string {
			id := w.personalKey
			if org {
				id = w.orgKey
			}
			return "/account/keys/" + strconv.FormatInt(id, 10) + "/revoke"
		}
	}
	// aliceOnly: alice gets one outcome, everyone else another.
	aliceOnly := func(a, others outcome) map[string]outcome {
		return map[string]outcome{alice: a, bob: others, mallory: others, root: others}
	}
	everyone := func(o outcome) map[string]outcome { return aliceOnly(o, o) }
	ok, created, back := http.StatusOK, http.StatusCreated, http.StatusSeeOther
	forbidden, notFound := http.StatusForbidden, http.StatusNotFound
	policyForm := url.Values{"provider": {"github"}, "repository": {"someone/repo"}, "workflow": {"publish.yml"}, "name": {"changed"}}
	withOwner := func(v url.Values, owner string) url.Values {
		v = cloneForm(v)
		v.Set("owner", owner)
		return v
	}
	return []uiRoute{
		// API keys: each user sees and revokes only their own.
		{name: "keys page", method: "GET", path: fixed("/account/keys"), secret: "alice laptop",
			want: aliceOnly(shows(ok), refused(ok))},
		{name: "create key", method: "POST", path: fixed("/account/keys"),
			form: url.Values{"description": {"new key"}, "expires_days": {"30"}},
			want: everyone(allowed(created))},
		{name: "create key for contoso", method: "POST", path: fixed("/account/keys"),
			form: url.Values{"description": {"new key"}, "expires_days": {"30"}, "owner": {"contoso"}},
			want: map[string]outcome{alice: allowed(created), bob: allowed(created), mallory: refused(forbidden), root: refused(forbidden)}},
		{name: "revoke alice's key", method: "POST", path: revoke(false),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "revoke alice's key for contoso", method: "POST", path: revoke(true),
			want: aliceOnly(allowed(back), refused(notFound))},

		// Trust policies: the creator's, and an organisation's for its admins.
		{name: "policies page", method: "GET", path: fixed("/account/trusted-publishing"), secret: "contoso-release-policy",
			want: aliceOnly(shows(ok), refused(ok))},
		{name: "create policy", method: "POST", path: fixed("/account/trusted-publishing"), form: policyForm,
			want: everyone(allowed(back))},
		{name: "create policy for contoso", method: "POST", path: fixed("/account/trusted-publishing"), form: withOwner(policyForm, "contoso"),
			want: aliceOnly(allowed(back), refused(forbidden))},
		{name: "contoso's policy page", method: "GET", path: policy("contoso", ""), secret: "contoso-release-policy",
			want: aliceOnly(shows(ok), refused(notFound))},
		{name: "alice's policy page", method: "GET", path: policy(alice, ""), secret: "alice-tools-policy",
			want: aliceOnly(shows(ok), refused(notFound))},
		{name: "edit contoso's policy", method: "POST", path: policy("contoso", ""), form: policyForm,
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "edit alice's policy", method: "POST", path: policy(alice, ""), form: policyForm,
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "renew contoso's policy", method: "POST", path: policy("contoso", "/renew"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "delete contoso's policy", method: "POST", path: policy("contoso", "/delete"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "delete alice's policy", method: "POST", path: policy(alice, "/delete"),
			want: aliceOnly(allowed(back), refused(notFound))},
		// A demoted admin no longer manages the organisation's policies,
		// not even those they made: they still see their own on the list
		// (with its status), but without ways to change it.
		{name: "policies page (bob's policy for contoso)", method: "GET", path: fixed("/account/trusted-publishing"), secret: "contoso-bob-policy",
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: refused(ok), root: refused(ok)}},
		{name: "bob's policy for contoso", method: "GET", path: policy(bob, ""), secret: "contoso-bob-policy",
			want: map[string]outcome{alice: shows(ok), bob: hidden(), mallory: refused(notFound), root: refused(notFound)}},
		{name: "edit bob's policy for contoso", method: "POST", path: policy(bob, ""), form: policyForm,
			want: map[string]outcome{alice: allowed(back), bob: hidden(), mallory: refused(notFound), root: refused(notFound)}},
		{name: "delete bob's policy for contoso", method: "POST", path: policy(bob, "/delete"),
			want: map[string]outcome{alice: allowed(back), bob: hidden(), mallory: refused(notFound), root: refused(notFound)}},

		// Organisations: members see them, admins change them. Registry
		// admins may look, but not change.
		{name: "organisations page", method: "GET", path: fixed("/account/organizations"), secret: `href="/organizations/contoso"`,
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: refused(ok), root: refused(ok)}},
		{name: "create organisation", method: "POST", path: fixed("/account/organizations"), form: url.Values{"name": {"fabrikam"}},
			want: everyone(allowed(back))},
		{name: "contoso's page", method: "GET", path: fixed("/organizations/contoso"), secret: `data-member="bob"`,
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: refused(notFound), root: shows(ok)}},
		{name: "add a member to contoso", method: "POST", path: fixed("/organizations/contoso/members"), form: url.Values{"user": {mallory}, "role": {"member"}},
			want: map[string]outcome{alice: allowed(back), bob: refused(forbidden), mallory: refused(notFound), root: refused(notFound)}},
		{name: "make bob an admin of contoso", method: "POST", path: fixed("/organizations/contoso/members"), form: url.Values{"user": {bob}, "role": {"admin"}},
			want: map[string]outcome{alice: allowed(back), bob: refused(forbidden), mallory: refused(notFound), root: refused(notFound)}},
		// Members may leave; only admins remove others.
		{name: "remove bob from contoso", method: "POST", path: fixed("/organizations/contoso/members/bob/remove"),
			want: map[string]outcome{alice: allowed(back), bob: allowed(back), mallory: refused(notFound), root: refused(notFound)}},
		{name: "remove alice from contoso", method: "POST", path: fixed("/organizations/contoso/members/alice/remove"),
			want: map[string]outcome{alice: refused(http.StatusConflict), bob: refused(forbidden), mallory: refused(notFound), root: refused(notFound)}},

		// Packages: owners and members of owning organisations list and
		// unlist; owners and admins of owning organisations change owners.
		{name: "my packages page", method: "GET", path: fixed("/account/packages"), secret: `data-package="Alice.Lib"`,
			want: aliceOnly(shows(ok), refused(ok))},
		{name: "my packages page (organisation's)", method: "GET", path: fixed("/account/packages"), secret: `data-package="Contoso.Lib"`,
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: refused(ok), root: refused(ok)}},
		{name: "manage contoso's package", method: "GET", path: manage(true, ""), secret: `data-testid="manage-versions"`,
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: refused(forbidden), root: refused(forbidden)}},
		{name: "manage alice's package", method: "GET", path: manage(false, ""), secret: `data-testid="manage-versions"`,
			want: aliceOnly(shows(ok), refused(forbidden))},
		{name: "unlist contoso's version", method: "POST", path: listed(true, 0), form: url.Values{"listed": {"false"}},
			want: map[string]outcome{alice: allowed(back), bob: allowed(back), mallory: refused(forbidden), root: refused(forbidden)}},
		{name: "relist contoso's version", method: "POST", path: listed(true, 1), form: url.Values{"listed": {"true"}},
			want: map[string]outcome{alice: allowed(back), bob: allowed(back), mallory: refused(forbidden), root: refused(forbidden)}},
		{name: "unlist alice's version", method: "POST", path: listed(false, 0), form: url.Values{"listed": {"false"}},
			want: aliceOnly(allowed(back), refused(forbidden))},
		{name: "add mallory as owner of contoso's package", method: "POST", path: manage(true, "/owners"), form: url.Values{"account": {mallory}},
			want: aliceOnly(allowed(back), refused(forbidden))},
		{name: "add mallory as owner of alice's package", method: "POST", path: manage(false, "/owners"), form: url.Values{"account": {mallory}},
			want: aliceOnly(allowed(back), refused(forbidden))},
		{name: "remove carol as owner of contoso's package", method: "POST", path: manage(true, "/owners/carol/remove"),
			want: aliceOnly(allowed(back), refused(forbidden))},
		// Ownership invitations: only the invitee answers; managers withdraw.
		{name: "accept the invitation to own contoso's package", method: "POST", path: fixed("/account/invitations/Contoso.Lib/accept"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "decline the invitation to own contoso's package", method: "POST", path: fixed("/account/invitations/Contoso.Lib/decline"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "withdraw alice's invitation", method: "POST", path: manage(true, "/invitations/alice/cancel"),
			want: aliceOnly(allowed(back), refused(forbidden))},

		// The registry's administrators.
		{name: "users page", method: "GET", path: fixed("/admin/users"), secret: `data-testid="users"`,
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: shows(ok)}},
		{name: "audit log page", method: "GET", path: fixed("/admin/audit"), secret: `data-testid="audit"`,
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: shows(ok)}},
	}
}

// send requests the route's page, or posts its form with a form token
// (none when token is "") and extra headers.
func (r uiRoute) send(w *world, br *browser, token string, h http.Header) *page {
	if r.method == http.MethodGet {
		return br.get(r.path(w))
	}
	form := cloneForm(r.form)
	if token != "" {
		form.Set("_csrf", token)
	}
	return br.postWith(r.path(w), form.Encode(), h)
}

// cloneForm copies form values.
func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// TestUIAuthorization tries every signed-in page and form as every actor
// in a fresh world, and checks the status, what the page shows and that
// refusals change nothing while permitted actions do change something.
func TestUIAuthorization(t *testing.T) {
	t.Parallel()
	for _, r := range uiRoutes() {
		for _, actor := range actors {
			t.Run(r.name+"/"+actor, func(t *testing.T) {
				t.Parallel()
				skipKnownBug(t)
				w := newWorld(t)
				br := w.as(t, actor)
				path := r.path(w)
				want, ok := r.want[actor]
				if !ok && actor != anonymous {
					t.Fatalf("no expectation for %s", actor)
				}
				before := w.state()
				token := ""
				if r.method == http.MethodPost {
					token = br.token()
				}
				p := r.send(w, br, token, nil)
				after := w.state()
				switch {
				case actor == anonymous && r.method == http.MethodGet:
					loc := p.res.Header.Get("Location")
					if p.res.StatusCode != http.StatusSeeOther || loc != "/sign-in?next="+url.QueryEscape(path) {
						t.Errorf("GET %s: %s to %q, want 303 to the sign-in page", path, p.res.Status, loc)
					}
				case actor == anonymous:
					if p.res.StatusCode != http.StatusUnauthorized || p.reason() == "" {
						t.Errorf("POST %s: %s %q, want 401 saying why", path, p.res.Status, p.reason())
					}
				default:
					if p.res.StatusCode != want.status && p.res.StatusCode != want.or {
						t.Errorf("%s %s: %s, want %d: %s", r.method, path, p.res.Status, want.status, p.reason())
					}
					if p.res.StatusCode >= 400 && want.status >= 400 && p.reason() == "" {
						t.Errorf("%s %s: %s without a sentence saying why", r.method, path, p.res.Status)
					}
				}
				if r.secret != "" && strings.Contains(p.body, r.secret) != want.sees {
					t.Errorf("%s %s: shows %s = %v, want %v", r.method, path, r.secret, !want.sees, want.sees)
				}
				if changed := after != before; changed != want.changes {
					t.Errorf("%s %s changed the registry = %v, want %v:\nbefore:\n%s\nafter:\n%s", r.method, path, changed, want.changes, before, after)
				}
			})
		}
	}
}
