package registry

import (
	"context"
	"fmt"
)

// ListUsers lists every user account by name, disabled ones included.
func (s *Service) ListUsers(ctx context.Context) ([]Account, error) {
	return s.store.ListAccounts(ctx, KindUser)
}

// DisableUser suspends a user: their sessions end at once, their keys
// (push, read and trusted-publishing) are refused from the next request,
// and browser sign-in is refused. It is reversible with EnableUser.
// actorID is the administrator acting (0 on the command line), who cannot
// disable themself. Errors: ErrNotFound, ErrInvalid.
func (s *Service) DisableUser(ctx context.Context, actorID int64, name string) (*Account, error) {
	u, err := s.user(ctx, name)
	if err != nil {
		return nil, err
	}
	if actorID != 0 && actorID == u.ID {
		return nil, errorf(ErrInvalid, "You cannot disable your own account; ask another administrator.")
	}
	// A suspension by the sign-in rules becomes the administrator's
	// decision, which signing in again does not lift.
	if u.DisabledAt != nil && u.SuspendedReason == "" {
		return u, nil
	}
	now := s.now()
	if err := s.store.SetAccountDisabled(ctx, u.ID, &now); err != nil {
		return nil, fmt.Errorf("disable user %s: %w", name, err)
	}
	u.DisabledAt, u.SuspendedReason = &now, ""
	s.audit(ctx, &AuditEvent{Kind: "user.disable", Outcome: "done", ActorID: actorID, Subject: u.Name, Message: "sessions ended, keys refused"})
	return u, nil
}

// EnableUser restores a disabled user; their keys that were not revoked
// work again. Errors: ErrNotFound.
func (s *Service) EnableUser(ctx context.Context, actorID int64, name string) (*Account, error) {
	u, err := s.user(ctx, name)
	if err != nil {
		return nil, err
	}
	if u.DisabledAt == nil {
		return u, nil
	}
	if err := s.store.SetAccountDisabled(ctx, u.ID, nil); err != nil {
		return nil, fmt.Errorf("enable user %s: %w", name, err)
	}
	u.DisabledAt = nil
	s.audit(ctx, &AuditEvent{Kind: "user.enable", Outcome: "done", ActorID: actorID, Subject: u.Name})
	return u, nil
}

// SetAdmin grants or takes away a user's stored administrator flag.
// An administrator cannot take it from themself. Errors: ErrNotFound,
// ErrInvalid.
func (s *Service) SetAdmin(ctx context.Context, actorID int64, name string, admin bool) (*Account, error) {
	u, err := s.user(ctx, name)
	if err != nil {
		return nil, err
	}
	if !admin && actorID != 0 && actorID == u.ID {
		return nil, errorf(ErrInvalid, "You cannot take administrator rights from yourself; ask another administrator.")
	}
	if u.IsAdmin == admin {
		return u, nil
	}
	if err := s.store.SetAccountAdmin(ctx, u.ID, admin); err != nil {
		return nil, fmt.Errorf("set admin %s: %w", name, err)
	}
	u.IsAdmin = admin
	s.audit(ctx, &AuditEvent{Kind: "user.admin", Outcome: "done", ActorID: actorID, Subject: u.Name, Message: fmt.Sprintf("administrator: %t", admin)})
	return u, nil
}

// errDisabled is the sentence every refusal of a disabled user gives.
func errDisabled() error {
	return errorf(ErrForbidden, "Your account is disabled; ask an administrator.")
}
