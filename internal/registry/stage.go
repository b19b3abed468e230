package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/nuget"
)

// Staged is what a stage push did.
type Staged struct {
	Package *StagedPackage
	Group   *StageGroup
	// Created is false when the push replaced a staged package of the
	// same ID and version, or was identical to it (Unchanged).
	Created   bool
	Unchanged bool
}

// requireStage refuses a key that may not stage.
func requireStage(key *APIKey) error {
	if !key.Scopes.MayStage() {
		return errorf(ErrForbidden, "The API key %s… may only read packages; staging needs a key with --scope stage or push.", key.Hint)
	}
	return nil
}

// groupSlug is a stage group's ID as the staging API names it.
var groupSlug = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func checkSlug(slug string) error {
	if !groupSlug.MatchString(slug) {
		return fieldErrorf(ErrInvalid, "groupId", "'%s' is not a valid stage group ID: use 1 to 64 letters, digits, dots, hyphens and underscores, starting with a letter or digit.", truncateText(slug, 80))
	}
	if strings.EqualFold(slug, UngroupedSlug) {
		return fieldErrorf(ErrInvalid, "groupId", "'%s' is reserved for packages staged without a group; choose another group ID.", slug)
	}
	return nil
}

func truncateText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Stage validates a package as Push does and stages it in the key
// owner's group slug (created when missing; "" for the owner's
// ungrouped packages) instead of adding it to the feed. Staging the same
// bytes again changes nothing; other bytes replace the staged package
// (keeping its group when slug is ""). Errors: Push's, and ErrConflict
// when another owner staged the version, ErrInvalid for a bad slug.
func (s *Service) Stage(ctx context.Context, key *APIKey, up Upload, slug string) (*Staged, error) {
	if up.Size > s.maxSize {
		return nil, s.tooLarge()
	}
	if err := requireStage(key); err != nil {
		return nil, err
	}
	if slug != "" {
		if err := checkSlug(slug); err != nil {
			return nil, err
		}
	}
	pkg, err := nuget.OpenPackage(up.R, up.Size, s.limits)
	if err != nil {
		var ve *nuget.ValidationError
		if errors.As(err, &ve) || errors.Is(err, nuget.ErrTooLarge) {
			return nil, errorf(ErrInvalid, "%s", err.Error())
		}
		return nil, fmt.Errorf("open package: %w", err)
	}
	m := pkg.Manifest
	if err := pushRules(m); err != nil {
		return nil, err
	}
	lowerID, lowerVer := strings.ToLower(m.ID), m.Version.Lower()
	existing, err := s.authorizeID(ctx, key, m.ID, "stage")
	if err != nil {
		return nil, err
	}
	feedID, err := s.targetFeed(ctx, key, m.ID, existing)
	if err != nil {
		return nil, err
	}
	if err := s.requireTrusted(ctx, key, m.ID, existing); err != nil {
		return nil, err
	}
	if err := s.refuseHeldCoordinates(ctx, m.ID, m.Version); err != nil {
		return nil, err
	}
	if err := s.refuseTombstoned(ctx, key.OwnerID, m.ID, lowerVer, existing); err != nil {
		return nil, err
	}
	if existing != nil && existing.Find(m.Version) != nil {
		return nil, s.duplicate(existing.Name, m.Version)
	}
	hash, err := sha512Of(up)
	if err != nil {
		return nil, err
	}
	old, err := s.store.StagedPackage(ctx, lowerID, lowerVer)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var oldGroup *StageGroup
	if old != nil {
		if oldGroup, err = s.store.StageGroup(ctx, old.GroupID); err != nil {
			return nil, err
		}
		if oldGroup.OwnerID != key.OwnerID {
			return nil, errorf(ErrConflict, "%s %s is staged by another owner; it cannot be staged twice.", m.ID, m.Version)
		}
	}
	g, err := s.stageGroupFor(ctx, key, slug, oldGroup)
	if err != nil {
		return nil, err
	}
	if old != nil && old.SHA512 == hash && old.GroupID == g.ID {
		return &Staged{Package: old, Group: g, Unchanged: true}, nil
	}
	prefix, err := blobPrefix(lowerID, lowerVer)
	if err != nil {
		return nil, err
	}
	files := []blobFile{
		{nupkgName(lowerID, lowerVer), io.NewSectionReader(up.R, 0, up.Size), up.Size},
		{lowerID + ".nuspec", bytes.NewReader(pkg.Nuspec), int64(len(pkg.Nuspec))},
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{fileReadme, pkg.Readme}, {fileIcon, pkg.Icon}, {fileLicense, pkg.LicenseFile}} {
		if f.data != nil {
			files = append(files, blobFile{f.name, bytes.NewReader(f.data), int64(len(f.data))})
		}
	}
	if old != nil && old.SHA512 == hash {
		// The same bytes, moved to another group: keep the files.
		prefix, files = old.BlobPrefix, nil
	} else if err := s.writeFiles(ctx, prefix, files); err != nil {
		return nil, err
	}
	sp := &StagedPackage{GroupID: g.ID, FeedID: feedID, Name: m.ID, Version: m.Version, OriginalVersion: m.OriginalVersion,
		Size: up.Size, SHA512: hash, BlobPrefix: prefix, Metadata: metadataOf(pkg), Provenance: key.Provenance,
		StagedBy: key.UserID, KeyID: key.ID, StagedAt: s.now().UTC()}
	if existing != nil {
		sp.Name = existing.Name
	}
	replaced, err := s.store.PutStagedPackage(ctx, sp)
	if err != nil {
		if files != nil {
			s.deleteFiles(prefix, files)
		}
		if taken := s.versionTaken(err, m.ID, m.Version); taken != nil {
			return nil, taken
		}
		return nil, err
	}
	if replaced != nil && replaced.BlobPrefix != prefix {
		s.removeStagedFiles(ctx, replaced)
	}
	g.Items++
	s.staged(ctx, key, g, sp, replaced != nil, existing)
	return &Staged{Package: sp, Group: g, Created: replaced == nil}, nil
}

// stageGroupFor finds or creates the key owner's group slug; "" is the
// group of a package being replaced, or the owner's ungrouped packages.
func (s *Service) stageGroupFor(ctx context.Context, key *APIKey, slug string, current *StageGroup) (*StageGroup, error) {
	if slug == "" && current != nil {
		return current, nil
	}
	if slug == "" {
		slug = UngroupedSlug
	}
	g, err := s.store.StageGroupBySlug(ctx, key.OwnerID, slug)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return g, err
	}
	name := slug
	if slug == UngroupedSlug {
		name = "Ungrouped"
	}
	g = &StageGroup{OwnerID: key.OwnerID, Slug: slug, Name: name, CreatedBy: key.UserID, CreatedAt: s.now().UTC()}
	if err := s.store.CreateStageGroup(ctx, g); err != nil {
		if errors.Is(err, ErrConflict) { // created a moment ago by a parallel push
			return s.store.StageGroupBySlug(ctx, key.OwnerID, slug)
		}
		return nil, err
	}
	s.audit(ctx, &AuditEvent{Kind: "stage.group.create", Outcome: "done", ActorID: key.UserID, Subject: slug, Message: "stage group " + slug + " created by key " + key.Hint + "…"})
	return g, nil
}

// staged is the one place a package becomes staged: the audit line, and
// where events (webhooks) hook in.
func (s *Service) staged(ctx context.Context, key *APIKey, g *StageGroup, p *StagedPackage, replaced bool, existing *Package) {
	what := "staged"
	if replaced {
		what = "staged again (replacing the staged package)"
	}
	s.audit(ctx, &AuditEvent{Kind: "version.stage", Outcome: "done", ActorID: key.UserID, Subject: p.Name + " " + p.Version.String(),
		Message: fmt.Sprintf("%s %s %s in stage group %s with key %s…", p.Name, p.Version, what, g.Slug, key.Hint)})
	// Routed to the webhooks of the package's feed and owners, which a
	// new ID does not have yet: the staging owner's.
	e := events.StagedEvent(p.Name, p.Version.String(), key.UserID, s.now())
	e.FeedID, e.OwnerIDs = p.FeedID, []int64{g.OwnerID}
	if existing != nil {
		e.OwnerIDs = nil
		for _, o := range existing.Owners {
			e.OwnerIDs = append(e.OwnerIDs, o.ID)
		}
	}
	if err := s.hooks.Emit(ctx, e); err != nil {
		s.log.Warn("writing the staged event failed", "id", p.Name, "version", p.Version.String(), "err", err)
	}
}

// removeStagedFiles removes a staged package's files; a file left behind
// is an orphan the orphan sweep removes.
func (s *Service) removeStagedFiles(ctx context.Context, p *StagedPackage) {
	lowerID, lowerVer := strings.ToLower(p.Name), p.Version.Lower()
	names := []string{nupkgName(lowerID, lowerVer), lowerID + ".nuspec", fileReadme, fileIcon, fileLicense}
	files := make([]blobFile, len(names))
	for i, n := range names {
		files[i] = blobFile{name: n}
	}
	s.deleteFiles(p.BlobPrefix, files)
}

// IsStaged reports whether a version of a package ID is staged (and so
// not in any feed yet). Retention asks it.
func (s *Service) IsStaged(ctx context.Context, id, version string) (bool, error) {
	v, err := nuget.ParseVersion(version)
	if err != nil {
		return false, nil
	}
	_, err = s.store.StagedPackage(ctx, strings.ToLower(id), v.Lower())
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
