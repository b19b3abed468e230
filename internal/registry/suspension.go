package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// IdentityFacts is what a sign-in provider last said about an identity:
// recorded at every sign-in, checked again when the sign-in rules change.
type IdentityFacts struct {
	Provider, Subject string
	AccountID         int64
	Email             string
	EmailVerified     bool
	Groups            []string
	At                time.Time
}

func (f IdentityFacts) identity() ExternalIdentity {
	return ExternalIdentity{Provider: f.Provider, Subject: f.Subject, Email: f.Email, EmailVerified: f.EmailVerified, Groups: f.Groups}
}

// fingerprint identifies the rules that decide who may be a user (the
// allowed domains and groups, not the admins).
func (r SignInRules) fingerprint() string {
	sum := sha256.Sum256([]byte(strings.Join(r.AllowedDomains, ",") + "\x00" + strings.Join(r.AllowedGroups, ",")))
	return hex.EncodeToString(sum[:8])
}

// CheckSignInRules suspends the users whose recorded sign-in facts no
// longer satisfy the allowed domains and groups, and lifts the suspension
// of those who satisfy them again, when the rules changed since the last
// check (wharf serve calls it at start). A user is kept when any one of
// their identities satisfies the rules; users who never signed in through
// a provider since facts were recorded (operators' sign-in links,
// accounts from before) are not judged. It returns how many users it
// suspended and lifted.
func (s *Service) CheckSignInRules(ctx context.Context) (suspended, lifted int, err error) {
	fp := s.signIn.fingerprint()
	seen, err := s.store.SignInRulesSeen(ctx)
	if err != nil || seen == fp {
		return 0, 0, err
	}
	facts, err := s.store.IdentityFactsAll(ctx)
	if err != nil {
		return 0, 0, err
	}
	why := map[int64]error{} // nil: some identity satisfies the rules
	for _, f := range facts {
		err := s.signIn.check(f.identity())
		if prev, ok := why[f.AccountID]; ok && prev == nil {
			continue
		}
		why[f.AccountID] = err
	}
	for id, reason := range why {
		if reason == nil {
			ok, err := s.store.LiftSuspension(ctx, id)
			if err != nil {
				return suspended, lifted, err
			}
			if ok {
				lifted++
				s.auditAccount(ctx, "user.unsuspend", id, "the sign-in rules changed and let them in")
			}
			continue
		}
		ok, err := s.suspend(ctx, id, reason)
		if err != nil {
			return suspended, lifted, err
		}
		if ok {
			suspended++
		}
	}
	return suspended, lifted, s.store.SetSignInRulesSeen(ctx, fp)
}

// suspend suspends an account because the rules refuse it.
func (s *Service) suspend(ctx context.Context, id int64, reason error) (bool, error) {
	msg := suspensionReason(reason)
	ok, err := s.store.SuspendAccount(ctx, id, s.now(), msg)
	if err != nil {
		return false, fmt.Errorf("suspend: %w", err)
	}
	if ok {
		s.auditAccount(ctx, "user.suspend", id, msg)
	}
	return ok, nil
}

// suspensionReason is the short reason shown to administrators.
func suspensionReason(err error) string {
	m := Message(err)
	if i := strings.Index(m, ". "); i > 0 {
		m = m[:i+1]
	}
	return "No longer allowed by the sign-in rules: " + m
}

func (s *Service) auditAccount(ctx context.Context, kind string, id int64, msg string) {
	e := &AuditEvent{Kind: kind, Outcome: "done", Message: msg}
	if a, err := s.store.AccountByID(ctx, id); err == nil {
		e.Subject = a.Name
	}
	s.audit(ctx, e)
}

// signInKnown applies the rules to an identity that is linked to an
// account: it records what the provider said, suspends the account when
// the rules refuse it (returning the refusal) and lifts a suspension when
// they let it in again.
func (s *Service) signInKnown(ctx context.Context, a *Account, id ExternalIdentity, refused error) (*Account, error) {
	if err := s.store.RecordIdentityFacts(ctx, IdentityFacts{Provider: id.Provider, Subject: id.Subject, Email: id.Email, EmailVerified: id.EmailVerified, Groups: id.Groups, At: s.now()}); err != nil {
		return nil, err
	}
	if refused != nil {
		if _, err := s.suspend(ctx, a.ID, refused); err != nil {
			return nil, err
		}
		return nil, refused
	}
	if a.SuspendedReason != "" {
		ok, err := s.store.LiftSuspension(ctx, a.ID)
		if err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		if ok {
			s.audit(ctx, &AuditEvent{Kind: "user.unsuspend", Outcome: "done", ActorID: a.ID, Subject: a.Name, Message: "signed in satisfying the sign-in rules again"})
			a.DisabledAt, a.SuspendedReason = nil, ""
		}
	}
	return a, nil
}

// checkNotBlocked refuses a removed user's external account a fresh sign-up.
func (s *Service) checkNotBlocked(ctx context.Context, id ExternalIdentity) error {
	blocked, err := s.store.IdentityBlocked(ctx, id.Provider, id.Subject)
	if err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	if blocked {
		s.audit(ctx, &AuditEvent{Kind: "signin", Outcome: "rejected", Subject: id.Provider + ":" + id.Login, Message: "the account of a removed user"})
		return errorf(ErrForbidden, "The account you signed in with belonged to a user an administrator removed from this registry. Ask an operator to let it sign up again ('wharf user unblock NAME').")
	}
	return nil
}
