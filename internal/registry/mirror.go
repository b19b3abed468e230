package registry

import (
	"archive/zip"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/upstream"
)

// Upstream feeds (docs/design/upstreams.md): a package ID that no local
// feed has is looked up in the upstream feeds the caller may read, oldest
// first; what the source says is stored as an ordinary package of that
// feed without owners, and a version's .nupkg is fetched and stored on
// its first download.

// upstreamRefreshWait bounds how long a read waits for a source while
// refreshing a mirrored package it already has: past it, the cached
// versions are served and reported stale.
const upstreamRefreshWait = 5 * time.Second

// upstreamAbsentTTL is how long "the source has no such package" is
// remembered, so that restores asking for made-up or local-only IDs do
// not ask the source every time.
const upstreamAbsentTTL = 5 * time.Minute

// maxMirroredNuspec bounds the .nuspec taken from a mirrored package.
const maxMirroredNuspec = 4 << 20

// mirror holds the state of upstream reads.
type mirror struct {
	client *upstream.Client
	stats  *upstream.Stats // may be nil
	temp   string          // directory for downloads in progress
	hits   atomic.Int64    // mirrored files served from the store
	misses atomic.Int64    // mirrored files fetched from their source

	mu     sync.Mutex
	absent map[string]time.Time // feed ID/lower ID -> until when the source said 404
}

// source is the upstream.Source of a feed's settings.
func source(f *feeds.Feed) upstream.Source {
	return upstream.Source{IndexURL: f.Upstream.IndexURL, Username: f.Upstream.Username, Password: f.Upstream.Password}
}

// fromUpstream looks up an ID that no feed has in the upstream feeds the
// request may read. Errors: ErrNotFound (no upstream has it, or it is
// reserved), ErrUpstream (every upstream that could have it failed).
func (s *Service) fromUpstream(ctx context.Context, id string) (*entry, error) {
	absent := errorf(ErrNotFound, "There is no package '%s' on this feed.", id)
	if s.mirror == nil || nuget.ValidateDependencyID(id) != nil {
		return nil, absent
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil || len(snap.Upstreams()) == 0 {
		return nil, absent
	}
	if s.reserved != nil && s.reserved(ctx, id) {
		return nil, absent // dependency confusion: reserved IDs never come from upstream
	}
	r := feeds.ReaderOf(ctx)
	var failed error
	for _, f := range snap.Upstreams() {
		if (r.Feed != nil && r.Feed.ID != f.ID) || !r.MayRead(f.ID) || !f.Upstream.Admits(id) {
			continue
		}
		e, err := s.mirrorPackage(ctx, f, id)
		switch {
		case err == nil:
			return e, nil
		case errors.Is(err, ErrNotFound):
			continue
		default:
			failed = err
		}
	}
	if failed != nil {
		return nil, failed
	}
	return nil, absent
}

// mirrorPackage reads a package from feed f's source and stores it,
// once for concurrent callers. Errors: ErrNotFound, ErrUpstream.
func (s *Service) mirrorPackage(ctx context.Context, f *feeds.Feed, id string) (*entry, error) {
	lower := strings.ToLower(id)
	key := fmt.Sprintf("%d/%s", f.ID, lower)
	if s.mirror.wasAbsent(key, s.now()) {
		return nil, errorf(ErrNotFound, "There is no package '%s' on this feed.", id)
	}
	v, err, _ := s.cat.group.Do("\x00upstream/"+key, func() (any, error) {
		// Shared by every waiter: one leaving must not cancel the others.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*upstreamRefreshWait)
		defer cancel()
		start := time.Now()
		up, err := s.mirror.client.Package(ctx, source(f), id)
		if errors.Is(err, upstream.ErrNotFound) {
			s.mirror.rememberAbsent(key, s.now().Add(upstreamAbsentTTL))
			return nil, errorf(ErrNotFound, "There is no package '%s' on this feed.", id)
		}
		if err != nil {
			s.log.Warn("upstream read failed", "feed", f.Name, "id", EscapeText(id), "err", err, "took", time.Since(start))
			return nil, errorf(ErrUpstream, "The upstream source of feed '%s' did not answer for '%s': %s", f.Name, id, upstreamReason(err))
		}
		name := up.ID
		if !strings.EqualFold(name, id) {
			name = id
		}
		if err := s.store.UpsertMirror(ctx, f.ID, name, mirroredVersions(up), s.now()); err != nil {
			if errors.Is(err, ErrConflict) {
				// A local package (or another upstream's) took the ID
				// meanwhile: it wins.
				return s.cat.reload(ctx, lower)
			}
			return nil, err
		}
		return s.cat.reload(ctx, lower)
	})
	if err != nil {
		return nil, err
	}
	return v.(*entry), nil
}

// upstreamReason is the part of an upstream error a caller may see: the
// client's sentences name the source's host and the failure, never
// credentials.
func upstreamReason(err error) string {
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return EscapeText(msg)
}

// mirroredVersions converts what a source says into versions to store.
func mirroredVersions(up *upstream.Package) []PackageVersion {
	out := make([]PackageVersion, 0, len(up.Versions))
	for i := range up.Versions {
		v := &up.Versions[i]
		m := &Metadata{
			Title: v.Title, Description: v.Description, Summary: v.Summary, Authors: v.Authors, Tags: v.Tags,
			Language: v.Language, ProjectURL: v.ProjectURL, IconURL: v.IconURL, LicenseURL: v.LicenseURL,
			LicenseExpression: v.LicenseExpression, RequireLicenseAcceptance: v.RequireLicenseAcceptance,
			MinClientVersion: v.MinClientVersion, DependencyGroups: v.DependencyGroups,
			Deprecation: v.Deprecation, Vulnerabilities: v.Vulnerabilities,
		}
		for _, g := range v.DependencyGroups {
			for _, d := range g.Dependencies {
				if r, err := nuget.ParseRange(d.Range); err == nil && r.IsSemVer2() {
					m.SemVer2Dependencies = true
				}
			}
		}
		out = append(out, PackageVersion{
			Version: v.Parsed, OriginalVersion: v.Version, Listed: v.Listed, Published: v.Published.UTC(), Metadata: m,
			UpstreamContentURL: v.ContentURL, UpstreamCatalogURL: v.CatalogURL,
		})
	}
	return out
}

// refreshMirrored brings a mirrored package up to date when it is older
// than its feed's refresh interval, waiting at most upstreamRefreshWait;
// when the source cannot answer, the cached package is served (see
// UpstreamAge) and the failure logged.
func (s *Service) refreshMirrored(ctx context.Context, e *entry) *entry {
	p := e.pkg
	if s.mirror == nil || p == nil || p.UpstreamCheckedAt == nil {
		return e
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return e
	}
	f := snap.FeedByID(p.FeedID)
	if f == nil || f.Upstream == nil || s.now().Sub(*p.UpstreamCheckedAt) < f.Upstream.RefreshEvery() {
		return e
	}
	done := make(chan *entry, 1)
	go func() {
		ne, err := s.mirrorPackage(ctx, f, p.Name)
		if err != nil {
			ne = nil
		}
		done <- ne
	}()
	select {
	case ne := <-done:
		if ne != nil && ne.pkg != nil {
			return ne
		}
	case <-time.After(upstreamRefreshWait):
	case <-ctx.Done():
	}
	return e
}

// UpstreamAge reports, for a package mirrored from an upstream feed whose
// refresh interval has passed (the source did not answer), how long ago
// its versions were read from the source; ok is false for local packages
// and fresh mirrored ones.
func (s *Service) UpstreamAge(ctx context.Context, p *Package) (age time.Duration, ok bool) {
	if p.UpstreamCheckedAt == nil {
		return 0, false
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return 0, false
	}
	f := snap.FeedByID(p.FeedID)
	if f == nil || f.Upstream == nil {
		return 0, false
	}
	age = s.now().Sub(*p.UpstreamCheckedAt)
	return age, age >= f.Upstream.RefreshEvery()
}

// withMinAge hides the versions of a mirrored package published less than
// its feed's minimum age ago. Local packages and feeds without a minimum
// age are returned as they are.
func (s *Service) withMinAge(ctx context.Context, p *Package) *Package {
	if p.UpstreamCheckedAt == nil {
		return p
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return p
	}
	f := snap.FeedByID(p.FeedID)
	if f == nil || f.Upstream == nil || f.Upstream.MinAge <= 0 {
		return p
	}
	cut := s.now().Add(-f.Upstream.MinAge)
	young := 0
	for i := range p.Versions {
		if p.Versions[i].Published.After(cut) {
			young++
		}
	}
	if young == 0 {
		return p
	}
	cp := *p
	cp.Versions = make([]PackageVersion, 0, len(p.Versions)-young)
	for _, v := range p.Versions {
		if !v.Published.After(cut) {
			cp.Versions = append(cp.Versions, v)
		}
	}
	return &cp
}

// mirrorFiles fetches a mirrored version's .nupkg from its source, checks
// it against the source's hash, stores it with its .nuspec and records
// it; concurrent first downloads fetch it once. It returns the package
// and version as stored. Errors: ErrUpstream (the source failed, or the
// hash did not match: nothing is kept), ErrNotFound.
func (s *Service) mirrorFiles(ctx context.Context, p *Package, pv *PackageVersion) (*Package, *PackageVersion, error) {
	lower, lowerVer := strings.ToLower(p.Name), pv.Version.Lower()
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	f := snap.FeedByID(p.FeedID)
	if f == nil || f.Upstream == nil || s.mirror == nil {
		return nil, nil, errorf(ErrNotFound, "%s %s is not stored here and its upstream feed is gone.", p.Name, pv.Version)
	}
	s.mirror.misses.Add(1)
	_, err, _ = s.cat.group.Do("\x00files/"+lower+"/"+lowerVer, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Minute)
		defer cancel()
		return nil, s.fetchFiles(ctx, f, p, pv)
	})
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.cat.reload(ctx, lower); err != nil {
		return nil, nil, err
	}
	np, npv, err := s.Version(ctx, p.Name, lowerVer)
	if err != nil {
		return nil, nil, err
	}
	if npv.BlobPrefix == "" {
		return nil, nil, fmt.Errorf("mirror %s %s: stored but not recorded", p.Name, pv.Version)
	}
	return np, npv, nil
}

// fetchFiles downloads, checks and stores one mirrored version.
func (s *Service) fetchFiles(ctx context.Context, f *feeds.Feed, p *Package, pv *PackageVersion) error {
	lower, lowerVer := strings.ToLower(p.Name), pv.Version.Lower()
	tmp, err := os.CreateTemp(s.mirror.temp, "mirror-*.nupkg")
	if err != nil {
		return fmt.Errorf("mirror %s %s: %w", p.Name, pv.Version, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	d, err := s.mirror.client.Download(ctx, source(f), &upstream.Version{
		Version: pv.OriginalVersion, ContentURL: pv.UpstreamContentURL, CatalogURL: pv.UpstreamCatalogURL}, tmp)
	switch {
	case errors.Is(err, upstream.ErrHashMismatch):
		s.audit(ctx, &AuditEvent{Kind: "upstream.hash", Outcome: "rejected", Subject: p.Name + " " + pv.Version.String(),
			Message: fmt.Sprintf("feed %s: %s", f.Name, upstreamReason(err))})
		return errorf(ErrUpstream, "%s %s from the upstream feed '%s' does not match the SHA-512 hash its source publishes: Wharf refused it and kept nothing.", p.Name, pv.Version, f.Name)
	case err != nil:
		s.log.Warn("upstream download failed", "feed", f.Name, "id", EscapeText(p.Name), "version", pv.Version.String(), "err", err)
		return errorf(ErrUpstream, "%s %s could not be fetched from the upstream feed '%s': %s", p.Name, pv.Version, f.Name, upstreamReason(err))
	}
	nuspec, err := nuspecOf(tmp, d.Size)
	if err != nil {
		return errorf(ErrUpstream, "%s %s from the upstream feed '%s' is not a NuGet package: %s", p.Name, pv.Version, f.Name, err)
	}
	prefix, err := blobPrefix(keySafe(lower), keySafe(lowerVer))
	if err != nil {
		return err
	}
	nupkgKey := prefix + "/" + nupkgName(keySafe(lower), keySafe(lowerVer))
	nuspecKey := prefix + "/" + keySafe(lower) + ".nuspec"
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := s.blobs.Put(ctx, nupkgKey, tmp, d.Size); err != nil {
		return storageError(err)
	}
	if err := s.blobs.Put(ctx, nuspecKey, strings.NewReader(nuspec), int64(len(nuspec))); err != nil {
		_ = s.blobs.Delete(ctx, nupkgKey)
		return storageError(err)
	}
	err = s.store.SetMirroredFiles(ctx, lower, lowerVer, prefix, d.SHA512, d.Size, s.now())
	if err != nil {
		_ = s.blobs.Delete(ctx, nupkgKey)
		_ = s.blobs.Delete(ctx, nuspecKey)
		if errors.Is(err, ErrConflict) {
			return nil // another replica stored it first
		}
		return err
	}
	return nil
}

// nuspecOf returns the .nuspec at the root of a package, as NuGet finds
// it, without judging its style: mirrored packages are checked for
// integrity, not for what nuget.org would accept today.
func nuspecOf(r io.ReaderAt, size int64) (string, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return "", errors.New("it is not a zip archive")
	}
	for _, zf := range zr.File {
		if strings.Contains(zf.Name, "/") || !strings.EqualFold(path.Ext(zf.Name), ".nuspec") {
			continue
		}
		if zf.UncompressedSize64 > maxMirroredNuspec {
			return "", errors.New("its .nuspec is larger than 4 MB")
		}
		rc, err := zf.Open()
		if err != nil {
			return "", errors.New("its .nuspec cannot be read")
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxMirroredNuspec+1))
		rc.Close()
		if err != nil || len(b) > maxMirroredNuspec {
			return "", errors.New("its .nuspec cannot be read")
		}
		return string(b), nil
	}
	return "", errors.New("it has no .nuspec at its root")
}

// keySafe spells a lowercased ID or version as a storage key segment.
// Local IDs and every version already are one; mirrored IDs may hold
// letters beyond ASCII, which become "u." and the hex of their UTF-8.
func keySafe(s string) string {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '+' || c >= 'A' && c <= 'Z') {
			h := hex.EncodeToString([]byte(s))
			if len(h) > 200 {
				h = h[:200]
			}
			return "u." + h
		}
	}
	return s
}

func (m *mirror) wasAbsent(key string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.absent[key]
	return ok && now.Before(until)
}

func (m *mirror) rememberAbsent(key string, until time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.absent) >= MaxRememberedAbsent {
		clear(m.absent)
	}
	m.absent[key] = until
}

// upstreamHas reports whether an upstream feed mirrors an ID that no feed
// has yet, asking the sources that admit it (and caching what they say).
// IDs under a reserved prefix never come from upstream, so their owners
// may push them. A source that does not answer counts as not having it
// (logged): a push does not wait for an outage to end.
func (s *Service) upstreamHas(ctx context.Context, id string) bool {
	if s.mirror == nil || (s.reserved != nil && s.reserved(ctx, id)) || nuget.ValidateDependencyID(id) != nil {
		return false
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return false
	}
	for _, f := range snap.Upstreams() {
		if !f.Upstream.Admits(id) {
			continue
		}
		e, err := s.mirrorPackage(ctx, f, id)
		if err == nil && e.pkg != nil {
			return true
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			s.log.Warn("a push could not ask an upstream source whether it has the ID; the push goes ahead", "feed", f.Name, "id", EscapeText(id), "err", err)
		}
	}
	return false
}

// UpstreamStats is what the metrics report about upstream feeds.
type UpstreamStats struct {
	Hits, Misses int64 // mirrored .nupkg and .nuspec reads served from the store, and fetched from the source
	upstream.StatsSnapshot
}

// UpstreamStats returns the upstream counters so far (zero without
// upstream feeds).
func (s *Service) UpstreamStats() UpstreamStats {
	if s.mirror == nil {
		return UpstreamStats{}
	}
	st := UpstreamStats{Hits: s.mirror.hits.Load(), Misses: s.mirror.misses.Load()}
	if s.mirror.stats != nil {
		st.StatsSnapshot = s.mirror.stats.Snapshot()
	}
	return st
}
