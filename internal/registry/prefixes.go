package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/feeds"
)

// Reserved package ID prefixes, as nuget.org has them (docs/prefixes.md):
// an operator or registry administrator reserves a pattern ("Contoso.*"
// or "Contoso.Sdk") for an account, and from then on only a key that
// acts for that account may create a package ID the pattern matches, in
// any feed. IDs that already exist keep working for their owners. The
// reservations live in the feeds access snapshot, so checking one costs
// no query and a change reaches every replica with the feed revision.

// Reservation is a new reservation and the existing packages it matches
// that other accounts own: they are left as they are, and the caller
// warns about them.
type Reservation struct {
	Prefix feeds.Prefix
	Others []string // names of existing packages it matches not owned by its owner
}

// ReservePrefix reserves pattern for the account named owner (a user or
// an organisation), for the operator. Errors: ErrInvalid (pattern),
// ErrNotFound (owner), ErrConflict (already reserved).
func (s *Service) ReservePrefix(ctx context.Context, pattern, owner string) (*Reservation, error) {
	if err := feeds.ParsePattern(pattern); err != nil {
		return nil, err
	}
	a, err := s.store.AccountByName(ctx, owner)
	if err != nil {
		return nil, notFound(err, "There is no user or organisation named '%s' to own '%s'.", owner, pattern)
	}
	p := &feeds.Prefix{Pattern: pattern, OwnerID: a.ID, OwnerName: a.Name, CreatedBy: actorOf(ctx), CreatedAt: s.now().UTC()}
	if err := s.store.CreatePrefix(ctx, p); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, s.reservedAlready(ctx, pattern)
		}
		return nil, err
	}
	s.feeds.Invalidate()
	s.audit(ctx, &AuditEvent{Kind: "prefix.reserve", Outcome: "done", ActorID: actorOf(ctx), Subject: pattern,
		Message: fmt.Sprintf("prefix %s reserved for %s", pattern, a.Name)})
	r := &Reservation{Prefix: *p}
	all, err := s.cat.all(ctx)
	if err != nil {
		return r, nil // the reservation stands; the warning is a courtesy
	}
	for _, e := range all {
		if p.Matches(e.pkg.Name) && !e.pkg.OwnedBy(a.ID) {
			r.Others = append(r.Others, e.pkg.Name)
		}
	}
	return r, nil
}

// reservedAlready is the conflict of a pattern reserved in any case.
func (s *Service) reservedAlready(ctx context.Context, pattern string) error {
	list, _ := s.store.ListPrefixes(ctx)
	for _, p := range list {
		if strings.EqualFold(p.Pattern, pattern) {
			return errorf(ErrConflict, "'%s' is already reserved for %s. Release it first ('wharf prefix release %s') to give it to another owner.", p.Pattern, p.OwnerName, p.Pattern)
		}
	}
	return errorf(ErrConflict, "'%s' is already reserved. Release it first to give it to another owner.", pattern)
}

// ReleasePrefix removes the reservation of pattern (any case), for the
// operator. Packages created under it stay as they are. Errors:
// ErrNotFound.
func (s *Service) ReleasePrefix(ctx context.Context, pattern string) error {
	p, err := s.store.DeletePrefix(ctx, pattern)
	if err != nil {
		return notFound(err, "'%s' is not reserved; 'wharf prefix list' shows what is.", pattern)
	}
	s.feeds.Invalidate()
	s.audit(ctx, &AuditEvent{Kind: "prefix.release", Outcome: "done", ActorID: actorOf(ctx), Subject: p.Pattern,
		Message: fmt.Sprintf("prefix %s released", p.Pattern)})
	return nil
}

// ListPrefixes lists every reservation by pattern, for the operator.
func (s *Service) ListPrefixes(ctx context.Context) ([]feeds.Prefix, error) {
	return s.store.ListPrefixes(ctx)
}

// ReservePrefixAs is ReservePrefix for a registry administrator signed
// in to the web UI. Errors: ErrForbidden for anyone else, and
// ReservePrefix's.
func (s *Service) ReservePrefixAs(ctx context.Context, actor *Account, pattern, owner string) (*Reservation, error) {
	if err := mustBeAdmin(actor); err != nil {
		return nil, err
	}
	return s.ReservePrefix(context.WithValue(ctx, actorKey{}, actor), pattern, owner)
}

// ReleasePrefixAs is ReleasePrefix for a registry administrator. Errors:
// ErrForbidden for anyone else, and ReleasePrefix's.
func (s *Service) ReleasePrefixAs(ctx context.Context, actor *Account, pattern string) error {
	if err := mustBeAdmin(actor); err != nil {
		return err
	}
	return s.ReleasePrefix(context.WithValue(ctx, actorKey{}, actor), pattern)
}

// ListPrefixesAs is ListPrefixes for a registry administrator. Errors:
// ErrForbidden for anyone else.
func (s *Service) ListPrefixesAs(ctx context.Context, actor *Account) ([]feeds.Prefix, error) {
	if err := mustBeAdmin(actor); err != nil {
		return nil, err
	}
	return s.ListPrefixes(ctx)
}

func mustBeAdmin(actor *Account) error {
	if actor == nil || !actor.IsAdmin {
		return errorf(ErrForbidden, "Only registry administrators can reserve and release package ID prefixes.")
	}
	return nil
}

// ReservedBy reports whether id falls under a reservation: the most
// specific matching pattern and its owner's name. It reads the access
// snapshot (no query while the feed revision stands still), so the
// upstream code may call it for every ID it is asked for, and refuses to
// serve a reserved ID from an upstream. When the snapshot cannot be
// loaded at all it answers ok=true with an empty pattern: refusing is the
// safe side.
func (s *Service) ReservedBy(ctx context.Context, id string) (pattern, ownerName string, ok bool) {
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return "", "", true
	}
	if p := snap.ReservedBy(id); p != nil {
		return p.Pattern, p.OwnerName, true
	}
	return "", "", false
}

// checkPrefix refuses a push of id by key when id falls under a
// reservation the key's owner does not hold and the package is not
// already the key owner's (existing, nil for a new ID). It runs before
// anything about an existing package is said, so a stranger hears the
// same sentence whether or not the ID exists.
func (s *Service) checkPrefix(ctx context.Context, key *APIKey, id string, existing *Package) error {
	if existing != nil && existing.OwnedBy(key.OwnerID) {
		return nil
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return err
	}
	p := snap.Blocks(id, key.OwnerID)
	if p == nil && s.recheck(ctx) {
		// A reservation made a moment ago on another replica, or from
		// the command line, is in the database before it is in this
		// snapshot: a push is rare enough to check the revision first.
		if snap, err = s.feeds.Snapshot(ctx); err != nil {
			return err
		}
		p = snap.Blocks(id, key.OwnerID)
	}
	if p == nil {
		return nil
	}
	return errorf(ErrForbidden, "'%s' falls under the prefix '%s', which is reserved for %s: push with a key that acts for '%s', or choose another ID.", id, p.Pattern, p.OwnerName, p.OwnerName)
}
