// Joining an organisation takes the person's consent (issue 12, item 8):
// through the real server, as people click.

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// memberList is an organisation's members as "name:role", as the
// registry sees them.
func memberList(t *testing.T, f *uiFeed, org string) string {
	t.Helper()
	ms, err := f.reg.Members(context.Background(), org)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.User.Name+":"+string(m.Role))
	}
	return strings.Join(out, " ")
}

// TestOrgMembershipNeedsConsent: mallory makes an organisation, "adds"
// victim as its admin and gives it a package; victim is no member, sees no
// package of it and has no rights over it until victim accepts on their
// Organisations page; declining leaves them out.
func TestOrgMembershipNeedsConsent(t *testing.T) {
	f := newUIFeed(t, uiConfig{})
	mallory, victim := f.signedIn(t, "mallory"), f.signedIn(t, "victim")
	if res := send(mallory, "/account/organizations", url.Values{"name": {"evil"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create evil: %s", res.Status)
	}
	if res := f.push(f.userKey("mallory"), nugettest.Spec{ID: "Evil.Lib", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push: %s", res.Status)
	}
	if res := send(mallory, "/packages/Evil.Lib/manage/owners", url.Values{"account": {"evil"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("evil owns Evil.Lib: %s", res.Status)
	}
	if res := send(mallory, "/organizations/evil/members", url.Values{"user": {"victim"}, "role": {"admin"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("mallory adds victim: %s", res.Status)
	}
	notYet := func(when string) {
		t.Helper()
		if got := memberList(t, f, "evil"); strings.Contains(got, "victim") {
			t.Errorf("%s: victim is a member of evil without agreeing: %s", when, got)
		}
		if p := victim.get("/account/packages"); len(p.byTestID("my-packages")) != 0 {
			t.Errorf("%s: Evil.Lib is on victim's My packages page without their agreement", when)
		}
		if got := victim.get("/packages/Evil.Lib/manage").res.StatusCode; got != http.StatusForbidden {
			t.Errorf("%s: victim may manage Evil.Lib: GET manage = %d, want 403", when, got)
		}
	}
	notYet("after mallory's invitation")
	if got := mallory.get("/organizations/evil").byTestID("pending-member"); len(got) != 1 {
		t.Errorf("evil's admin sees %d pending invitations, want victim's", len(got))
	}
	inv := victim.get("/account/organizations").byTestID("org-invitation")
	if len(inv) != 1 || attr(inv[0], "data-invitation") != "evil" {
		t.Fatalf("victim's Organisations page shows %d invitations, want the one to evil", len(inv))
	}

	if res := send(victim, "/account/organizations/evil/decline", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("decline: %s", res.Status)
	}
	notYet("after declining")
	if res := send(victim, "/account/organizations/evil/accept", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("accepting a declined invitation: %s, want 404", res.Status)
	}
	notYet("after accepting a declined invitation")

	// Invited again, victim agrees.
	send(mallory, "/organizations/evil/members", url.Values{"user": {"victim"}, "role": {"admin"}})
	if res := send(victim, "/account/organizations/evil/accept", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: %s", res.Status)
	}
	if got := memberList(t, f, "evil"); !strings.Contains(got, "victim:admin") {
		t.Errorf("members of evil after victim accepted: %s", got)
	}
	if got := victim.get("/packages/Evil.Lib/manage").res.StatusCode; got != http.StatusOK {
		t.Errorf("victim, now evil's admin, manages Evil.Lib: GET manage = %d", got)
	}
}

// TestOrgInvitationEndsWithItsSendersRights: an invitation to join lasts
// only while its sender is an admin of the organisation, as invitations to
// own a package do; an admin may withdraw one.
func TestOrgInvitationEndsWithItsSendersRights(t *testing.T) {
	f := newUIFeed(t, uiConfig{})
	ctx := context.Background()
	carol, dave, erin := f.signedIn(t, "carol"), f.signedIn(t, "dave"), f.signedIn(t, "erin")
	f.addUser("frank")
	frank := f.signedIn(t, "frank")
	_, err := f.reg.AddOrganization(ctx, "contoso", "dave")
	must(t, func() error { return err })
	must(t, func() error { return f.reg.SetMember(ctx, "contoso", "carol", registry.RoleAdmin) })

	send(carol, "/organizations/contoso/members", url.Values{"user": {"erin"}, "role": {"admin"}})
	if res := send(dave, "/organizations/contoso/members", url.Values{"user": {"carol"}, "role": {"member"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("dave demotes carol: %s", res.Status)
	}
	if got := erin.get("/account/organizations").byTestID("org-invitation"); len(got) != 0 {
		t.Errorf("erin still sees carol's invitation after carol stopped being an admin")
	}
	if res := send(erin, "/account/organizations/contoso/accept", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("erin accepts the invitation of a demoted admin: %s, want 404", res.Status)
	}
	if got := memberList(t, f, "contoso"); strings.Contains(got, "erin") {
		t.Errorf("erin joined contoso through a dead invitation: %s", got)
	}

	send(dave, "/organizations/contoso/members", url.Values{"user": {"frank"}, "role": {"member"}})
	if res := send(dave, "/organizations/contoso/invitations/frank/cancel", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %s", res.Status)
	}
	if res := send(frank, "/account/organizations/contoso/accept", url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("frank accepts a withdrawn invitation: %s, want 404", res.Status)
	}
}
