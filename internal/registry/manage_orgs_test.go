package registry_test

// Tests of the use cases that change organisations for a signed-in user:
// members, roles and the last-admin rule.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
)

func TestMembersAs(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	tests := []struct {
		actor    string
		org      string
		wantRole registry.Role
		want     error
	}{
		{"alice", "contoso", registry.RoleAdmin, nil},
		{"bob", "contoso", registry.RoleMember, nil},
		{"admin", "contoso", "", nil}, // registry admins may look
		{"mallory", "contoso", "", registry.ErrNotFound},
		{"mallory", "fabrikam", "", registry.ErrNotFound},
		{"alice", "bob", "", registry.ErrNotFound}, // a user: no organisation of that name
	}
	for _, tc := range tests {
		org, role, ms, err := o.s.MembersAs(ctx, o.actor(tc.actor), tc.org)
		what := tc.actor + " lists " + tc.org
		wantErr(t, what, err, tc.want)
		if tc.want != nil {
			if org != nil || ms != nil {
				t.Errorf("%s: refused, but returned %v %v", what, org, ms)
			}
			continue
		}
		if role != tc.wantRole || org.Name != "contoso" || len(ms) != 2 {
			t.Errorf("%s: %v %s %v", what, org, role, ms)
		}
	}
}

// TestOutsidersCannotTellOrganisationsApart: to someone outside it, an
// organisation answers as one that does not exist, in the same words.
func TestOutsidersCannotTellOrganisationsApart(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	for name, try := range map[string]func(org string) error{
		"MembersAs": func(org string) error { _, _, _, err := o.s.MembersAs(ctx, o.mallory, org); return err },
		"SetMemberAs": func(org string) error {
			_, err := o.s.SetMemberAs(ctx, o.mallory, org, "mallory", registry.RoleAdmin)
			return err
		},
		"RemoveMemberAs": func(org string) error { return o.s.RemoveMemberAs(ctx, o.mallory, org, "alice") },
	} {
		e1, e2 := try("contoso"), try("fabrikam")
		wantErr(t, name+" contoso", e1, registry.ErrNotFound)
		wantErr(t, name+" fabrikam", e2, registry.ErrNotFound)
		if e1 != nil && e2 != nil && strings.ReplaceAll(e1.Error(), "contoso", "X") != strings.ReplaceAll(e2.Error(), "fabrikam", "X") {
			t.Errorf("%s: outsiders can tell organisations apart: %q, %q", name, e1, e2)
		}
	}
}

func TestSetMemberAsRoles(t *testing.T) {
	tests := []struct {
		actor, user string
		role        registry.Role
		want        error
	}{
		{"alice", "mallory", registry.RoleMember, nil},
		{"alice", "bob", registry.RoleAdmin, nil},
		{"alice", "mallory", "owner", registry.ErrInvalid},
		{"alice", "nobody", registry.RoleMember, registry.ErrNotFound},
		{"bob", "bob", registry.RoleAdmin, registry.ErrForbidden}, // no promoting oneself
		{"bob", "mallory", registry.RoleMember, registry.ErrForbidden},
		{"mallory", "mallory", registry.RoleMember, registry.ErrNotFound}, // nor joining
		{"admin", "mallory", registry.RoleMember, registry.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s makes %s %s", tc.actor, tc.user, tc.role), func(t *testing.T) {
			o := newOrgSetup(t)
			before := o.members(t)
			invited, err := o.s.SetMemberAs(context.Background(), o.actor(tc.actor), "contoso", tc.user, tc.role)
			wantErr(t, "set member", err, tc.want)
			if invited {
				// Someone new joins only by accepting.
				if after := o.members(t); after != before {
					t.Errorf("an invitation changed the members from %s to %s", before, after)
				}
				if _, err := o.s.AnswerOrgInvitation(context.Background(), o.actor(tc.user), "contoso", true); err != nil {
					t.Fatalf("%s accepts: %v", tc.user, err)
				}
			}
			after := o.members(t)
			switch {
			case tc.want != nil && after != before:
				t.Errorf("a refused change changed the members from %s to %s", before, after)
			case tc.want == nil && !strings.Contains(after, tc.user+":"+string(tc.role)):
				t.Errorf("members = %s, want %s as %s", after, tc.user, tc.role)
			}
		})
	}
}

func TestRemoveMemberAsRoles(t *testing.T) {
	tests := []struct {
		actor, user string
		want        error
	}{
		{"alice", "bob", nil},
		{"alice", "mallory", registry.ErrNotFound}, // not a member
		{"bob", "alice", registry.ErrForbidden},
		{"bob", "bob", nil}, // a member may leave
		{"mallory", "mallory", registry.ErrNotFound},
		{"mallory", "bob", registry.ErrNotFound},
		{"admin", "bob", registry.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.actor+" removes "+tc.user, func(t *testing.T) {
			o := newOrgSetup(t)
			before := o.members(t)
			wantErr(t, "remove member", o.s.RemoveMemberAs(context.Background(), o.actor(tc.actor), "contoso", tc.user), tc.want)
			after := o.members(t)
			switch {
			case tc.want != nil && after != before:
				t.Errorf("a refused removal changed the members from %s to %s", before, after)
			case tc.want == nil && strings.Contains(after, tc.user+":"):
				t.Errorf("members = %s, still with %s", after, tc.user)
			}
		})
	}
}

// TestLastAdminStays: an organisation always keeps an admin, whether its
// last admin is demoted or removed, and a demoted admin loses the right.
func TestLastAdminStays(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	wantErr(t, "demote the last admin", setMemberAs(o.s, ctx, o.alice, "contoso", "alice", registry.RoleMember), registry.ErrConflict)
	wantErr(t, "remove the last admin", o.s.RemoveMemberAs(ctx, o.alice, "contoso", "alice"), registry.ErrConflict)
	if got := o.members(t); got != "alice:admin,bob:member" {
		t.Fatalf("members = %s", got)
	}
	wantErr(t, "promote bob", setMemberAs(o.s, ctx, o.alice, "contoso", "bob", registry.RoleAdmin), nil)
	wantErr(t, "alice steps down", setMemberAs(o.s, ctx, o.alice, "contoso", "alice", registry.RoleMember), nil)
	wantErr(t, "alice, now a member, promotes herself", setMemberAs(o.s, ctx, o.alice, "contoso", "alice", registry.RoleAdmin), registry.ErrForbidden)
	_, err := o.s.AddOwnerAs(ctx, o.alice, "Contoso.Lib", "mallory")
	wantErr(t, "alice changes owners of Contoso.Lib", err, registry.ErrForbidden)
	wantErr(t, "alice still unlists Contoso.Lib", o.s.SetListedAs(ctx, o.alice, "Contoso.Lib", "1.0.0", false), nil)
	wantErr(t, "bob demotes himself, the last admin", setMemberAs(o.s, ctx, o.bob, "contoso", "bob", registry.RoleMember), registry.ErrConflict)
	wantErr(t, "bob removes alice", o.s.RemoveMemberAs(ctx, o.bob, "contoso", "alice"), nil)
	wantErr(t, "alice, removed, unlists Contoso.Lib", o.s.SetListedAs(ctx, o.alice, "Contoso.Lib", "2.0.0", false), registry.ErrForbidden)
	if got := o.members(t); got != "bob:admin" {
		t.Errorf("members = %s, want bob:admin", got)
	}
}

// TestLastAdminStaysWhenBothLeave: the two admins of an organisation leave
// at the same moment (two replicas, or two requests on one). One may go;
// the organisation must keep the other.
func TestLastAdminStaysWhenBothLeave(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	for round := range 20 {
		for _, u := range []string{"alice", "bob"} {
			if err := o.s.SetMember(ctx, "contoso", u, registry.RoleAdmin); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, 2)
		for i, a := range []*registry.Account{o.alice, o.bob} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = o.s.RemoveMemberAs(ctx, a, "contoso", a.Name)
			}()
		}
		close(start)
		wg.Wait()
		if got := o.members(t); got != "alice:admin" && got != "bob:admin" {
			t.Fatalf("round %d: both admins left at once (%v); members = %q, want one admin left", round, errs, got)
		}
	}
}

// setMemberAs is SetMemberAs without whether it invited.
func setMemberAs(s *registry.Service, ctx context.Context, actor *registry.Account, org, user string, role registry.Role) error {
	_, err := s.SetMemberAs(ctx, actor, org, user, role)
	return err
}
