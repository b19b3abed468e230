package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Removal is one removal of a user: what the caller asks, and what the
// store found the user holds.
type Removal struct {
	UserID      int64
	TransferTo  int64 // the heir of what only the user holds; 0 for none
	HeirName    string
	BlockSignUp bool // record the user's external identities so they cannot sign up again
	DryRun      bool // only fill the lists; the store changes nothing and returns nil
	At          time.Time
	Audit       *AuditEvent

	// Filled by the store. Packages, Orgs, Feeds and Prefixes are what
	// only the user holds: package IDs with no other owner,
	// organisations with no other admin, feeds with no other admin grant,
	// and reserved prefixes. Policies are the trust policies the user
	// created or owns ("name (#id)").
	Packages, Orgs, Feeds, Prefixes, Policies []string
}

// Blocked reports whether the user solely holds something that needs an heir.
func (r *Removal) Blocked() bool {
	return len(r.Packages)+len(r.Orgs)+len(r.Feeds)+len(r.Prefixes) > 0
}

// holdings names what only the user holds, as a sentence fragment.
func (r *Removal) holdings() string {
	var parts []string
	add := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		const most = 10
		shown := names
		more := ""
		if len(names) > most {
			shown, more = names[:most], fmt.Sprintf(" and %d more", len(names)-most)
		}
		parts = append(parts, what+" "+strings.Join(shown, ", ")+more)
	}
	add("the packages", r.Packages)
	add("the organisations", r.Orgs)
	add("the feeds", r.Feeds)
	add("the reserved prefixes", r.Prefixes)
	return strings.Join(parts, "; ")
}

// Summary says what the removal did, for the audit log; the store sets
// it as the audit event's message once it has filled the lists.
func (r *Removal) Summary() string {
	msg := "keys, sessions, sign-in links and identities removed"
	if r.HeirName != "" {
		if h := r.holdings(); h != "" {
			msg += "; transferred to " + r.HeirName + ": " + h
		}
		if len(r.Policies) > 0 {
			msg += "; trust policies moved to " + r.HeirName + ": " + strings.Join(r.Policies, ", ")
		}
	} else if len(r.Policies) > 0 {
		msg += "; trust policies deleted: " + strings.Join(r.Policies, ", ")
	}
	if r.BlockSignUp {
		msg += "; their external accounts may not sign up again"
	}
	return msg
}

// RemoveUser removes a user for good, in one transaction: their keys,
// sessions, sign-in links, identities, memberships, package ownerships,
// feed grants and invitations go; what only they hold (packages without
// another owner, organisations without another admin, feeds without
// another admin, reserved prefixes) goes to transferTo, or the removal is
// refused with a sentence naming it. Their trust policies (created or
// owned) go to transferTo, or are deleted with the keys they minted.
// With blockSignUp, the external accounts they signed in with may not
// sign up again until UnblockUser. actorID is the administrator acting
// (0 on the command line), who cannot remove themself. Errors:
// ErrNotFound, ErrInvalid, ErrConflict.
func (s *Service) RemoveUser(ctx context.Context, actorID int64, name, transferTo string, blockSignUp bool) (*Removal, error) {
	u, err := s.user(ctx, name)
	if err != nil {
		return nil, err
	}
	if actorID != 0 && actorID == u.ID {
		return nil, errorf(ErrInvalid, "You cannot remove your own account; ask another administrator.")
	}
	r := &Removal{UserID: u.ID, BlockSignUp: blockSignUp, At: s.now()}
	if transferTo != "" {
		t, err := s.user(ctx, transferTo)
		if err != nil {
			return nil, err
		}
		if t.ID == u.ID {
			return nil, errorf(ErrInvalid, "Transfer what %s holds to another user, not to %s.", u.Name, u.Name)
		}
		if t.DisabledAt != nil {
			return nil, errorf(ErrInvalid, "%s is disabled and cannot take over what %s holds; enable them or name another user.", t.Name, u.Name)
		}
		r.TransferTo, r.HeirName = t.ID, t.Name
	}
	r.Audit = &AuditEvent{At: r.At, Kind: "user.remove", Outcome: "done", ActorID: actorID, Subject: u.Name}
	err = s.store.RemoveAccount(ctx, r)
	if errors.Is(err, ErrConflict) {
		msg := fmt.Sprintf("%s is the only holder of %s. Name who takes them over ('wharf user remove %s --transfer-to USER'), or give them to someone else first.", u.Name, r.holdings(), u.Name)
		s.audit(ctx, &AuditEvent{Kind: "user.remove", Outcome: "rejected", ActorID: actorID, Subject: u.Name, Message: msg})
		return r, errorf(ErrConflict, "%s", msg)
	}
	if err != nil {
		return nil, fmt.Errorf("remove user %s: %w", name, err)
	}
	return r, nil
}

// UnblockUser lets the external accounts of a removed user (by the name
// they had) sign up again. Errors: ErrNotFound when none are blocked.
func (s *Service) UnblockUser(ctx context.Context, actorID int64, name string) (int64, error) {
	n, err := s.store.UnblockIdentities(ctx, name)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, errorf(ErrNotFound, "No external account of a removed user named '%s' is blocked.", name)
	}
	s.audit(ctx, &AuditEvent{Kind: "user.unblock", Outcome: "done", ActorID: actorID, Subject: name, Message: fmt.Sprintf("%d external accounts may sign up again", n)})
	return n, nil
}

// PreviewRemoval says what removing a user would do, changing nothing:
// what only they hold and their trust policies. Errors: ErrNotFound,
// ErrInvalid.
func (s *Service) PreviewRemoval(ctx context.Context, name string) (*Account, *Removal, error) {
	u, err := s.user(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	r := &Removal{UserID: u.ID, DryRun: true, At: s.now()}
	if err := s.store.RemoveAccount(ctx, r); err != nil {
		return nil, nil, fmt.Errorf("preview removal of %s: %w", name, err)
	}
	return u, r, nil
}

// The administrators' versions of the lifecycle use cases, for the web
// UI: each refuses anyone but an administrator. Errors: ErrForbidden and
// those of the use case.

func adminOnly(actor *Account) error {
	if actor == nil || !actor.IsAdmin {
		return errorf(ErrForbidden, "Only administrators can manage users.")
	}
	return nil
}

// DisableUserAs is DisableUser for an administrator.
func (s *Service) DisableUserAs(ctx context.Context, actor *Account, name string) (*Account, error) {
	if err := adminOnly(actor); err != nil {
		return nil, err
	}
	return s.DisableUser(ctx, actor.ID, name)
}

// EnableUserAs is EnableUser for an administrator.
func (s *Service) EnableUserAs(ctx context.Context, actor *Account, name string) (*Account, error) {
	if err := adminOnly(actor); err != nil {
		return nil, err
	}
	return s.EnableUser(ctx, actor.ID, name)
}

// SetAdminAs is SetAdmin for an administrator.
func (s *Service) SetAdminAs(ctx context.Context, actor *Account, name string, admin bool) (*Account, error) {
	if err := adminOnly(actor); err != nil {
		return nil, err
	}
	return s.SetAdmin(ctx, actor.ID, name, admin)
}

// RemoveUserAs is RemoveUser for an administrator.
func (s *Service) RemoveUserAs(ctx context.Context, actor *Account, name, transferTo string, blockSignUp bool) (*Removal, error) {
	if err := adminOnly(actor); err != nil {
		return nil, err
	}
	return s.RemoveUser(ctx, actor.ID, name, transferTo, blockSignUp)
}

// PreviewRemovalAs is PreviewRemoval for an administrator.
func (s *Service) PreviewRemovalAs(ctx context.Context, actor *Account, name string) (*Account, *Removal, error) {
	if err := adminOnly(actor); err != nil {
		return nil, nil, err
	}
	return s.PreviewRemoval(ctx, name)
}
