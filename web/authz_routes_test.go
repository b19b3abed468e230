// The authorisation matrix's routes: every route of routes.go that changes
// something, and every signed-in page, each aimed at one thing in the
// world, with what each credential gets there. Outcomes not written down
// follow from the kind of route (see expect).

package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/wharf-registry/wharf/internal/retention"
)

// outcome is what one credential gets from one route.
type outcome struct {
	status  int
	or      int    // another status that is right too, or 0
	changes bool   // the action is done: the registry's state changes
	sees    bool   // the page shows the row's secret
	phrase  string // the refusal's sentence says this
	signIn  bool   // a page sends the visitor to sign in, then back
	audits  string // the refusal is audited: the one audit line it adds starts so
	onlyKey string // the change touches nothing but this credential's key
	na      bool   // the credential cannot be sent this way (a form token on a GET)
}

// allowed is a permitted form post or page; refused is a refusal that
// changes nothing and shows nothing.
func allowed(status int) outcome { return outcome{status: status, changes: true} }
func shows(status int) outcome   { return outcome{status: status, sees: true} }
func refused(status int) outcome { return outcome{status: status} }

// saying is a refusal whose sentence contains phrase.
func saying(status int, phrase string) outcome { return outcome{status: status, phrase: phrase} }

// audited is a refusal that the audit log records.
func audited(status int, phrase, audit string) outcome {
	return outcome{status: status, phrase: phrase, audits: audit}
}

// hidden is a refusal of something the actor may know exists (403) or,
// as the server prefers, not (404).
func hidden() outcome { return outcome{status: http.StatusForbidden, or: http.StatusNotFound} }

// authzRoute is one route of routes.go, aimed at one thing in the world:
// a page or form of the UI (method, path, form), or an API request.
type authzRoute struct {
	name   string
	method string
	path   func(w *world) string
	form   url.Values                // for posts; the form token is added
	formOf func(w *world) url.Values // for posts whose form depends on the world (replaces form)
	secret string                    // what a page must show only to those who may see it
	want   map[string]outcome

	request func(w *world) *http.Request // an API route's request, without credentials
	bearer  bool                         // the API route takes its credential as a bearer token
	shared  bool                         // permitted tries do not disturb each other: one world serves them all
}

// expect is what a credential gets from the route: the table's entry, or
// the rule for the route's kind. A zero outcome means the table lacks one.
func (r authzRoute) expect(c credential) outcome {
	if o, ok := r.want[c.id]; ok {
		return o
	}
	switch {
	case r.request != nil && c.secret == nil && r.bearer:
		return saying(http.StatusUnauthorized, "Authorization: Bearer")
	case r.request != nil && c.secret == nil:
		return saying(http.StatusUnauthorized, "An API key is required")
	case r.request != nil:
		return map[string]outcome{
			expiredKey:    saying(http.StatusUnauthorized, "expired on"),
			revokedKey:    saying(http.StatusUnauthorized, "was revoked"),
			alicesCIToken: saying(http.StatusUnauthorized, "The API key is not valid"),
			othersCIToken: saying(http.StatusUnauthorized, "The API key is not valid"),
		}[c.id]
	case c.noCSRF && r.method == http.MethodGet:
		return outcome{na: true}
	case r.method == http.MethodGet && c.secret != nil && c.id != alicesKey && c.id != alicesCIToken:
		// No key opens a page: the owner's key and CI token stand for all.
		return outcome{na: true}
	case c.noCSRF:
		return saying(http.StatusForbidden, "This form expired or was sent from another site")
	case c.actor == "" && r.method == http.MethodGet:
		return outcome{status: http.StatusSeeOther, signIn: true}
	case c.actor == "":
		return saying(http.StatusUnauthorized, "Sign in to do this.")
	}
	return outcome{}
}

// uiRoutes are the signed-in pages and forms, each with what every actor
// but anonymous gets. Anonymous visitors are sent to sign in (pages) or
// refused with 401 (forms) everywhere.
func uiRoutes() []authzRoute {
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
	listedDelete := func(i int) func(*world) string {
		return func(w *world) string { return manage(true, "/versions/"+w.orgVersions[i]+"/delete")(w) }
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
	// An edit that moves a policy to another repository confirms it, as the
	// form's box does: without it the edit is refused for everyone.
	editForm := cloneForm(policyForm)
	editForm.Set("confirm_rebind", "yes")
	withOwner := func(v url.Values, owner string) url.Values {
		v = cloneForm(v)
		v.Set("owner", owner)
		return v
	}
	webhookForm := url.Values{"url": {"https://93.184.216.34/new-hook"}, "event": {"pushed"}}
	// hook is the path of alice's, contoso's or the team feed's webhook.
	hook := func(whose, suffix string) func(*world) string {
		return func(w *world) string {
			switch whose {
			case "contoso":
				return "/organizations/contoso/webhooks/" + strconv.FormatInt(w.orgHook, 10) + suffix
			case "team":
				return "/account/feeds/team/webhooks/" + strconv.FormatInt(w.teamHook, 10) + suffix
			}
			return "/account/webhooks/" + strconv.FormatInt(w.aliceHook, 10) + suffix
		}
	}
	return []authzRoute{
		// API keys: each user sees and revokes only their own.
		{name: "keys page", method: "GET", path: fixed("/account/keys"), secret: "alice laptop",
			want: aliceOnly(shows(ok), refused(ok))},
		{name: "create key", method: "POST", path: fixed("/account/keys"),
			form: url.Values{"description": {"new key"}, "expires_days": {"30"}},
			want: everyone(allowed(created))},
		{name: "create key for contoso", method: "POST", path: fixed("/account/keys"),
			form: url.Values{"description": {"new key"}, "expires_days": {"30"}, "owner": {"contoso"}},
			// Only an organisation's admins create its keys; a member who is
			// not one (bob) is told what a stranger is: no such organisation
			// that they administer.
			want: aliceOnly(allowed(created), refused(notFound))},
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
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "contoso's policy page", method: "GET", path: policy("contoso", ""), secret: "contoso-release-policy",
			want: aliceOnly(shows(ok), refused(notFound))},
		{name: "alice's policy page", method: "GET", path: policy(alice, ""), secret: "alice-tools-policy",
			want: aliceOnly(shows(ok), refused(notFound))},
		{name: "edit contoso's policy", method: "POST", path: policy("contoso", ""), form: editForm,
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "edit alice's policy", method: "POST", path: policy(alice, ""), form: editForm,
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
		{name: "edit bob's policy for contoso", method: "POST", path: policy(bob, ""), form: editForm,
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
		// Invitations to join: only the invitee answers; admins withdraw.
		{name: "accept the invitation to join contoso", method: "POST", path: fixed("/account/organizations/contoso/accept"),
			want: map[string]outcome{alice: refused(notFound), bob: refused(notFound), mallory: allowed(back), root: refused(notFound)}},
		{name: "decline the invitation to join contoso", method: "POST", path: fixed("/account/organizations/contoso/decline"),
			want: map[string]outcome{alice: refused(notFound), bob: refused(notFound), mallory: allowed(back), root: refused(notFound)}},
		{name: "withdraw mallory's invitation to contoso", method: "POST", path: fixed("/organizations/contoso/invitations/mallory/cancel"),
			want: map[string]outcome{alice: allowed(back), bob: refused(forbidden), mallory: refused(notFound), root: refused(notFound)}},

		// Packages: owners and members of owning organisations list and
		// unlist; owners and admins of owning organisations change owners.
		{name: "my packages page", method: "GET", path: fixed("/account/packages"), secret: `data-package="Alice.Lib"`,
			want: aliceOnly(shows(ok), refused(ok))},
		{name: "my packages page (organisation's)", method: "GET", path: fixed("/account/packages"), secret: `data-package="Contoso.Lib"`,
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: refused(ok), root: refused(ok)}},
		// Registry admins open the manage page too, to delete for good.
		{name: "manage contoso's package", method: "GET", path: manage(true, ""), secret: `data-testid="manage-versions"`,
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: refused(forbidden), root: shows(ok)}},
		{name: "manage alice's package", method: "GET", path: manage(false, ""), secret: `data-testid="manage-versions"`,
			want: map[string]outcome{alice: shows(ok), bob: refused(forbidden), mallory: refused(forbidden), root: shows(ok)}},
		// Deletes for good: registry admins; owners only where the feed
		// allows it, which the world's feed does not.
		{name: "confirm deleting alice's version", method: "GET", path: manage(false, "/versions/1.0.0/delete"), secret: `data-testid="confirm-delete"`,
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: shows(ok)}},
		{name: "delete alice's version for good", method: "POST", path: manage(false, "/versions/1.0.0/delete"), form: url.Values{"reason": {"Pushed by mistake."}},
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: allowed(back)}},
		{name: "delete contoso's version for good", method: "POST", path: listedDelete(0), form: url.Values{"reason": {"Pushed by mistake."}},
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: allowed(back)}},
		// Pins against retention: as unlisting.
		{name: "pin contoso's version", method: "POST", path: manage(true, "/versions/1.0.0/pin"), form: url.Values{"pinned": {"true"}},
			want: map[string]outcome{alice: allowed(back), bob: allowed(back), mallory: refused(forbidden), root: refused(forbidden)}},
		{name: "pin alice's version", method: "POST", path: manage(false, "/versions/1.0.0/pin"), form: url.Values{"pinned": {"true"}},
			want: aliceOnly(allowed(back), refused(forbidden))},
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
		// Deprecation and advisories: as unlisting, for owners and members
		// of owning organisations; registry admins publish advisories too.
		{name: "deprecate contoso's version", method: "POST", path: manage(true, "/deprecation"), form: url.Values{"version": {"1.0.0"}, "reason": {"Legacy"}},
			want: map[string]outcome{alice: allowed(back), bob: allowed(back), mallory: refused(forbidden), root: refused(forbidden)}},
		{name: "deprecate alice's version", method: "POST", path: manage(false, "/deprecation"), form: url.Values{"version": {"1.0.0"}, "reason": {"CriticalBugs"}, "message": {"Broken."}},
			want: aliceOnly(allowed(back), refused(forbidden))},
		{name: "publish an advisory for contoso's package", method: "POST", path: manage(true, "/advisories"),
			form: url.Values{"advisory": {"GHSA-aaaa-bbbb-cccc"}, "severity": {"critical"}, "url": {"https://example.com/advisories/new"}, "versions": {"(, 2.0.0)"}},
			want: map[string]outcome{alice: allowed(back), bob: allowed(back), mallory: refused(forbidden), root: allowed(back)}},
		{name: "remove contoso's advisory", method: "POST", path: manage(true, "/advisories/WORLD-1/remove"),
			want: map[string]outcome{alice: allowed(back), bob: allowed(back), mallory: refused(forbidden), root: allowed(back)}},
		// Ownership invitations: only the invitee answers; managers withdraw.
		{name: "accept the invitation to own contoso's package", method: "POST", path: fixed("/account/invitations/Contoso.Lib/accept"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "decline the invitation to own contoso's package", method: "POST", path: fixed("/account/invitations/Contoso.Lib/decline"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "withdraw alice's invitation", method: "POST", path: manage(true, "/invitations/alice/cancel"),
			want: aliceOnly(allowed(back), refused(forbidden))},

		// Feeds: everyone lists those they read; registry admins create
		// them; the feed's admins (alice, and root as registry admin)
		// manage it, and to everyone else it is absent.
		{name: "feeds page", method: "GET", path: fixed("/feeds"), secret: `data-feed="team"`,
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: refused(ok), root: shows(ok), anonymous: refused(ok),
				alicesKey: refused(ok), alicesCIToken: refused(ok)}}, // no key opens a page: a public page
		{name: "create a feed", method: "POST", path: fixed("/feeds"), form: url.Values{"name": {"newfeed"}, "private": {"true"}},
			want: map[string]outcome{alice: saying(forbidden, "Only administrators"), bob: saying(forbidden, "Only administrators"), mallory: saying(forbidden, "Only administrators"), root: allowed(back)}},
		{name: "team feed's page", method: "GET", path: fixed("/account/feeds/team"), secret: "team-feed-description",
			want: map[string]outcome{alice: shows(ok), bob: refused(notFound), mallory: refused(notFound), root: shows(ok)}},
		{name: "make the team feed public", method: "POST", path: fixed("/account/feeds/team"), form: url.Values{"visibility": {"public"}, "description": {"open"}},
			want: map[string]outcome{alice: allowed(back), bob: refused(notFound), mallory: refused(notFound), root: allowed(back)}},
		{name: "grant mallory the team feed", method: "POST", path: fixed("/account/feeds/team/grants"), form: url.Values{"kind": {"user"}, "subject": {mallory}, "role": {"reader"}},
			want: map[string]outcome{alice: allowed(back), bob: refused(notFound), mallory: refused(notFound), root: allowed(back)}},
		{name: "revoke bob's grant on the team feed", method: "POST", path: fixed("/account/feeds/team/grants/revoke"), form: url.Values{"kind": {"user"}, "subject": {bob}},
			want: map[string]outcome{alice: allowed(back), bob: refused(notFound), mallory: refused(notFound), root: allowed(back)}},
		// Retention: the feed's admins, as the feed's page.
		{name: "team feed's retention page", method: "GET", path: fixed("/account/feeds/team/retention"), secret: `data-testid="retention-rule"`,
			want: map[string]outcome{alice: shows(ok), bob: refused(notFound), mallory: refused(notFound), root: shows(ok)}},
		{name: "add a retention rule to the team feed", method: "POST", path: fixed("/account/feeds/team/retention/rules"),
			form: url.Values{"kind": {"prereleases"}, "keep": {"1"}, "action": {"unlist"}},
			want: map[string]outcome{alice: allowed(back), bob: refused(notFound), mallory: refused(notFound), root: allowed(back)}},
		{name: "remove the team feed's retention rule", method: "POST",
			path: func(w *world) string {
				return "/account/feeds/team/retention/rules/" + strconv.FormatInt(w.teamRule, 10) + "/remove"
			},
			want: map[string]outcome{alice: allowed(back), bob: refused(notFound), mallory: refused(notFound), root: allowed(back)}},
		{name: "run retention of the team feed", method: "POST", path: fixed("/account/feeds/team/retention/run"),
			form: url.Values{"plan": {retention.Digest(nil)}}, // the team feed's plan is empty
			want: map[string]outcome{alice: allowed(back), bob: refused(notFound), mallory: refused(notFound), root: allowed(back)}},

		// Webhooks: a user's own, contoso's (its admins: alice), the team
		// feed's (its admins: alice, and root as a registry admin).
		{name: "webhooks page", method: "GET", path: fixed("/account/webhooks"), secret: "alice-hook",
			want: aliceOnly(shows(ok), refused(ok))},
		{name: "add a webhook", method: "POST", path: fixed("/account/webhooks"), form: webhookForm,
			want: everyone(allowed(created))},
		{name: "alice's webhook page", method: "GET", path: hook(alice, ""), secret: "alice-hook",
			want: aliceOnly(shows(ok), refused(notFound))},
		{name: "test alice's webhook", method: "POST", path: hook(alice, "/test"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "remove alice's webhook", method: "POST", path: hook(alice, "/remove"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "contoso's webhooks page", method: "GET", path: fixed("/organizations/contoso/webhooks"), secret: "contoso-hook",
			want: aliceOnly(shows(ok), refused(notFound))},
		{name: "add a webhook for contoso", method: "POST", path: fixed("/organizations/contoso/webhooks"), form: webhookForm,
			want: aliceOnly(allowed(created), refused(notFound))},
		{name: "contoso's webhook page", method: "GET", path: hook("contoso", ""), secret: "contoso-hook",
			want: aliceOnly(shows(ok), refused(notFound))},
		{name: "test contoso's webhook", method: "POST", path: hook("contoso", "/test"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "remove contoso's webhook", method: "POST", path: hook("contoso", "/remove"),
			want: aliceOnly(allowed(back), refused(notFound))},
		{name: "team feed's webhooks page", method: "GET", path: fixed("/account/feeds/team/webhooks"), secret: "team-hook",
			want: map[string]outcome{alice: shows(ok), bob: refused(notFound), mallory: refused(notFound), root: shows(ok)}},
		{name: "add a webhook for the team feed", method: "POST", path: fixed("/account/feeds/team/webhooks"), form: webhookForm,
			want: map[string]outcome{alice: allowed(created), bob: refused(notFound), mallory: refused(notFound), root: allowed(created)}},
		{name: "team feed's webhook page", method: "GET", path: hook("team", ""), secret: "team-hook",
			want: map[string]outcome{alice: shows(ok), bob: refused(notFound), mallory: refused(notFound), root: shows(ok)}},
		{name: "test the team feed's webhook", method: "POST", path: hook("team", "/test"),
			want: map[string]outcome{alice: allowed(back), bob: refused(notFound), mallory: refused(notFound), root: allowed(back)}},
		{name: "remove the team feed's webhook", method: "POST", path: hook("team", "/remove"),
			want: map[string]outcome{alice: allowed(back), bob: refused(notFound), mallory: refused(notFound), root: allowed(back)}},

		// The trusted publishing log: every signed-in user reads it, each
		// only the events of the policies of the accounts they manage
		// (web/audit_closest_test.go checks which).
		{name: "trusted publishing log page", method: "GET", path: fixed("/account/audit"), secret: `data-testid="audit-filters"`,
			want: map[string]outcome{alice: shows(ok), bob: shows(ok), mallory: shows(ok), root: shows(ok)}},

		// Testing a CI token explains it against the tester's own policies
		// only, and changes nothing (the token is not used up).
		{name: "test a token on the trusted publishing page", method: "POST", path: fixed("/account/trusted-publishing/test"),
			formOf: func(w *world) url.Values { return url.Values{"token": {w.ciToken("alice/tools")}} }, secret: "alice-tools-policy",
			want: map[string]outcome{alice: shows(ok), bob: {status: ok}, mallory: {status: ok}, root: {status: ok}}},

		// The registry's administrators.
		{name: "users page", method: "GET", path: fixed("/admin/users"), secret: `data-testid="users"`,
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: shows(ok)}},
		{name: "audit log page", method: "GET", path: fixed("/admin/audit"), secret: `data-testid="audit"`,
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: shows(ok)}},
		{name: "reserved prefixes page", method: "GET", path: fixed("/admin/prefixes"), secret: `data-testid="prefixes"`,
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: shows(ok)}},
		{name: "reserve a prefix", method: "POST", path: fixed("/admin/prefixes"), form: url.Values{"pattern": {"Mallory.*"}, "owner": {mallory}},
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: allowed(back)}},
		{name: "release a prefix", method: "POST", path: fixed("/admin/prefixes/release"), form: url.Values{"pattern": {"Reserved.*"}},
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: allowed(back)}},
		{name: "disable mallory", method: "POST", path: fixed("/admin/users/mallory/disable"),
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: allowed(back)}},
		{name: "enable dora", method: "POST", path: fixed("/admin/users/dora/enable"),
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: allowed(back)}},
		{name: "make mallory an admin", method: "POST", path: fixed("/admin/users/mallory/admin"), form: url.Values{"admin": {"true"}},
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: allowed(back)}},
		{name: "confirm removing mallory", method: "GET", path: fixed("/admin/users/mallory/remove"), secret: `data-testid="confirm-remove"`,
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: shows(ok)}},
		{name: "remove mallory", method: "POST", path: fixed("/admin/users/mallory/remove"), form: url.Values{"transfer_to": {root}},
			want: map[string]outcome{alice: refused(forbidden), bob: refused(forbidden), mallory: refused(forbidden), root: allowed(back)}},
	}
}

// send requests the route's page, or posts its form with a form token
// (none when token is "") and extra headers.
func (r authzRoute) send(w *world, br *browser, token string, h http.Header) *page {
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
