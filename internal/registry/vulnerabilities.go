package registry

import (
	"context"
	"sync"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// VulnerabilityData is what the vulnerability resource serves a caller.
type VulnerabilityData struct {
	Page    nuget.VulnerabilityPage
	Updated time.Time // the newest Modified of the advisories in Page; zero when empty
}

// advisoryCache keeps every advisory, read again when the feed revision
// moves (every advisory change moves it).
type advisoryCache struct {
	mu   sync.Mutex
	rev  int64
	ok   bool
	list []Advisory
}

// Vulnerabilities returns the vulnerability data the request's reader may
// see, as the VulnerabilityInfo resource serves it. The document is one
// bulk answer for every package, so it holds:
//   - every imported advisory (public data from a public database, shown
//     to anyone: leaving one out for a private package of the same ID
//     would reveal that package), and
//   - the local advisories of the packages the reader may read in the
//     request's scope (the union, or one feed), and no others: a private
//     package's ID never appears to those who cannot read it.
func (s *Service) Vulnerabilities(ctx context.Context) (*VulnerabilityData, error) {
	s.Refresh(ctx)
	all, err := s.allAdvisories(ctx)
	if err != nil {
		return nil, err
	}
	out := &VulnerabilityData{Page: nuget.VulnerabilityPage{}}
	readable := map[string]bool{}
	for _, a := range all {
		if a.Source == SourceLocal {
			ok, seen := readable[a.Scope]
			if !seen {
				e, err := s.cat.get(ctx, a.Scope)
				if err != nil {
					return nil, err
				}
				ok = e.pkg != nil && mayRead(ctx, e.pkg)
				readable[a.Scope] = ok
			}
			if !ok {
				continue
			}
		}
		for _, f := range a.Affected {
			out.Page[f.PackageID] = append(out.Page[f.PackageID], nuget.VulnerabilityRecord{Severity: int(a.Severity), URL: a.URL, Versions: f.Versions})
		}
		if a.Modified.After(out.Updated) {
			out.Updated = a.Modified
		}
	}
	return out, nil
}

// allAdvisories returns every stored advisory, from memory while the feed
// revision stays the same.
func (s *Service) allAdvisories(ctx context.Context) ([]Advisory, error) {
	rev := s.cat.revision()
	c := &s.advisories
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.rev == rev {
		return c.list, nil
	}
	list, err := s.store.Advisories(ctx, "")
	if err != nil {
		return nil, err
	}
	c.list, c.rev, c.ok = list, rev, true
	return list, nil
}

// invalidate makes the next read load every advisory again: this
// process's own changes show at once, before the next revision check.
func (c *advisoryCache) invalidate() {
	c.mu.Lock()
	c.ok = false
	c.mu.Unlock()
}
