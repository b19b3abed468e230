package registry

import (
	"context"
	"fmt"

	"github.com/wharf-registry/wharf/internal/feeds"
)

// The feed use cases of the web UI: they act for a signed-in user (the
// actor) and check the actor's role on the feed with the same access
// snapshot reads use, so a grant or revocation counts at once. A feed the
// actor may not read is absent (ErrNotFound), with the same sentence as
// one that does not exist; a feed the actor reads but does not administer
// is refused the same way, so the management pages reveal nothing.

// FeedView is a feed as one person sees it: the feed and their role.
type FeedView struct {
	feeds.Feed
	Role feeds.Role // RoleReader at least; RoleAdmin for registry admins
}

// actorKey carries the account a feed change is made for, so that the
// audit log names it.
type actorKey struct{}

// actorOf returns the ID of the account a change is made for, or 0.
func actorOf(ctx context.Context) int64 {
	if a, ok := ctx.Value(actorKey{}).(*Account); ok && a != nil {
		return a.ID
	}
	return 0
}

// FeedsOf lists the feeds the actor may read (every feed for registry
// admins; the public ones for nil), by name, with the actor's role.
func (s *Service) FeedsOf(ctx context.Context, actor *Account) ([]FeedView, error) {
	snap, v, err := s.ViewerOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	list, err := s.feeds.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []FeedView
	for _, f := range list {
		if !snap.CanRead(v, f.ID) {
			continue
		}
		out = append(out, FeedView{Feed: f, Role: snap.Role(v, f.ID)})
	}
	return out, nil
}

// ManagedFeed returns a feed and its grants for an admin of the feed (or
// of the registry). Errors: ErrNotFound for everyone else.
func (s *Service) ManagedFeed(ctx context.Context, actor *Account, name string) (*feeds.Feed, []feeds.Grant, error) {
	f, err := s.adminFeed(ctx, actor, name)
	if err != nil {
		return nil, nil, err
	}
	gs, err := s.feeds.Grants(ctx, f.Name)
	if err != nil {
		return nil, nil, err
	}
	return f, gs, nil
}

// AddFeedAs creates a feed: only registry administrators may. Errors:
// ErrForbidden, and the feeds package's ErrInvalid and ErrConflict.
func (s *Service) AddFeedAs(ctx context.Context, actor *Account, name, description string, private bool) (*feeds.Feed, error) {
	if actor == nil || !actor.IsAdmin {
		return nil, errorf(ErrForbidden, "Only administrators of this registry create feeds. Ask one to create '%s' and make you its admin.", name)
	}
	return s.feeds.Add(context.WithValue(ctx, actorKey{}, actor), name, description, private)
}

// SetFeedAs changes a feed's visibility and description, for its admins.
// Errors: ErrNotFound (see ManagedFeed), the feeds package's ErrInvalid.
func (s *Service) SetFeedAs(ctx context.Context, actor *Account, name string, private bool, description string) error {
	f, err := s.adminFeed(ctx, actor, name)
	if err != nil {
		return err
	}
	if _, err = s.feeds.Set(context.WithValue(ctx, actorKey{}, actor), f.Name, &private, &description); err != nil {
		return err
	}
	s.PackageChanged(ctx, "") // who may read the feed's packages changed
	return nil
}

// GrantFeedAs gives a user, an organisation or every signed-in user
// (kind SubjectSignedIn) a role on a feed, or with RoleNone revokes their
// grant, for the feed's admins. Errors: ErrNotFound (the feed, see
// ManagedFeed; the account; the grant), the feeds package's ErrInvalid.
func (s *Service) GrantFeedAs(ctx context.Context, actor *Account, name string, kind feeds.SubjectKind, subject string, role feeds.Role) error {
	f, err := s.adminFeed(ctx, actor, name)
	if err != nil {
		return err
	}
	switch kind {
	case feeds.SubjectUser, feeds.SubjectOrg, feeds.SubjectSignedIn:
	default:
		return errorf(ErrInvalid, "Choose whom the grant is for: a user, an organisation or every signed-in user.")
	}
	if kind != feeds.SubjectSignedIn && subject == "" {
		return errorf(ErrInvalid, "Name the %s the grant is for.", map[feeds.SubjectKind]string{feeds.SubjectUser: "user", feeds.SubjectOrg: "organisation"}[kind])
	}
	return s.GrantFeed(context.WithValue(ctx, actorKey{}, actor), f.Name, kind, subject, role)
}

// adminFeed returns the feed if the actor administers it. Errors:
// ErrNotFound otherwise, one sentence for absent and refused alike.
func (s *Service) adminFeed(ctx context.Context, actor *Account, name string) (*feeds.Feed, error) {
	absent := errorf(ErrNotFound, "There is no feed '%s' that you manage. The feeds page lists the feeds you may see.", name)
	if actor == nil {
		return nil, absent
	}
	snap, v, err := s.ViewerOf(ctx, actor)
	if err != nil {
		return nil, err
	}
	f := snap.Feed(name)
	if f == nil || snap.Role(v, f.ID) < feeds.RoleAdmin {
		return nil, absent
	}
	found, err := s.feeds.Find(ctx, f.Name) // the store's, not the snapshot's, copy
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w", f.Name, err)
	}
	return found, nil
}
