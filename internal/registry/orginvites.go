package registry

import (
	"context"
	"errors"
	"fmt"
)

// Joining an organisation takes the person's consent, as owning a package
// does: a member or admin of an organisation publishes, and is shown, as
// one of the organisation's packages' people, so an admin (or the
// operator, by default) only invites, and the person accepts or declines
// on their Organisations page. An invitation lasts only while its sender
// is still an admin of the organisation.

// InviteMember invites a user to join an organisation with a role, as the
// operator does from the command line; a user who is a member already just
// gets the role. It reports whether an invitation was made. Errors:
// ErrNotFound, ErrInvalid (not an organisation, bad role), ErrConflict
// (demoting the last admin).
func (s *Service) InviteMember(ctx context.Context, orgName, userName string, role Role) (invited bool, err error) {
	return s.inviteMember(ctx, nil, orgName, userName, role)
}

// SetMemberAs invites a user to join an organisation with a role, for an
// admin of it; a user who is a member already just gets the role. It
// reports whether an invitation was made. Errors: ErrNotFound,
// ErrForbidden, ErrInvalid, ErrConflict.
func (s *Service) SetMemberAs(ctx context.Context, actor *Account, orgName, userName string, role Role) (invited bool, err error) {
	if err := s.mustAdminister(ctx, actor, orgName); err != nil {
		return false, err
	}
	return s.inviteMember(ctx, actor, orgName, userName, role)
}

// inviteMember invites for the actor (nil: the operator).
func (s *Service) inviteMember(ctx context.Context, actor *Account, orgName, userName string, role Role) (bool, error) {
	org, user, err := s.orgAndUser(ctx, orgName, userName)
	if err != nil {
		return false, err
	}
	if role != RoleAdmin && role != RoleMember {
		return false, errorf(ErrInvalid, "'%s' is not a role: use member or admin.", role)
	}
	_, err = s.store.Membership(ctx, org.ID, user.ID)
	if err == nil {
		return false, s.SetMember(ctx, org.Name, user.Name, role)
	}
	if !errors.Is(err, ErrNotFound) {
		return false, err
	}
	var by int64
	sender := "the operator"
	if actor != nil {
		by, sender = actor.ID, actor.Name
	}
	if err := s.store.CreateOrgInvitation(ctx, org.ID, user.ID, role, by, s.now()); err != nil {
		return false, fmt.Errorf("invite %s to %s: %w", user.Name, org.Name, err)
	}
	ev := &AuditEvent{Kind: "org.member.invite", Outcome: "done", Subject: org.Name, Message: fmt.Sprintf("%s invited %s as %s", sender, user.Name, role)}
	if actor != nil {
		ev.ActorID = actor.ID
	}
	s.audit(ctx, ev)
	return true, nil
}

// OrgInvitationsOf lists the actor's open invitations to join
// organisations.
func (s *Service) OrgInvitationsOf(ctx context.Context, actor *Account) ([]OrgInvitation, error) {
	return s.store.OrgInvitations(ctx, actor.ID, 0)
}

// OrgInvitationsTo lists an organisation's open invitations, for an admin
// of it. Errors: ErrNotFound, ErrForbidden.
func (s *Service) OrgInvitationsTo(ctx context.Context, actor *Account, orgName string) ([]OrgInvitation, error) {
	if err := s.mustAdminister(ctx, actor, orgName); err != nil {
		return nil, err
	}
	org, err := s.org(ctx, orgName)
	if err != nil {
		return nil, err
	}
	return s.store.OrgInvitations(ctx, 0, org.ID)
}

// AnswerOrgInvitation accepts or declines the actor's invitation to join
// an organisation, and returns the role of the invitation. Errors:
// ErrNotFound (no such invitation, or its sender is no longer an admin).
func (s *Service) AnswerOrgInvitation(ctx context.Context, actor *Account, orgName string, accept bool) (Role, error) {
	none := errorf(ErrNotFound, "You have no invitation to join '%s': it was never sent, was withdrawn, or whoever sent it is no longer an admin there. Ask an admin of the organisation to invite you.", orgName)
	org, err := s.org(ctx, orgName)
	if err != nil {
		return "", none
	}
	role, err := s.store.AnswerOrgInvitation(ctx, org.ID, actor.ID, accept, s.now())
	if errors.Is(err, ErrNotFound) {
		return "", none
	}
	if err != nil {
		return "", err
	}
	kind := "org.member.decline"
	if accept {
		kind = "org.member.accept"
	}
	s.audit(ctx, &AuditEvent{Kind: kind, Outcome: "done", ActorID: actor.ID, Subject: org.Name, Message: fmt.Sprintf("%s as %s", actor.Name, role)})
	return role, nil
}

// CancelOrgInvitationAs withdraws an invitation to join an organisation,
// for an admin of it. Errors: ErrNotFound, ErrForbidden.
func (s *Service) CancelOrgInvitationAs(ctx context.Context, actor *Account, orgName, userName string) error {
	if err := s.mustAdminister(ctx, actor, orgName); err != nil {
		return err
	}
	none := errorf(ErrNotFound, "There is no invitation for '%s' to join '%s'.", userName, orgName)
	org, user, err := s.orgAndUser(ctx, orgName, userName)
	if err != nil {
		return none
	}
	if _, err := s.store.AnswerOrgInvitation(ctx, org.ID, user.ID, false, s.now()); err != nil {
		return notFound(err, "There is no invitation for '%s' to join '%s'.", userName, orgName)
	}
	s.audit(ctx, &AuditEvent{Kind: "org.member.invite.cancel", Outcome: "done", ActorID: actor.ID, Subject: org.Name, Message: actor.Name + " withdrew " + user.Name})
	return nil
}
