package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The use cases in this file act for a signed-in user (the actor) and
// check the actor's rights themselves: the web UI calls them, and nothing
// the UI sends can widen what the actor may do. The command-line
// counterparts without an actor are for the operator.

// packageRole is what an actor may do with a package.
type packageRole int

const (
	roleNone    packageRole = iota
	roleMember              // a member of an owning organisation: list and unlist
	roleManager             // an owner, or an admin of an owning organisation: also owners
)

// packageRole returns the actor's role for p and the owner account the
// actor acts as (the actor, or the organisation that grants the role).
func (s *Service) packageRole(ctx context.Context, actor *Account, p *Package) (packageRole, int64, error) {
	best, as := roleNone, int64(0)
	for _, o := range p.Owners {
		if o.ID == actor.ID {
			return roleManager, o.ID, nil
		}
		if o.Kind != KindOrganization {
			continue
		}
		role, err := s.store.Membership(ctx, o.ID, actor.ID)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return roleNone, 0, err
		}
		if role == RoleAdmin {
			return roleManager, o.ID, nil
		}
		best, as = roleMember, o.ID
	}
	return best, as, nil
}

// CanManage reports whether the actor may unlist and relist versions of
// the package (manageOwners=false) or also change its owners.
func (s *Service) CanManage(ctx context.Context, actor *Account, p *Package, manageOwners bool) (bool, error) {
	versions, owners, err := s.PackageRights(ctx, actor, p)
	if manageOwners {
		return owners, err
	}
	return versions, err
}

// PackageRights reports, with one look at the actor's memberships, whether
// the actor may unlist and relist versions of the package and whether
// they may also change its owners.
func (s *Service) PackageRights(ctx context.Context, actor *Account, p *Package) (versions, owners bool, err error) {
	if actor == nil {
		return false, false, nil
	}
	r, _, err := s.packageRole(ctx, actor, p)
	return r >= roleMember, r == roleManager, err
}

// SetListedAs unlists or relists a version for a signed-in user, who must
// own the package or belong to an organisation that does. Errors:
// ErrNotFound, ErrForbidden.
func (s *Service) SetListedAs(ctx context.Context, actor *Account, id, version string, listed bool) error {
	p, pv, err := s.freshVersion(ctx, id, version)
	if err != nil {
		return err
	}
	r, as, err := s.packageRole(ctx, actor, p)
	if err != nil {
		return err
	}
	if r == roleNone {
		return errorf(ErrForbidden, "You do not own '%s' and do not belong to an organisation that does, so you cannot change its versions.", p.Name)
	}
	if pv.Listed == listed {
		return nil
	}
	lowerID := strings.ToLower(p.Name)
	if err := s.store.SetListed(ctx, lowerID, pv.Version.Lower(), as, listed, s.now()); err != nil {
		if errors.Is(err, ErrForbidden) {
			return errorf(ErrForbidden, "You no longer own '%s'.", p.Name)
		}
		return notFound(err, "There is no version '%s' of '%s' on this feed.", version, p.Name)
	}
	kind := "version.unlist"
	if listed {
		kind = "version.relist"
	}
	s.audit(ctx, &AuditEvent{Kind: kind, Outcome: "done", ActorID: actor.ID, Subject: p.Name + " " + pv.Version.String()})
	_, err = s.cat.reload(ctx, lowerID)
	s.PackageChanged(ctx, lowerID)
	return err
}

// AddOwnerAs asks for an account to become an owner of a package, for a
// signed-in user who manages it (an owner, or an admin of an owning
// organisation). Nobody is made an owner without agreeing: another user
// is invited and becomes an owner on accepting (invited is true); an
// organisation becomes an owner at once, but only when the actor
// administers it. Errors: ErrNotFound, ErrForbidden, ErrConflict (already
// invited).
func (s *Service) AddOwnerAs(ctx context.Context, actor *Account, id, account string) (invited bool, err error) {
	p, err := s.mayManageOwners(ctx, actor, id)
	if err != nil {
		return false, err
	}
	a, err := s.account(ctx, account)
	if err != nil {
		return false, err
	}
	if p.OwnedBy(a.ID) {
		return false, nil
	}
	if a.Kind == KindOrganization || a.ID == actor.ID {
		if a.Kind == KindOrganization {
			ok, err := s.canActFor(ctx, actor.ID, a.ID, true)
			if err != nil {
				return false, err
			}
			if !ok {
				return false, errorf(ErrForbidden, "Only an admin of %s can make it an owner of a package.", a.Name)
			}
		}
		if err := s.addOwner(ctx, p, a); err != nil {
			return false, err
		}
		s.audit(ctx, &AuditEvent{Kind: "owner.add.by", Outcome: "done", ActorID: actor.ID, Subject: p.Name, Message: actor.Name + " added " + a.Name})
		return false, nil
	}
	if err := s.store.CreateOwnerRequest(ctx, strings.ToLower(p.Name), a.ID, actor.ID, s.now()); err != nil {
		if errors.Is(err, ErrConflict) {
			return false, errorf(ErrConflict, "%s is already invited to own %s.", a.Name, p.Name)
		}
		return false, fmt.Errorf("invite %s to own %s: %w", a.Name, p.Name, err)
	}
	s.audit(ctx, &AuditEvent{Kind: "owner.invite", Outcome: "done", ActorID: actor.ID, Subject: p.Name, Message: actor.Name + " invited " + a.Name})
	return true, nil
}

// InvitationsOf lists the open invitations for the actor to own packages.
func (s *Service) InvitationsOf(ctx context.Context, actor *Account) ([]OwnerRequest, error) {
	return s.store.OwnerRequests(ctx, actor.ID, "")
}

// InvitationsTo lists the open invitations to own a package, for a user
// who manages it. Errors: ErrNotFound, ErrForbidden.
func (s *Service) InvitationsTo(ctx context.Context, actor *Account, id string) ([]OwnerRequest, error) {
	if _, err := s.mayManageOwners(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.OwnerRequests(ctx, 0, strings.ToLower(id))
}

// AnswerInvitation accepts or declines the actor's invitation to own a
// package. An invitation is accepted only while its sender can still
// change the package's owners. Errors: ErrNotFound (no such invitation
// for the actor, or its sender lost that right).
func (s *Service) AnswerInvitation(ctx context.Context, actor *Account, id string, accept bool) error {
	err := s.store.AnswerOwnerRequest(ctx, strings.ToLower(id), actor.ID, accept, s.now())
	if errors.Is(err, ErrNotFound) {
		return errorf(ErrNotFound, "You have no invitation to own '%s': it was never sent, was withdrawn, or whoever sent it can no longer change its owners. Ask a current owner to invite you.", id)
	}
	if err != nil {
		return err
	}
	kind := "owner.decline"
	if accept {
		kind = "owner.accept"
	}
	s.audit(ctx, &AuditEvent{Kind: kind, Outcome: "done", ActorID: actor.ID, Subject: id, Message: actor.Name})
	_, err = s.cat.reload(ctx, strings.ToLower(id))
	return err
}

// CancelInvitationAs withdraws an invitation to own a package, for a user
// who manages it. Errors: ErrNotFound, ErrForbidden.
func (s *Service) CancelInvitationAs(ctx context.Context, actor *Account, id, account string) error {
	if _, err := s.mayManageOwners(ctx, actor, id); err != nil {
		return err
	}
	a, err := s.store.AccountByName(ctx, account)
	if err != nil {
		return notFound(err, "There is no invitation for '%s' to own '%s'.", account, id)
	}
	if err := s.store.AnswerOwnerRequest(ctx, strings.ToLower(id), a.ID, false, s.now()); err != nil {
		return notFound(err, "There is no invitation for '%s' to own '%s'.", account, id)
	}
	s.audit(ctx, &AuditEvent{Kind: "owner.invite.cancel", Outcome: "done", ActorID: actor.ID, Subject: id, Message: actor.Name + " withdrew " + a.Name})
	return nil
}

// RemoveOwnerAs removes an owner of a package for a signed-in user who
// manages it; the last owner stays. Errors: ErrNotFound, ErrForbidden,
// ErrConflict.
func (s *Service) RemoveOwnerAs(ctx context.Context, actor *Account, id, account string) error {
	p, err := s.mayManageOwners(ctx, actor, id)
	if err != nil {
		return err
	}
	a, err := s.account(ctx, account)
	if err != nil {
		return err
	}
	if err := s.removeOwner(ctx, p, a); err != nil {
		return err
	}
	s.audit(ctx, &AuditEvent{Kind: "owner.remove.by", Outcome: "done", ActorID: actor.ID, Subject: id, Message: actor.Name + " removed " + account})
	return nil
}

// mayManageOwners returns the package, read fresh, when the actor may
// change its owners.
func (s *Service) mayManageOwners(ctx context.Context, actor *Account, id string) (*Package, error) {
	p, err := s.freshPackage(ctx, id)
	if err != nil {
		return nil, err
	}
	r, _, err := s.packageRole(ctx, actor, p)
	if err != nil {
		return nil, err
	}
	if r != roleManager {
		return nil, errorf(ErrForbidden, "Only an owner of '%s', or an admin of an organisation that owns it, can change its owners.", p.Name)
	}
	return p, nil
}

// PackagesOf lists the packages the actor owns or that organisations the
// actor belongs to own, by ID.
func (s *Service) PackagesOf(ctx context.Context, actor *Account) ([]*Package, error) {
	ids := map[int64]bool{actor.ID: true}
	ms, err := s.store.Memberships(ctx, actor.ID)
	if err != nil {
		return nil, fmt.Errorf("packages of %s: %w", actor.Name, err)
	}
	for _, m := range ms {
		ids[m.User.ID] = true
	}
	all, err := s.cat.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Package
	for _, e := range all {
		for _, o := range e.pkg.Owners {
			if ids[o.ID] {
				out = append(out, e.pkg)
				break
			}
		}
	}
	return out, nil
}

// OrganizationsOf lists the organisations the actor belongs to, with the
// actor's role in each (Member.User is the organisation).
func (s *Service) OrganizationsOf(ctx context.Context, actor *Account) ([]Member, error) {
	return s.store.Memberships(ctx, actor.ID)
}

// MembersAs lists an organisation's members for one of its members.
// Errors: ErrNotFound (also for organisations the actor is not in, so
// their existence does not leak), ErrInvalid.
func (s *Service) MembersAs(ctx context.Context, actor *Account, orgName string) (*Account, Role, []Member, error) {
	org, err := s.org(ctx, orgName)
	if err != nil {
		return nil, "", nil, notYours(orgName, err)
	}
	role, err := s.store.Membership(ctx, org.ID, actor.ID)
	if errors.Is(err, ErrNotFound) && !actor.IsAdmin {
		return nil, "", nil, notYours(orgName, err)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, "", nil, err
	}
	ms, err := s.store.Members(ctx, org.ID)
	return org, role, ms, err
}

// RemoveMemberAs removes a user from an organisation, for an admin of it,
// or for the user themself (leaving); the last admin stays. Errors:
// ErrNotFound, ErrForbidden, ErrConflict.
func (s *Service) RemoveMemberAs(ctx context.Context, actor *Account, orgName, userName string) error {
	if !strings.EqualFold(actor.Name, userName) {
		if err := s.mustAdminister(ctx, actor, orgName); err != nil {
			return err
		}
	} else if _, _, _, err := s.MembersAs(ctx, actor, orgName); err != nil {
		return err
	}
	return s.RemoveMember(ctx, orgName, userName)
}

func (s *Service) mustAdminister(ctx context.Context, actor *Account, orgName string) error {
	org, err := s.org(ctx, orgName)
	if err != nil {
		return notYours(orgName, err)
	}
	role, err := s.store.Membership(ctx, org.ID, actor.ID)
	if errors.Is(err, ErrNotFound) {
		return notYours(orgName, err)
	}
	if err != nil {
		return err
	}
	if role != RoleAdmin {
		return errorf(ErrForbidden, "Only an admin of %s can change its members.", org.Name)
	}
	return nil
}

// RevokeKeyAs revokes one of the actor's own API keys. Errors: ErrNotFound
// (also for other users' keys, so their existence does not leak).
func (s *Service) RevokeKeyAs(ctx context.Context, actor *Account, id int64) error {
	k, err := s.store.KeyByID(ctx, id)
	if err != nil || k.UserID != actor.ID {
		return errorf(ErrNotFound, "You have no API key with ID %d.", id)
	}
	return s.RevokeKey(ctx, id)
}

// Users lists every user, for an admin. Errors: ErrForbidden.
func (s *Service) Users(ctx context.Context, actor *Account) ([]Account, error) {
	if !actor.IsAdmin {
		return nil, errorf(ErrForbidden, "Only administrators can list users.")
	}
	return s.store.ListAccounts(ctx, KindUser)
}

// AuditLogAs lists the newest audit events, for an admin. Errors:
// ErrForbidden.
func (s *Service) AuditLogAs(ctx context.Context, actor *Account, limit int) ([]AuditEvent, error) {
	if !actor.IsAdmin {
		return nil, errorf(ErrForbidden, "Only administrators can read the audit log.")
	}
	return s.AuditLog(ctx, limit)
}

// notYours is the one answer for an organisation that does not exist, a
// user's name, and one the actor does not belong to, so outsiders cannot
// tell them apart. Internal errors pass through.
func notYours(orgName string, err error) error {
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) {
		return errorf(ErrNotFound, "There is no organisation named '%s' that you belong to.", orgName)
	}
	return err
}
