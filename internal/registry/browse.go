package registry

import (
	"context"
	"time"
)

// RecentlyPublished returns up to n packages, those whose newest listed
// version was published most recently first, each with its latest listed
// version (prereleases and SemVer 2.0.0 included) as Latest. It is what a
// start page shows as "recently updated"; it reads the cached catalog and
// returns no error kinds of its own.
func (s *Service) RecentlyPublished(ctx context.Context, n int) ([]SearchHit, error) {
	entries, err := s.cat.all(ctx)
	if err != nil || n <= 0 {
		return nil, err
	}
	f := VersionFilter{IncludePrerelease: true, IncludeSemVer2: true}
	type dated struct {
		hit SearchHit
		at  time.Time
	}
	top := make([]dated, 0, n+1)
	readable := readFilter(ctx)
	for _, e := range entries {
		if readable != nil && !readable(e.pkg) {
			continue
		}
		latest := e.pkg.Latest(f)
		if latest == nil {
			continue
		}
		d := dated{hit: SearchHit{Package: e.pkg, Latest: latest}, at: newestPublished(e.pkg, f)}
		// Insert in order, newest first; ties keep the catalog's ID order.
		i := len(top)
		for i > 0 && d.at.After(top[i-1].at) {
			i--
		}
		if i >= n {
			continue
		}
		top = append(top, dated{})
		copy(top[i+1:], top[i:])
		top[i] = d
		if len(top) > n {
			top = top[:n]
		}
	}
	hits := make([]SearchHit, len(top))
	for i, d := range top {
		hits[i] = d.hit
	}
	return hits, nil
}

// newestPublished is when the package's most recently published version
// that passes the filter was published: not always its highest version.
func newestPublished(p *Package, f VersionFilter) time.Time {
	var at time.Time
	for i := range p.Versions {
		if v := &p.Versions[i]; f.Allows(v) && v.Published.After(at) {
			at = v.Published
		}
	}
	return at
}
