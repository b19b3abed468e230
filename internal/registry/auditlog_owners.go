package registry

import (
	"context"
	"fmt"
)

// AuditSearchFor is the audit log as a user may read it: an administrator
// reads every event; anyone else only the events about the trust policies
// of the accounts they manage (their own, and organisations they
// administer), as the event's policy or as the policy that came closest
// to matching a refused exchange, and without the caller's address. This
// is how a policy's owners learn why their CI was refused, which the
// refused CI job itself is never told. Errors: AuditSearch's.
func (s *Service) AuditSearchFor(ctx context.Context, actor *Account, q AuditQuery) ([]AuditEvent, int64, error) {
	if actor.IsAdmin {
		return s.AuditSearch(ctx, q)
	}
	es, next, err := s.auditSearch(ctx, q, actor)
	for i := range es {
		es[i].RemoteAddr = ""
	}
	return es, next, err
}

// AuditSearchForUser is AuditSearchFor the named user (the command line's
// --user). Errors: ErrNotFound for an unknown user, AuditSearch's.
func (s *Service) AuditSearchForUser(ctx context.Context, userName string, q AuditQuery) ([]AuditEvent, int64, error) {
	u, err := s.user(ctx, userName)
	if err != nil {
		return nil, 0, err
	}
	return s.AuditSearchFor(ctx, u, q)
}

// managedAccounts are the IDs of the accounts whose trust policies who
// manages (administeredAccounts).
func (s *Service) managedAccounts(ctx context.Context, who *Account) ([]int64, error) {
	accounts, err := s.administeredAccounts(ctx, who)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
	}
	return ids, nil
}

// administeredAccounts are the accounts a user acts for as an owner:
// themself first, then the organisations they administer.
func (s *Service) administeredAccounts(ctx context.Context, user *Account) ([]*Account, error) {
	ms, err := s.store.Memberships(ctx, user.ID)
	if err != nil {
		return nil, fmt.Errorf("accounts administered by %s: %w", user.Name, err)
	}
	out := []*Account{user}
	for i := range ms {
		if ms[i].Role == RoleAdmin {
			out = append(out, &ms[i].User)
		}
	}
	return out, nil
}
