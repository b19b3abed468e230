// Invitations to own a package last only while their sender could still
// send them (issue 12, item 6): through the real server, as people click.

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// invitationFeed is a feed where alice owns Alice.Lib, carol co-owns it
// and administers the organisation contoso, which owns Contoso.Lib with
// dave as its other admin, and each browser is signed in.
func invitationFeed(t *testing.T) (*uiFeed, map[string]*browser) {
	t.Helper()
	ctx := context.Background()
	f := newUIFeed(t, uiConfig{})
	bs := map[string]*browser{}
	for _, n := range []string{"alice", "carol", "dave", "mallory"} {
		f.addUser(n)
		bs[n] = f.signedIn(t, n)
	}
	key := f.userKey("alice")
	for _, id := range []string{"Alice.Lib", "Contoso.Lib"} {
		if res := f.push(key, nugettest.Spec{ID: id, Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: %s", id, res.Status)
		}
	}
	must(t, func() error { return f.reg.AddOwner(ctx, "Alice.Lib", "carol") })
	_, err := f.reg.AddOrganization(ctx, "contoso", "carol")
	must(t, func() error { return err })
	must(t, func() error { return f.reg.SetMember(ctx, "contoso", "dave", registry.RoleAdmin) })
	must(t, func() error { return f.reg.AddOwner(ctx, "Contoso.Lib", "contoso") })
	must(t, func() error { return f.reg.RemoveOwner(ctx, "Contoso.Lib", "alice") })
	return f, bs
}

// invite has from invite who to own id through the manage page.
func invite(t *testing.T, from *browser, id, who string) {
	t.Helper()
	if res := send(from, "/packages/"+id+"/manage/owners", url.Values{"account": {who}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invite %s to own %s: %s", who, id, res.Status)
	}
}

// send posts a form with the browser's form token, as a click does.
func send(b *browser, path string, form url.Values) *http.Response {
	b.t.Helper()
	form.Set("_csrf", b.token())
	return b.post(path, form)
}

// owners lists a package's owners as the registry sees them.
func owners(t *testing.T, f *uiFeed, id string) []string {
	t.Helper()
	p, err := f.reg.Package(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range p.Owners {
		out = append(out, o.Name)
	}
	return out
}

// TestInvitationEndsWithItsSendersRights: carol invites mallory, then
// loses the right to change the package's owners; mallory no longer sees
// the invitation, and accepting it anyway makes her no owner.
func TestInvitationEndsWithItsSendersRights(t *testing.T) {
	for _, tc := range []struct {
		name, id string
		revoke   func(bs map[string]*browser) *http.Response
	}{
		{"the inviter is removed as owner", "Alice.Lib", func(bs map[string]*browser) *http.Response {
			return send(bs["alice"], "/packages/Alice.Lib/manage/owners/carol/remove", url.Values{})
		}},
		{"the inviter is no longer an admin of the owning organisation", "Contoso.Lib", func(bs map[string]*browser) *http.Response {
			return send(bs["dave"], "/organizations/contoso/members", url.Values{"user": {"carol"}, "role": {"member"}})
		}},
		{"the inviter left the owning organisation", "Contoso.Lib", func(bs map[string]*browser) *http.Response {
			return send(bs["carol"], "/organizations/contoso/members/carol/remove", url.Values{})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, bs := invitationFeed(t)
			invite(t, bs["carol"], tc.id, "mallory")
			if got := bs["mallory"].get("/account/packages").byTestID("invitation"); len(got) != 1 {
				t.Fatalf("mallory sees %d invitations before carol loses her rights, want 1", len(got))
			}
			if res := tc.revoke(bs); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("revoking carol's rights: %s", res.Status)
			}
			if got := bs["mallory"].get("/account/packages").byTestID("invitation"); len(got) != 0 {
				t.Errorf("mallory still sees %d invitations after carol lost her rights", len(got))
			}
			res := send(bs["mallory"], "/account/invitations/"+tc.id+"/accept", url.Values{})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("mallory accepts carol's dead invitation: %s, want 404", res.Status)
			}
			if got := owners(t, f, tc.id); slices.Contains(got, "mallory") {
				t.Errorf("mallory owns %s (owners %v) through an invitation from someone who lost the right to send it", tc.id, got)
			}
		})
	}
	// A sender who keeps the right: the invitation stands.
	t.Run("the inviter keeps the right", func(t *testing.T) {
		f, bs := invitationFeed(t)
		invite(t, bs["carol"], "Contoso.Lib", "mallory")
		if res := send(bs["mallory"], "/account/invitations/Contoso.Lib/accept", url.Values{}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("mallory accepts a live invitation: %s", res.Status)
		}
		if got := owners(t, f, "Contoso.Lib"); !slices.Contains(got, "mallory") {
			t.Errorf("owners of Contoso.Lib after mallory accepted: %v", got)
		}
	})
}
