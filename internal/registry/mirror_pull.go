package registry

import (
	"context"
	"strings"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// maxPulled bounds how many versions one PullUpstream stores.
const maxPulled = 10000

// Pulled is one version PullUpstream visited.
type Pulled struct {
	ID, Version string
	Local       bool // a local package: nothing to fetch
	Err         error
}

// PullUpstream fills the cache of upstream feeds ahead of need, so that an
// air-gapped registry can restore what it was filled with: version (or,
// when "", the newest listed stable version, else the newest listed one)
// of id and, with deps, for every dependency of every framework the
// lowest version its range allows (the one restore picks), recursively.
// Local packages are not fetched (they are here already). report is told
// about each version as it is stored; a dependency that cannot be pulled
// is reported and the walk goes on. It returns the first error of the
// requested package itself. Errors: ErrNotFound, ErrUpstream.
func (s *Service) PullUpstream(ctx context.Context, id, version string, deps bool, report func(Pulled)) error {
	type want struct {
		id  string
		rng *nuget.VersionRange // nil: version (or the newest)
		ver string
	}
	queue := []want{{id: id, ver: version}}
	seen := map[string]bool{}
	for n := 0; len(queue) > 0 && n < maxPulled; n++ {
		w := queue[0]
		queue = queue[1:]
		p, pv, err := s.pullOne(ctx, w.id, w.ver, w.rng)
		if err != nil {
			if n == 0 {
				return err
			}
			report(Pulled{ID: w.id, Version: w.ver, Err: err})
			continue
		}
		key := strings.ToLower(p.Name) + "/" + pv.Version.Lower()
		if seen[key] {
			continue
		}
		seen[key] = true
		report(Pulled{ID: p.Name, Version: pv.Version.String(), Local: p.UpstreamCheckedAt == nil})
		if !deps {
			continue
		}
		for _, g := range pv.Metadata.DependencyGroups {
			for _, d := range g.Dependencies {
				r, err := nuget.ParseRange(d.Range)
				if err != nil {
					report(Pulled{ID: d.ID, Version: d.Range, Err: errorf(ErrInvalid, "The dependency range '%s' of %s %s cannot be read.", d.Range, p.Name, pv.Version)})
					continue
				}
				queue = append(queue, want{id: d.ID, rng: &r})
			}
		}
	}
	return nil
}

// pullOne finds the version a pull wants and, for a mirrored package,
// makes sure its files are stored.
func (s *Service) pullOne(ctx context.Context, id, version string, rng *nuget.VersionRange) (*Package, *PackageVersion, error) {
	p, err := s.Package(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	var pv *PackageVersion
	switch {
	case rng != nil:
		for i := range p.Versions { // ascending: the first match is the lowest
			if rng.Contains(p.Versions[i].Version) {
				pv = &p.Versions[i]
				break
			}
		}
		if pv == nil {
			return nil, nil, errorf(ErrNotFound, "No version of '%s' is in the range %s.", p.Name, rng)
		}
	case version != "":
		if _, pv, err = s.Version(ctx, id, version); err != nil {
			return nil, nil, err
		}
	default:
		if pv = p.Latest(VersionFilter{IncludeSemVer2: true}); pv == nil {
			pv = p.Latest(VersionFilter{IncludeSemVer2: true, IncludePrerelease: true})
		}
		if pv == nil {
			return nil, nil, errorf(ErrNotFound, "'%s' has no listed version to pull: name one.", p.Name)
		}
	}
	if p.UpstreamCheckedAt == nil {
		return p, pv, nil
	}
	b, npv, err := s.OpenFile(ctx, p.Name, pv.Version.String(), FileNupkg)
	if err != nil {
		return nil, nil, err
	}
	b.Close()
	return p, npv, nil
}
