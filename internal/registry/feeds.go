package registry

import (
	"context"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/trust"
)

// This file wires the feeds capability (internal/feeds) into the
// registry: which feed a package is in, who may read it (the request's
// feeds.Reader, set by the web layer), and where a push puts a new ID.

// Feeds returns the feeds capability: feeds, grants and read authorisation.
func (s *Service) Feeds() *feeds.Service { return s.feeds }

// HashSecret is the hash an API key secret is stored and looked up by.
func HashSecret(secret string) string { return hashSecret(secret) }

// mayRead reports whether the request's reader may see p: p's feed is
// readable, or the reader acts for one of p's owners (owners always read
// what they push).
func mayRead(ctx context.Context, p *Package) bool {
	r := feeds.ReaderOf(ctx)
	if r.Feed != nil && r.Feed.ID != p.FeedID {
		return false // a feed's URLs serve that feed's packages only
	}
	if r.MayRead(p.FeedID) {
		return true
	}
	for _, o := range p.Owners {
		if r.Acts(o.ID) {
			return true
		}
	}
	return false
}

// pushFeed returns the feed a push of id puts a new package in, and
// refuses a push the key may not make there: a key without the push
// scope, a new ID in a feed where the key's user may not publish, or an
// existing ID through another feed's URL (the sentence names no feed).
func (s *Service) pushFeed(ctx context.Context, key *APIKey, id string, existing *Package) (int64, error) {
	if err := requirePush(key); err != nil {
		return 0, err
	}
	return s.targetFeed(ctx, key, id, existing)
}

// targetFeed is pushFeed without the scope check: staging checks its own.
func (s *Service) targetFeed(ctx context.Context, key *APIKey, id string, existing *Package) (int64, error) {
	target := feeds.ReaderOf(ctx).Feed
	if existing != nil {
		if target != nil && existing.FeedID != target.ID {
			return 0, errorf(ErrForbidden, "'%s' is not in the feed of this URL: push its new versions through %s's own feed URL or the registry's /api/v2/package.", existing.Name, existing.Name)
		}
		return existing.FeedID, nil
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return 0, err
	}
	if target == nil {
		if target = snap.Feed(feeds.DefaultName); target == nil {
			return 0, errorf(ErrForbidden, "This registry has no feed named '%s' for new packages: push through a feed's own URL.", feeds.DefaultName)
		}
	}
	v := snap.ViewerFor(key.UserID, false, factsOf(key))
	if snap.Role(v, target.ID) < feeds.RolePublisher && s.recheck(ctx) {
		// A grant made a moment ago (by another replica, or by the
		// command line) is in the database before it is in this
		// snapshot: check the revision now rather than refuse.
		if snap, err = s.feeds.Snapshot(ctx); err != nil {
			return 0, err
		}
		if t := snap.FeedByID(target.ID); t != nil {
			target = t
		}
		v = snap.ViewerFor(key.UserID, false, factsOf(key))
	}
	if snap.Role(v, target.ID) < feeds.RolePublisher {
		return 0, errorf(ErrForbidden, "The API key %s… may not create new packages in feed '%s': ask a feed admin for the publisher role (wharf feed grant %s --user NAME --role publisher).", key.Hint, target.Name, target.Name)
	}
	return target.ID, nil
}

// requirePush refuses a key without the push scope.
func requirePush(key *APIKey) error {
	if key.Scopes.StagingOnly() {
		if key.PolicyID != nil {
			return errorf(ErrForbidden, "The API key %s… was minted by a trust policy limited to staging: it may stage packages (dotnet nuget stage push, to this feed's PackageStaging resource) but never push, unlist or relist them; a person promotes staged packages in the web UI.", key.Hint)
		}
		return errorf(ErrForbidden, "The API key %s… is limited to staging: it may stage packages (dotnet nuget stage push, to this feed's PackageStaging resource) but never push, unlist or relist them; a person promotes staged packages in the web UI.", key.Hint)
	}
	if key.Scopes != 0 && !key.Scopes.Has(feeds.ScopePush) && !key.Scopes.Has(feeds.ScopeRead) {
		return errorf(ErrForbidden, "The API key %s… has the scopes %s and may not push, unlist or relist; that needs a key with --scope push.", key.Hint, key.Scopes)
	}
	if key.Scopes != 0 && !key.Scopes.Has(feeds.ScopePush) {
		if key.PolicyID != nil {
			return errorf(ErrForbidden, "The API key %s… was minted by a read-only trust policy and may only read packages; a job that pushes, unlists or relists needs a trust policy without --read-only that matches its workflow.", key.Hint)
		}
		return errorf(ErrForbidden, "The API key %s… may only read packages; pushing, unlisting and relisting need a key with --scope push.", key.Hint)
	}
	return nil
}

// MovePackage puts a package in another feed (the operator's 'wharf
// package move'). Errors: ErrNotFound (package or feed).
func (s *Service) MovePackage(ctx context.Context, id, feed string) error {
	lower := strings.ToLower(id)
	if err := s.feeds.Move(ctx, lower, feed); err != nil {
		return err
	}
	_, err := s.cat.reload(ctx, lower)
	s.PackageChanged(ctx, lower)
	return err
}

// feedAuditor writes the feeds capability's changes to the audit log.
func (s *Service) feedAuditor(ctx context.Context, kind, subject, message string) {
	s.audit(ctx, &AuditEvent{Kind: kind, Outcome: "done", ActorID: actorOf(ctx), Subject: subject, Message: message})
}

// readFilter returns the test search and browse apply to each package:
// its feed is one the request's reader may read (answers are cached per
// set of readable feeds, so ownership does not widen them); nil when the
// reader sees every package.
func readFilter(ctx context.Context) func(*Package) bool {
	r := feeds.ReaderOf(ctx)
	if r == feeds.Everything {
		return nil
	}
	return func(p *Package) bool { return (r.Feed == nil || r.Feed.ID == p.FeedID) && r.MayRead(p.FeedID) }
}

// GrantFeed gives a user, an organisation or (kind SubjectSignedIn, name
// "") every signed-in user a role on a feed; role RoleNone revokes the
// subject's grant. Errors: ErrNotFound (account), the feeds package's
// ErrNotFound and ErrInvalid.
func (s *Service) GrantFeed(ctx context.Context, feed string, kind feeds.SubjectKind, name string, role feeds.Role) error {
	var id int64
	switch kind {
	case feeds.SubjectUser:
		a, err := s.user(ctx, name)
		if err != nil {
			return err
		}
		id, name = a.ID, a.Name
	case feeds.SubjectOrg:
		a, err := s.org(ctx, name)
		if err != nil {
			return err
		}
		id, name = a.ID, a.Name
	default:
		kind, name = feeds.SubjectSignedIn, "every signed-in user"
	}
	if role == feeds.RoleNone {
		return s.feeds.Revoke(ctx, feed, kind, id, name)
	}
	return s.feeds.Grant(ctx, feed, kind, id, name, role)
}

// accessStore is the registry's store with one addition: a change to
// what read authorisation knows (keys, memberships, policies that revoke
// keys) makes this process reload its access snapshot at once. Other
// replicas see it through the feed revision, which the store moves in
// the same transaction.
type accessStore struct {
	Store
	changed func()
}

func (a *accessStore) after(err error) error {
	a.changed()
	return err
}

// CreateKey creates a key, then reloads access.
func (a *accessStore) CreateKey(ctx context.Context, k *APIKey, hash string) error {
	return a.after(a.Store.CreateKey(ctx, k, hash))
}

// RevokeKey revokes a key, then reloads access.
func (a *accessStore) RevokeKey(ctx context.Context, id int64, at time.Time) error {
	return a.after(a.Store.RevokeKey(ctx, id, at))
}

// MintTrustedKey is not wrapped: a minted key does not reload access
// (one per CI run would make every read reload every key); reads find it
// in the store when their snapshot does not hold it (feeds.LookupKey).

// SetMembership changes a membership, then reloads access.
func (a *accessStore) SetMembership(ctx context.Context, orgID, userID int64, role Role, at time.Time) error {
	return a.after(a.Store.SetMembership(ctx, orgID, userID, role, at))
}

// RemoveMembership removes a membership, then reloads access.
func (a *accessStore) RemoveMembership(ctx context.Context, orgID, userID int64) error {
	return a.after(a.Store.RemoveMembership(ctx, orgID, userID))
}

// UpdatePolicy changes a policy (revoking its keys), then reloads access.
func (a *accessStore) UpdatePolicy(ctx context.Context, p *trust.Policy, at time.Time) error {
	return a.after(a.Store.UpdatePolicy(ctx, p, at))
}

// DeletePolicy deletes a policy (revoking its keys), then reloads access.
func (a *accessStore) DeletePolicy(ctx context.Context, id int64, at time.Time) error {
	return a.after(a.Store.DeletePolicy(ctx, id, at))
}

// keySees reports whether the key's user may know that p exists: p's
// owner acts through the key, or the user may read p's feed.
func (s *Service) keySees(ctx context.Context, key *APIKey, p *Package) bool {
	if p.OwnedBy(key.OwnerID) {
		return true
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return false
	}
	return snap.CanRead(snap.ViewerFor(key.UserID, false, factsOf(key)), p.FeedID)
}

// factsOf is what read and publish authorisation need of a key: a
// trusted-publishing key acts for its policy's owner (an organisation's
// grants, not its creator's own) and never with a registry
// administrator's rights, as ReadAccess decides for reads.
func factsOf(key *APIKey) *feeds.KeyFacts {
	scopes := key.Scopes
	if scopes == 0 {
		scopes = feeds.DefaultScope
	}
	return &feeds.KeyFacts{ID: key.ID, UserID: key.UserID, OwnerID: key.OwnerID, Scopes: scopes, ExpiresAt: key.ExpiresAt, Trusted: key.PolicyID != nil}
}
