package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// AddOrganization creates an organisation with adminUser as its first
// admin. Errors: ErrInvalid (bad name), ErrConflict (name taken),
// ErrNotFound (no such user).
func (s *Service) AddOrganization(ctx context.Context, name, adminUser string) (*Account, error) {
	admin, err := s.user(ctx, adminUser)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if !accountName.MatchString(name) {
		return nil, errorf(ErrInvalid, "'%s' is not a valid organisation name: use 1 to 64 letters, digits, '.', '_' or '-', starting and ending with a letter or digit.", name)
	}
	org := &Account{Name: name, Kind: KindOrganization, CreatedAt: s.now()}
	if err := s.store.CreateAccount(ctx, org); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, errorf(ErrConflict, "The name '%s' is already taken.", name)
		}
		return nil, fmt.Errorf("add organisation %s: %w", name, err)
	}
	if err := s.store.SetMembership(ctx, org.ID, admin.ID, RoleAdmin, s.now()); err != nil {
		return nil, fmt.Errorf("add organisation %s: %w", name, err)
	}
	s.audit(ctx, &AuditEvent{Kind: "org.create", Outcome: "done", ActorID: admin.ID, Subject: org.Name, Message: "first admin " + admin.Name})
	return org, nil
}

// SetMember adds a user to an organisation at once, without their
// consent, or changes a member's role: for the operator's
// `wharf org member add --without-consent` and for role changes. Anyone
// else joins by accepting an invitation (InviteMember, SetMemberAs).
// Errors: ErrNotFound, ErrInvalid (not an organisation, bad role).
func (s *Service) SetMember(ctx context.Context, orgName, userName string, role Role) error {
	org, user, err := s.orgAndUser(ctx, orgName, userName)
	if err != nil {
		return err
	}
	if role != RoleAdmin && role != RoleMember {
		return errorf(ErrInvalid, "'%s' is not a role: use member or admin.", role)
	}
	if role == RoleMember {
		if err := s.keepAnAdmin(ctx, org, user); err != nil {
			return err
		}
	}
	if err := s.store.SetMembership(ctx, org.ID, user.ID, role, s.now()); err != nil {
		return lastAdmin(err, org, user)
	}
	s.audit(ctx, &AuditEvent{Kind: "org.member.set", Outcome: "done", ActorID: user.ID, Subject: org.Name, Message: fmt.Sprintf("%s is %s", user.Name, role)})
	return nil
}

// RemoveMember removes a user from an organisation; the last admin stays.
// Errors: ErrNotFound, ErrConflict (the last admin).
func (s *Service) RemoveMember(ctx context.Context, orgName, userName string) error {
	org, user, err := s.orgAndUser(ctx, orgName, userName)
	if err != nil {
		return err
	}
	role, err := s.store.Membership(ctx, org.ID, user.ID)
	if errors.Is(err, ErrNotFound) {
		return errorf(ErrNotFound, "%s is not a member of %s.", user.Name, org.Name)
	}
	if err != nil {
		return err
	}
	if role == RoleAdmin {
		if err := s.keepAnAdmin(ctx, org, user); err != nil {
			return err
		}
	}
	if err := s.store.RemoveMembership(ctx, org.ID, user.ID); err != nil {
		return notFound(lastAdmin(err, org, user), "%s is not a member of %s.", user.Name, org.Name)
	}
	s.audit(ctx, &AuditEvent{Kind: "org.member.remove", Outcome: "done", ActorID: user.ID, Subject: org.Name, Message: user.Name + " removed"})
	return nil
}

// Members lists an organisation's members. Errors: ErrNotFound, ErrInvalid.
func (s *Service) Members(ctx context.Context, orgName string) ([]Member, error) {
	org, err := s.org(ctx, orgName)
	if err != nil {
		return nil, err
	}
	return s.store.Members(ctx, org.ID)
}

func countAdmins(ms []Member) int {
	n := 0
	for _, m := range ms {
		if m.Role == RoleAdmin {
			n++
		}
	}
	return n
}

func (s *Service) org(ctx context.Context, name string) (*Account, error) {
	a, err := s.store.AccountByName(ctx, name)
	if err != nil {
		return nil, notFound(err, "There is no organisation named '%s'.", name)
	}
	if a.Kind != KindOrganization {
		return nil, errorf(ErrInvalid, "'%s' is a user, not an organisation.", name)
	}
	return a, nil
}

func (s *Service) orgAndUser(ctx context.Context, orgName, userName string) (*Account, *Account, error) {
	org, err := s.org(ctx, orgName)
	if err != nil {
		return nil, nil, err
	}
	user, err := s.user(ctx, userName)
	if err != nil {
		return nil, nil, err
	}
	return org, user, nil
}

// administeredOwner resolves the owner a user asks a key or a trust policy
// to publish for: the user themself, or an organisation they administer.
// Anything else (no such account, another user, an organisation they are
// not an admin of) is the same ErrNotFound sentence after the same two
// store round trips, so the answer never tells whether an organisation
// exists. what names the thing being created ("keys", "trust policies").
func (s *Service) administeredOwner(ctx context.Context, user *Account, name, what string) (*Account, error) {
	if name == "" || strings.EqualFold(name, user.Name) {
		return user, nil
	}
	a, err := s.store.AccountByName(ctx, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	ownerID := int64(-1) // no account has it: the membership lookup below finds nothing
	if err == nil && a.Kind == KindOrganization {
		ownerID = a.ID
	}
	ok, err := s.canActFor(ctx, user.ID, ownerID, true)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorf(ErrNotFound, "There is no organisation named '%s' that you administer, so you cannot create %s that publish for it.", name, what)
	}
	return a, nil
}

// canActFor reports whether a user may publish for an owner account: the
// user themself, or an organisation they belong to (any role). With
// adminOnly, organisation membership must be as an admin.
func (s *Service) canActFor(ctx context.Context, userID, ownerID int64, adminOnly bool) (bool, error) {
	if userID == ownerID {
		return true, nil
	}
	role, err := s.store.Membership(ctx, ownerID, userID)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return !adminOnly || role == RoleAdmin, nil
}

// lastAdmin words the store's refusal to demote or remove the last admin,
// which a concurrent change can provoke after keepAnAdmin passed.
func lastAdmin(err error, org, user *Account) error {
	if errors.Is(err, ErrConflict) {
		return errorf(ErrConflict, "%s is the last admin of %s; make someone else an admin first.", user.Name, org.Name)
	}
	return err
}

// keepAnAdmin refuses to demote or remove the last admin of an
// organisation: someone must always be able to manage it.
func (s *Service) keepAnAdmin(ctx context.Context, org, user *Account) error {
	ms, err := s.store.Members(ctx, org.ID)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.User.ID == user.ID && m.Role == RoleAdmin && countAdmins(ms) == 1 {
			return errorf(ErrConflict, "%s is the last admin of %s; make someone else an admin first.", user.Name, org.Name)
		}
	}
	return nil
}
