package registry

import (
	"context"
	"errors"
	"strings"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/storage"
)

// The static copy of the restore documents (web/static.go) follows the
// packages through three things the registry offers: a hook told about
// every package this process changes, before the change's caller answers
// (PackageChanged); the feed revision log of every process's changes
// (Changes), which makes the copy converge after a crash; and the
// package as an anonymous reader sees it (AnonymousPackage), which is
// what decides that a private package is never copied.

// OnPackageChange sets the function PackageChanged calls; web.Server sets
// it to republish the package's static documents.
func (s *Service) OnPackageChange(fn func(ctx context.Context, lowerID string)) {
	s.changeMu.Lock()
	s.changeHook = fn
	s.changeMu.Unlock()
}

// PackageChanged tells the static copy that a package's documents changed:
// every use case that commits a change to a package (push, unlist,
// relist, a move to another feed, deprecation) calls it after reloading
// the package and before returning, so that a client told "done" finds
// the change in the static copy too; lowerID "" says that a feed's
// visibility changed. It does not fail: when republishing
// fails, the static copy catches up from the feed revision log.
func (s *Service) PackageChanged(ctx context.Context, lowerID string) {
	s.changeMu.RLock()
	fn := s.changeHook
	s.changeMu.RUnlock()
	if fn != nil {
		fn(context.WithoutCancel(ctx), strings.ToLower(lowerID))
	}
}

// Blobs returns the package store.
func (s *Service) Blobs() storage.Blobs { return s.blobs }

// Changes returns the lowercased IDs of the packages changed after feed
// revision rev, and the current revision (see Store.Changes).
func (s *Service) Changes(ctx context.Context, rev int64) ([]string, int64, error) {
	return s.store.Changes(ctx, rev)
}

// PackageIDs returns the lowercased ID of every package, read from the
// database.
func (s *Service) PackageIDs(ctx context.Context) ([]string, error) {
	pkgs, err := s.store.AllPackages(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(pkgs))
	for i, p := range pkgs {
		ids[i] = strings.ToLower(p.Name)
	}
	return ids, nil
}

// AnonymousPackage returns a package, read through to the database, if
// a caller without credentials may read it, with the name of its feed:
// such a caller then finds it both in the union (/v3/) and under
// /feeds/FEED/v3/, and nowhere else. It is never asked of an upstream
// source, and mirrored packages are ErrNotFound: they stay with Wharf.
// Errors: ErrNotFound when such a caller would not find the package.
func (s *Service) AnonymousPackage(ctx context.Context, lowerID string) (*Package, string, error) {
	absent := errorf(ErrNotFound, "There is no public package '%s'.", lowerID)
	snap, v, err := s.readAccess(ctx, ReadCredentials{})
	if err != nil {
		return nil, "", err
	}
	e, err := s.cat.reload(ctx, lowerID)
	if err != nil {
		return nil, "", err
	}
	if e.pkg == nil || e.pkg.UpstreamCheckedAt != nil {
		return nil, "", absent
	}
	f := snap.FeedByID(e.pkg.FeedID)
	if f == nil || f.Upstream != nil || !snap.CanRead(v, f.ID) {
		return nil, "", absent
	}
	// Both URL families answer what mayRead allows the anonymous reader.
	if !mayRead(feeds.WithReader(ctx, snap.NewReader(v, nil)), e.pkg) || !mayRead(feeds.WithReader(ctx, snap.NewReader(v, f)), e.pkg) {
		return nil, "", absent
	}
	return e.pkg, f.Name, nil
}

// StaticScope describes what a caller without credentials may read, as
// far as the static copy cares: the local feeds it may read, whether
// any feed is private or mirrors an upstream source.
type StaticScope struct {
	PublicFeeds []string // local feeds readable without credentials, by name
	AnyPrivate  bool     // some feed needs credentials
	Upstreams   bool     // some feed mirrors an upstream source
}

// AnonymousScope returns the StaticScope of the registry now.
func (s *Service) AnonymousScope(ctx context.Context) (StaticScope, error) {
	snap, v, err := s.readAccess(ctx, ReadCredentials{})
	if err != nil {
		return StaticScope{}, err
	}
	sc := StaticScope{AnyPrivate: snap.AnyPrivate(), Upstreams: len(snap.Upstreams()) > 0}
	for _, f := range snap.Feeds() {
		if f.Upstream == nil && snap.CanRead(v, f.ID) {
			sc.PublicFeeds = append(sc.PublicFeeds, f.Name)
		}
	}
	return sc, nil
}

// AllFeeds returns the name of every feed, private ones included.
func (s *Service) AllFeeds(ctx context.Context) ([]string, error) {
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range snap.Feeds() {
		names = append(names, f.Name)
	}
	return names, nil
}

// FileKey returns the package store key of one of a version's files.
// Errors: ErrNotFound (the version has no such file, or none is stored).
func FileKey(p *Package, pv *PackageVersion, f File) (string, error) {
	if pv.BlobPrefix == "" {
		return "", errorf(ErrNotFound, "%s %s has no stored files.", p.Name, pv.Version)
	}
	name, err := fileName(p.Name, pv, f)
	if err != nil {
		return "", err
	}
	return pv.BlobPrefix + "/" + name, nil
}

// IsNotFound reports whether err is ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
