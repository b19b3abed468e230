package registry_test

// Tests of the use cases that change packages for a signed-in user: listing,
// owners and ownership invitations.

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
)

func TestSetListedAsRoles(t *testing.T) {
	tests := []struct {
		actor, id string
		want      error
	}{
		{"alice", "Alice.Lib", nil},                          // the owner
		{"alice", "Contoso.Lib", nil},                        // an admin of the owning organisation
		{"bob", "Contoso.Lib", nil},                          // a member of it
		{"bob", "Alice.Lib", registry.ErrForbidden},          // a member of another owner
		{"mallory", "Contoso.Lib", registry.ErrForbidden},    // nobody to it
		{"admin", "Alice.Lib", registry.ErrForbidden},        // registry admins do not own everything
		{"alice", "No.Such.Package", registry.ErrNotFound},   // nothing to change
		{"mallory", "No.Such.Package", registry.ErrNotFound}, // for anyone
	}
	for _, tc := range tests {
		t.Run(tc.actor+"/"+tc.id, func(t *testing.T) {
			ctx := context.Background()
			o := newOrgSetup(t)
			err := o.s.SetListedAs(ctx, o.actor(tc.actor), tc.id, "1.0.0", false)
			wantErr(t, "unlist", err, tc.want)
			if tc.want == registry.ErrNotFound {
				return
			}
			if got := o.listed(t, tc.id, "1.0.0"); got != (tc.want != nil) {
				t.Fatalf("after unlisting as %s: listed = %v", tc.actor, got)
			}
			if tc.want != nil {
				return
			}
			wantErr(t, "unlist again", o.s.SetListedAs(ctx, o.actor(tc.actor), tc.id, "1.0.0", false), nil)
			wantErr(t, "relist", o.s.SetListedAs(ctx, o.actor(tc.actor), tc.id, "1.0.0", true), nil)
			if !o.listed(t, tc.id, "1.0.0") {
				t.Error("relisting left the version unlisted")
			}
			if !o.listed(t, tc.id, "2.0.0") {
				t.Error("unlisting 1.0.0 unlisted 2.0.0")
			}
		})
	}
	t.Run("unknown version", func(t *testing.T) {
		o := newOrgSetup(t)
		for _, v := range []string{"3.0.0", "not-a-version"} {
			wantErr(t, v, o.s.SetListedAs(context.Background(), o.alice, "Alice.Lib", v, false), registry.ErrNotFound)
		}
	})
}

func TestOwnersAsRoles(t *testing.T) {
	tests := []struct {
		actor, id string
		want      error
	}{
		{"alice", "Alice.Lib", nil},
		{"alice", "Contoso.Lib", nil},                      // as admin of contoso
		{"bob", "Contoso.Lib", registry.ErrForbidden},      // members list and unlist, but do not change owners
		{"bob", "Alice.Lib", registry.ErrForbidden},        //
		{"mallory", "Alice.Lib", registry.ErrForbidden},    // not even to add themself
		{"admin", "Contoso.Lib", registry.ErrForbidden},    // registry admins use the command line
		{"alice", "No.Such.Package", registry.ErrNotFound}, //
	}
	for _, tc := range tests {
		t.Run(tc.actor+"/"+tc.id, func(t *testing.T) {
			ctx := context.Background()
			o := newOrgSetup(t)
			before := ""
			if tc.want != registry.ErrNotFound {
				before = o.owners(t, tc.id)
			}
			invited, err := o.s.AddOwnerAs(ctx, o.actor(tc.actor), tc.id, "mallory")
			wantErr(t, "add owner", err, tc.want)
			if tc.want == registry.ErrNotFound {
				return
			}
			if tc.want != nil {
				if got := o.owners(t, tc.id); got != before {
					t.Errorf("a refused owner change changed the owners from %s to %s", before, got)
				}
				// Removing the existing owner is refused just the same.
				first := strings.Split(before, ",")[0]
				wantErr(t, "remove owner", o.s.RemoveOwnerAs(ctx, o.actor(tc.actor), tc.id, first), tc.want)
				if got := o.owners(t, tc.id); got != before {
					t.Errorf("a refused owner removal changed the owners from %s to %s", before, got)
				}
				return
			}
			// mallory is invited, not made an owner, until she accepts.
			if got := o.owners(t, tc.id); !invited || got != before {
				t.Fatalf("after inviting mallory: invited %v, owners %s; want an invitation and %s", invited, got, before)
			}
			wantErr(t, "accept", o.s.AnswerInvitation(ctx, o.mallory, tc.id, true), nil)
			wantErr(t, "accept twice", o.s.AnswerInvitation(ctx, o.mallory, tc.id, true), registry.ErrNotFound)
			if got := o.owners(t, tc.id); !strings.Contains(","+got+",", ",mallory,") || len(got) != len(before+",mallory") {
				t.Fatalf("owners = %s, want %s and mallory", got, before)
			}
			wantErr(t, "remove owner", o.s.RemoveOwnerAs(ctx, o.actor(tc.actor), tc.id, "mallory"), nil)
			if got := o.owners(t, tc.id); got != before {
				t.Errorf("owners after removal = %s, want %s", got, before)
			}
			wantErr(t, "remove a non-owner", o.s.RemoveOwnerAs(ctx, o.actor(tc.actor), tc.id, "mallory"), registry.ErrNotFound)
			wantErr(t, "remove the last owner", o.s.RemoveOwnerAs(ctx, o.actor(tc.actor), tc.id, before), registry.ErrConflict)
			if got := o.owners(t, tc.id); got != before {
				t.Errorf("removing the last owner left %s", got)
			}
		})
	}
	t.Run("unknown account", func(t *testing.T) {
		o := newOrgSetup(t)
		_, err := o.s.AddOwnerAs(context.Background(), o.alice, "Alice.Lib", "nobody")
		wantErr(t, "add", err, registry.ErrNotFound)
	})
	t.Run("an owner removed stops managing", func(t *testing.T) {
		ctx := context.Background()
		o := newOrgSetup(t)
		_, err := o.s.AddOwnerAs(ctx, o.alice, "Alice.Lib", "bob")
		wantErr(t, "invite bob", err, nil)
		wantErr(t, "bob accepts", o.s.AnswerInvitation(ctx, o.bob, "Alice.Lib", true), nil)
		wantErr(t, "bob removes alice", o.s.RemoveOwnerAs(ctx, o.bob, "Alice.Lib", "alice"), nil)
		wantErr(t, "alice unlists", o.s.SetListedAs(ctx, o.alice, "Alice.Lib", "1.0.0", false), registry.ErrForbidden)
		_, err = o.s.AddOwnerAs(ctx, o.alice, "Alice.Lib", "alice")
		wantErr(t, "alice adds herself back", err, registry.ErrForbidden)
	})
}

func TestPackagesOf(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	for actor, want := range map[string]string{"alice": "Alice.Lib,Contoso.Lib", "bob": "Contoso.Lib", "mallory": ""} {
		ps, err := o.s.PackagesOf(ctx, o.actor(actor))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Name)
		}
		if strings.Join(got, ",") != want {
			t.Errorf("packages of %s = %v, want %s", actor, got, want)
		}
	}
}

func TestCanManage(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	p, err := o.s.Package(ctx, "Contoso.Lib")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		actor        string
		list, owners bool
	}{{"alice", true, true}, {"bob", true, false}, {"mallory", false, false}, {"admin", false, false}} {
		list, err1 := o.s.CanManage(ctx, o.actor(tc.actor), p, false)
		owners, err2 := o.s.CanManage(ctx, o.actor(tc.actor), p, true)
		if err1 != nil || err2 != nil || list != tc.list || owners != tc.owners {
			t.Errorf("%s: list %v owners %v (%v %v), want %v %v", tc.actor, list, owners, err1, err2, tc.list, tc.owners)
		}
	}
	if ok, err := o.s.CanManage(ctx, nil, p, false); ok || err != nil {
		t.Errorf("nobody signed in manages: %v %v", ok, err)
	}
}

// TestAddOwnerAsOrganisation: an organisation becomes an owner only when
// the actor administers it, so nobody can put a package in the name of an
// organisation they are not part of.
func TestAddOwnerAsOrganisation(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	if _, err := o.s.AddOrganization(ctx, "fabrikam", "mallory"); err != nil {
		t.Fatal(err)
	}
	_, err := o.s.AddOwnerAs(ctx, o.alice, "Alice.Lib", "fabrikam")
	wantErr(t, "alice makes fabrikam an owner", err, registry.ErrForbidden)
	p, err := o.s.Package(ctx, "Alice.Lib")
	if err != nil || len(p.Owners) != 1 {
		t.Fatalf("owners after a refused change: %+v %v", p, err)
	}
	invited, err := o.s.AddOwnerAs(ctx, o.alice, "Alice.Lib", "contoso")
	if err != nil || invited || o.owners(t, "Alice.Lib") != "alice,contoso" {
		t.Errorf("alice makes contoso an owner: invited %v, owners %s, %v; want it added at once", invited, o.owners(t, "Alice.Lib"), err)
	}
}

// TestOwnerInvitations: a user is made an owner only by accepting; the
// invitation is theirs alone, works once, and can be declined or withdrawn.
func TestOwnerInvitations(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	if invited, err := o.s.AddOwnerAs(ctx, o.alice, "Alice.Lib", "bob"); err != nil || !invited {
		t.Fatalf("inviting bob: %v %v", invited, err)
	}
	if _, err := o.s.AddOwnerAs(ctx, o.alice, "Alice.Lib", "bob"); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("inviting bob twice: %v, want a conflict", err)
	}
	if invs, err := o.s.InvitationsOf(ctx, o.bob); err != nil || len(invs) != 1 || invs[0].Package != "Alice.Lib" || invs[0].RequestedBy != "alice" {
		t.Errorf("bob's invitations: %+v %v", invs, err)
	}
	if invs, _ := o.s.InvitationsOf(ctx, o.mallory); len(invs) != 0 {
		t.Errorf("mallory sees invitations: %+v", invs)
	}
	wantErr(t, "mallory accepts bob's invitation", o.s.AnswerInvitation(ctx, o.mallory, "Alice.Lib", true), registry.ErrNotFound)
	_, err := o.s.InvitationsTo(ctx, o.bob, "Alice.Lib")
	wantErr(t, "bob lists the package's invitations", err, registry.ErrForbidden)
	wantErr(t, "bob declines", o.s.AnswerInvitation(ctx, o.bob, "Alice.Lib", false), nil)
	if got := o.owners(t, "Alice.Lib"); got != "alice" {
		t.Errorf("owners after declining = %s", got)
	}
	if _, err := o.s.AddOwnerAs(ctx, o.alice, "Alice.Lib", "bob"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "mallory withdraws", o.s.CancelInvitationAs(ctx, o.mallory, "Alice.Lib", "bob"), registry.ErrForbidden)
	wantErr(t, "alice withdraws", o.s.CancelInvitationAs(ctx, o.alice, "Alice.Lib", "bob"), nil)
	wantErr(t, "bob accepts a withdrawn invitation", o.s.AnswerInvitation(ctx, o.bob, "Alice.Lib", true), registry.ErrNotFound)
	if got := o.owners(t, "Alice.Lib"); got != "alice" {
		t.Errorf("owners after a withdrawn invitation = %s", got)
	}
}
