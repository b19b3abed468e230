package registry

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// File names a file stored for each version.
type File int

// The files a version has. Only FileNupkg and FileNuspec always exist.
const (
	FileNupkg File = iota
	FileNuspec
	FileReadme
	FileIcon
	FileLicense
)

// Package returns the cached snapshot of a package by ID, any case, no
// older than the feed freshness bound (see Options.FeedMaxAge). The
// snapshot is shared and must not be modified. Errors: ErrNotFound.
func (s *Service) Package(ctx context.Context, id string) (*Package, error) {
	s.Refresh(ctx)
	e, err := s.cat.get(ctx, strings.ToLower(id))
	if err == nil && e.pkg == nil && s.maxAge > 0 && s.recheck(ctx) {
		e, err = s.cat.get(ctx, strings.ToLower(id))
	}
	if err != nil {
		return nil, err
	}
	if e.pkg == nil && s.mirror != nil {
		if e, err = s.fromUpstream(ctx, id); err != nil {
			return nil, err
		}
	} else if e.pkg != nil && e.pkg.UpstreamCheckedAt != nil {
		e = s.refreshMirrored(ctx, e)
	}
	if e.pkg == nil || !mayRead(ctx, e.pkg) {
		return nil, errorf(ErrNotFound, "There is no package '%s' on this feed.", id)
	}
	return s.withMinAge(ctx, e.pkg), nil
}

// refreshedKey marks a request's context whose feed was brought up to date
// when its credentials were checked, so its reads do not check again.
type refreshedKey struct{}

// Refresh brings the cached feed up to date within the freshness bound:
// every read does it, and callers that cache answers derived from the
// feed (by Generation) call it before they look.
func (s *Service) Refresh(ctx context.Context) {
	if ctx.Value(refreshedKey{}) != nil {
		return // this request checked already (ReadAccess)
	}
	if err := s.cat.fresh(ctx, s.maxAge); err != nil && ctx.Err() == nil {
		s.warnStale(err)
	}
}

// recheck is the fallback for a package or version missing from a snapshot
// that may be up to FeedMaxAge old: it checks the feed revision now, so
// what another replica committed is found at once rather than answered
// 404. It reports whether the check ran.
func (s *Service) recheck(ctx context.Context) bool {
	if err := s.cat.fresh(ctx, 0); err != nil {
		if ctx.Err() == nil {
			s.warnStale(err)
		}
		return false
	}
	return true
}

// warnStale logs, at most every 10 seconds, that reads are served from the
// last snapshot because the feed revision could not be checked.
func (s *Service) warnStale(err error) {
	now := time.Now().UnixNano()
	last := s.staleWarned.Load()
	if now-last > int64(10*time.Second) && s.staleWarned.CompareAndSwap(last, now) {
		s.log.Warn("checking the feed revision failed; serving the last snapshot", "err", err)
	}
}

// Version returns a package and one of its versions, listed or not. The
// version may be written in any case and non-normalized. Errors: ErrNotFound.
func (s *Service) Version(ctx context.Context, id, version string) (*Package, *PackageVersion, error) {
	p, err := s.Package(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	v, err := nuget.ParseVersion(version)
	if err != nil {
		return nil, nil, errorf(ErrNotFound, "There is no version '%s' of '%s': that is not a valid version.", version, p.Name)
	}
	pv := p.Find(v)
	if pv == nil && s.maxAge > 0 && s.recheck(ctx) {
		if p, err = s.Package(ctx, id); err != nil {
			return nil, nil, err
		}
		pv = p.Find(v)
	}
	if pv == nil {
		return nil, nil, errorf(ErrNotFound, "There is no version '%s' of '%s' on this feed.", version, p.Name)
	}
	return p, pv, nil
}

// SetListed unlists (listed=false) or relists a version; unlisted versions
// stay restorable but leave search and "latest". Errors: ErrNotFound,
// ErrForbidden (the key may not change this package).
func (s *Service) SetListed(ctx context.Context, key *APIKey, id, version string, listed bool) error {
	if err := requirePush(key); err != nil {
		return err
	}
	// An absent package, an absent or malformed version, and a version of
	// a package the key may not see all get one sentence, in the caller's
	// own spelling: nothing tells a private package from a missing one.
	if _, err := nuget.ParseVersion(version); err != nil {
		return errorf(ErrNotFound, "There is no version '%s' of '%s': that is not a valid version.", version, id)
	}
	absent := errorf(ErrNotFound, "There is no version '%s' of '%s' on this feed.", version, id)
	p, pv, err := s.freshVersion(ctx, id, version)
	if errors.Is(err, ErrNotFound) {
		return absent
	}
	if err != nil {
		return err
	}
	if !s.keySees(ctx, key, p) {
		return absent
	}
	action := "unlist"
	if listed {
		action = "relist"
	}
	if _, err := s.authorizeID(ctx, key, p.Name, action); err != nil {
		return err
	}
	if pv.Listed == listed {
		return nil
	}
	lowerID := strings.ToLower(p.Name)
	if err := s.store.SetListed(ctx, lowerID, pv.Version.Lower(), key.OwnerID, listed, s.now()); err != nil {
		if errors.Is(err, ErrForbidden) {
			return notOwner(action, p.Name)
		}
		return notFound(err, "There is no version '%s' of '%s' on this feed.", version, p.Name)
	}
	_, err = s.cat.reload(ctx, lowerID)
	s.PackageChanged(ctx, lowerID)
	return err
}

// freshVersion is Version read through to the store, for changes that must
// not act on a stale snapshot.
func (s *Service) freshVersion(ctx context.Context, id, version string) (*Package, *PackageVersion, error) {
	if _, err := s.cat.reload(ctx, strings.ToLower(id)); err != nil {
		return nil, nil, err
	}
	return s.Version(ctx, id, version)
}

// Generation changes whenever any cached package changes; rendered answers
// that depend on the whole feed (search) are valid while it stays the same.
func (s *Service) Generation() int64 { return s.cat.gen.Load() }

// Preload reads the whole feed into the cache, as the first search would:
// serve calls it in the background at start-up, so that no user waits
// seconds for the first search of a large feed. The restore path does not
// need it; it loads packages one at a time.
func (s *Service) Preload(ctx context.Context) error {
	_, err := s.cat.all(ctx)
	return err
}
