package feeds

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Store is the storage feeds need; internal/db implements it. Every
// change bumps the feed revision in the same transaction, so every
// replica reloads its Snapshot within the feed freshness bound.
type Store interface {
	// CreateFeed inserts f, setting its ID; a taken name is ErrConflict.
	CreateFeed(ctx context.Context, f *Feed) error
	// UpdateFeed saves f's description, visibility, upstream and
	// OwnersMayDelete (ErrNotFound).
	UpdateFeed(ctx context.Context, f *Feed) error
	// ListFeeds lists every feed by name.
	ListFeeds(ctx context.Context) ([]Feed, error)
	// FeedGrants lists a feed's grants with their subjects' names.
	FeedGrants(ctx context.Context, feedID int64) ([]Grant, error)
	// SetGrant adds or replaces the grant of g's feed and subject.
	SetGrant(ctx context.Context, g Grant) error
	// DeleteGrant removes a grant (ErrNotFound when there is none).
	DeleteGrant(ctx context.Context, feedID int64, kind SubjectKind, subjectID int64) error
	// MovePackage puts a package in another feed (ErrNotFound).
	MovePackage(ctx context.Context, lowerID string, feedID int64) error
	// AccessData loads what read authorisation needs.
	AccessData(ctx context.Context) (*Data, error)
	// KeyFacts finds one live key (not revoked, its user not disabled)
	// by the hash of its secret; ErrNotFound when there is none.
	KeyFacts(ctx context.Context, hash string) (KeyFacts, error)
}

// Auditor records a change in the registry's audit log.
type Auditor func(ctx context.Context, kind, subject, message string)

// Service implements the feed use cases and keeps the Snapshot.
type Service struct {
	store Store
	now   func() time.Time
	audit Auditor

	snap   atomic.Pointer[Snapshot]
	loaded atomic.Int64 // revision the snapshot reflects
	wanted atomic.Int64 // newest revision seen
	epoch  atomic.Int64 // bumped by this process's own changes
	mu     sync.Mutex
	group  singleflight.Group
}

// New returns a Service over store. audit may be nil.
func New(store Store, now func() time.Time, audit Auditor) *Service {
	if audit == nil {
		audit = func(context.Context, string, string, string) {}
	}
	s := &Service{store: store, now: now, audit: audit}
	s.loaded.Store(-1)
	return s
}

// Changed tells the service the feed revision is now rev: the next read
// reloads the snapshot if it is older. The registry calls it when its
// catalog sees the revision move (on any replica) and after its own
// changes.
func (s *Service) Changed(rev int64) {
	for {
		cur := s.wanted.Load()
		if rev <= cur || s.wanted.CompareAndSwap(cur, rev) {
			return
		}
	}
}

// Invalidate makes the next read reload the snapshot: the registry calls
// it after its own changes to keys and memberships.
func (s *Service) Invalidate() { s.invalidate() }

// invalidate forces a reload after a change made by this process.
func (s *Service) invalidate() {
	s.epoch.Add(1)
	s.loaded.Store(-1)
	s.group.Forget("load")
}

// Snapshot returns the current snapshot, reloading it when the revision
// moved since it was loaded. Reads share one reload.
func (s *Service) Snapshot(ctx context.Context) (*Snapshot, error) {
	snap := s.snap.Load()
	if snap != nil && s.loaded.Load() >= s.wanted.Load() {
		return snap, nil
	}
	v, err, _ := s.group.Do("load", func() (any, error) {
		want, epoch := s.wanted.Load(), s.epoch.Load()
		d, err := s.store.AccessData(context.WithoutCancel(ctx))
		if err != nil {
			return nil, fmt.Errorf("load feeds and grants: %w", err)
		}
		n := NewSnapshot(d)
		s.snap.Store(n)
		if s.epoch.Load() == epoch { // else a change of ours may postdate the load
			s.loaded.Store(want)
		}
		return n, nil
	})
	if err != nil {
		if snap != nil {
			return snap, nil // serve the last snapshot while the database is away
		}
		return nil, err
	}
	return v.(*Snapshot), nil
}

// LookupKey finds a key the snapshot does not hold (created after it was
// loaded, possibly by another replica) in the store, and remembers it in
// the snapshot. ok is false when no live key has that hash.
func (s *Service) LookupKey(ctx context.Context, snap *Snapshot, hash string) (k KeyFacts, ok bool, err error) {
	if k, ok := snap.Key(hash); ok {
		return k, true, nil
	}
	k, err = s.store.KeyFacts(ctx, hash)
	if errors.Is(err, ErrNotFound) {
		return KeyFacts{}, false, nil
	}
	if err != nil {
		return KeyFacts{}, false, fmt.Errorf("look up key: %w", err)
	}
	snap.later.Store(hash, k)
	return k, true, nil
}

// Add creates a feed. Errors: ErrInvalid, ErrConflict.
func (s *Service) Add(ctx context.Context, name, description string, private bool) (*Feed, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if len(description) > 500 {
		return nil, errorf(ErrInvalid, "The feed's description is longer than 500 characters.")
	}
	f := &Feed{Name: name, Description: description, Private: private, CreatedAt: s.now().UTC()}
	if err := s.store.CreateFeed(ctx, f); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, errorf(ErrConflict, "There is already a feed named '%s'.", name)
		}
		return nil, fmt.Errorf("create feed %s: %w", name, err)
	}
	s.invalidate()
	s.audit(ctx, "feed.create", name, fmt.Sprintf("feed %s created, %s", name, visibility(private)))
	return f, nil
}

// List lists every feed by name.
func (s *Service) List(ctx context.Context) ([]Feed, error) { return s.store.ListFeeds(ctx) }

// Find returns a feed by name from the store. Errors: ErrNotFound.
func (s *Service) Find(ctx context.Context, name string) (*Feed, error) {
	list, err := s.store.ListFeeds(ctx)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Name == name {
			return &list[i], nil
		}
	}
	return nil, errorf(ErrNotFound, "There is no feed named '%s'. 'wharf feed list' shows the feeds.", name)
}

// Set changes a feed's visibility (private non-nil) and description
// (non-nil). Errors: ErrNotFound, ErrInvalid.
func (s *Service) Set(ctx context.Context, name string, private *bool, description *string) (*Feed, error) {
	f, err := s.Find(ctx, name)
	if err != nil {
		return nil, err
	}
	if private != nil {
		f.Private = *private
	}
	if description != nil {
		if len(*description) > 500 {
			return nil, errorf(ErrInvalid, "The feed's description is longer than 500 characters.")
		}
		f.Description = *description
	}
	if err := s.store.UpdateFeed(ctx, f); err != nil {
		return nil, fmt.Errorf("update feed %s: %w", name, err)
	}
	s.invalidate()
	s.audit(ctx, "feed.update", name, fmt.Sprintf("feed %s is %s", name, visibility(f.Private)))
	return f, nil
}

// SetOwnersMayDelete lets the owners of a feed's packages delete versions
// for good (allow), or leaves that to registry administrators. Errors:
// ErrNotFound, ErrInvalid (a mirror of an upstream source, whose versions
// are a cache and never deleted for good).
func (s *Service) SetOwnersMayDelete(ctx context.Context, name string, allow bool) (*Feed, error) {
	f, err := s.Find(ctx, name)
	if err != nil {
		return nil, err
	}
	if f.Upstream != nil && allow {
		return nil, errorf(ErrInvalid, "Feed %s mirrors an upstream source: its versions are a cache, not packages anyone here pushed, and are never deleted for good.", f.Name)
	}
	if f.OwnersMayDelete == allow {
		return f, nil
	}
	f.OwnersMayDelete = allow
	if err := s.store.UpdateFeed(ctx, f); err != nil {
		return nil, fmt.Errorf("update feed %s: %w", name, err)
	}
	s.invalidate()
	who := "only administrators"
	if allow {
		who = "package owners and administrators"
	}
	s.audit(ctx, "feed.update", name, fmt.Sprintf("in feed %s %s may delete versions for good", name, who))
	return f, nil
}

// Grants lists a feed's grants. Errors: ErrNotFound.
func (s *Service) Grants(ctx context.Context, name string) ([]Grant, error) {
	f, err := s.Find(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.store.FeedGrants(ctx, f.ID)
}

// Grant gives a subject a role on a feed, replacing its previous grant.
// subjectName names the account for the audit log. Errors: ErrNotFound.
func (s *Service) Grant(ctx context.Context, name string, kind SubjectKind, subjectID int64, subjectName string, role Role) error {
	f, err := s.Find(ctx, name)
	if err != nil {
		return err
	}
	if role == RoleNone {
		return errorf(ErrInvalid, "A grant needs a role: reader, publisher or admin.")
	}
	if err := s.store.SetGrant(ctx, Grant{FeedID: f.ID, Kind: kind, SubjectID: subjectID, Role: role, CreatedAt: s.now().UTC()}); err != nil {
		return fmt.Errorf("grant on %s: %w", name, err)
	}
	s.invalidate()
	s.audit(ctx, "feed.grant", name, fmt.Sprintf("%s %s is %s of feed %s", kind, subjectName, role, name))
	return nil
}

// Revoke removes a subject's grant on a feed. Errors: ErrNotFound.
func (s *Service) Revoke(ctx context.Context, name string, kind SubjectKind, subjectID int64, subjectName string) error {
	f, err := s.Find(ctx, name)
	if err != nil {
		return err
	}
	if err := s.store.DeleteGrant(ctx, f.ID, kind, subjectID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return errorf(ErrNotFound, "%s %s has no grant on feed '%s'.", kind, subjectName, name)
		}
		return fmt.Errorf("revoke on %s: %w", name, err)
	}
	s.invalidate()
	s.audit(ctx, "feed.revoke", name, fmt.Sprintf("%s %s no longer has a grant on feed %s", kind, subjectName, name))
	return nil
}

// Move puts a package in another feed. Errors: ErrNotFound.
func (s *Service) Move(ctx context.Context, lowerID, name string) error {
	f, err := s.Find(ctx, name)
	if err != nil {
		return err
	}
	if err := s.store.MovePackage(ctx, lowerID, f.ID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return errorf(ErrNotFound, "There is no package '%s'.", lowerID)
		}
		return fmt.Errorf("move %s to %s: %w", lowerID, name, err)
	}
	s.invalidate()
	s.audit(ctx, "package.move", lowerID, fmt.Sprintf("package %s moved to feed %s", lowerID, name))
	return nil
}

func visibility(private bool) string {
	if private {
		return "private"
	}
	return "public"
}
