package registry

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/storage"
)

// A stage group's own source (/stages/{id}/v3/index.json): the feed as
// the caller reads it, plus the group's staged versions, so a build can
// restore a release before it is promoted. Only callers that act for the
// group's owner with read rights (feeds.Reader.Acts: a session, or a key
// of the owner with the read scope) see it; everyone else finds nothing.

// StageSource returns the group a stage source URL names, when the
// request's reader acts for its owner (ErrNotFound otherwise).
func (s *Service) StageSource(ctx context.Context, id int64) (*StageGroup, error) {
	absent := errorf(ErrNotFound, "There is no staged release %d that these credentials may read.", id)
	g, err := s.store.StageGroup(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, absent
	}
	if err != nil {
		return nil, err
	}
	if !feeds.ReaderOf(ctx).Acts(g.OwnerID) {
		return nil, absent
	}
	return g, nil
}

// StagePackage returns package id as the stage's source shows it: its
// versions in the feed (as the caller may read them) and those staged in
// the group, ascending. Errors: ErrNotFound.
func (s *Service) StagePackage(ctx context.Context, g *StageGroup, id string) (*Package, error) {
	base, err := s.Package(ctx, id)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	staged, err := s.store.StagedPackages(ctx, g.ID, nil)
	if err != nil {
		return nil, err
	}
	out := &Package{Name: id}
	if base != nil {
		cp := *base
		cp.Versions = append([]PackageVersion(nil), base.Versions...)
		out = &cp
	}
	n := 0
	for _, p := range staged {
		if !strings.EqualFold(p.Name, id) {
			continue
		}
		if base == nil && n == 0 {
			out.Name = p.Name
		}
		n++
		out.Versions = append(out.Versions, *p.AsVersion(p.StagedAt))
	}
	if base == nil && n == 0 {
		return nil, errorf(ErrNotFound, "There is no package '%s' in this staged release or its feed.", truncateText(id, 100))
	}
	sort.SliceStable(out.Versions, func(i, j int) bool { return out.Versions[i].Version.Compare(out.Versions[j].Version) < 0 })
	return out, nil
}

// OpenStageFile opens a file of a version the stage's source shows: a
// staged version's from its staged files, any other from the feed.
func (s *Service) OpenStageFile(ctx context.Context, g *StageGroup, id, version string, f File) (storage.Blob, *PackageVersion, error) {
	p, err := s.StagePackage(ctx, g, id)
	if err != nil {
		return nil, nil, err
	}
	v, err := nuget.ParseVersion(version)
	if err != nil {
		return nil, nil, errorf(ErrNotFound, "There is no version '%s' of %s.", truncateText(version, 64), p.Name)
	}
	pv := p.Find(v)
	if pv == nil {
		return nil, nil, errorf(ErrNotFound, "There is no version %s of %s.", v, p.Name)
	}
	if pv.ID != 0 { // in the feed: served as the feed serves it
		return s.OpenFile(ctx, id, version, f)
	}
	name, err := fileName(p.Name, pv, f)
	if err != nil {
		return nil, nil, err
	}
	b, err := s.blobs.Open(ctx, pv.BlobPrefix+"/"+name)
	if err != nil {
		return nil, nil, fmt.Errorf("open staged %s %s: %w", p.Name, pv.Version, err)
	}
	return b, pv, nil
}
