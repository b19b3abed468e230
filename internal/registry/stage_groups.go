package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// The staging API's group and package management, for API keys
// (PackageStaging/1.0.0). A key sees and manages its owner's stage groups
// only; another owner's group answers as absent.

// keyGroup finds the key owner's group slug (ErrNotFound).
func (s *Service) keyGroup(ctx context.Context, key *APIKey, slug string) (*StageGroup, error) {
	if err := requireStage(key); err != nil {
		return nil, err
	}
	g, err := s.store.StageGroupBySlug(ctx, key.OwnerID, slug)
	if errors.Is(err, ErrNotFound) || err == nil && g.Ungrouped() {
		return nil, errorf(ErrNotFound, "There is no stage group '%s' of this key's owner.", truncateText(slug, 80))
	}
	return g, err
}

// CreateStageGroup creates a group of the key's owner. Errors:
// ErrInvalid (slug or name), ErrConflict (the owner has that slug).
func (s *Service) CreateStageGroup(ctx context.Context, key *APIKey, slug, name string) (*StageGroup, error) {
	if err := requireStage(key); err != nil {
		return nil, err
	}
	if err := checkSlug(slug); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = slug
	}
	if err := checkGroupName(name); err != nil {
		return nil, err
	}
	g := &StageGroup{OwnerID: key.OwnerID, Slug: slug, Name: name, CreatedBy: key.UserID, CreatedAt: s.now().UTC()}
	if err := s.store.CreateStageGroup(ctx, g); err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, errorf(ErrConflict, "The stage group '%s' exists already; group IDs are unique per owner, whatever their case.", slug)
		}
		return nil, err
	}
	s.audit(ctx, &AuditEvent{Kind: "stage.group.create", Outcome: "done", ActorID: key.UserID, Subject: slug, Message: "stage group " + slug + " created by key " + key.Hint + "…"})
	return g, nil
}

func checkGroupName(name string) error {
	if len(name) > 200 || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fieldErrorf(ErrInvalid, "name", "A stage group's name is at most 200 characters on one line.")
	}
	return nil
}

// KeyStageGroups lists the key owner's groups, oldest first, the
// ungrouped packages' group left out.
func (s *Service) KeyStageGroups(ctx context.Context, key *APIKey) ([]StageGroup, error) {
	if err := requireStage(key); err != nil {
		return nil, err
	}
	gs, err := s.store.StageGroups(ctx, []int64{key.OwnerID})
	if err != nil {
		return nil, err
	}
	out := gs[:0]
	for _, g := range gs {
		if !g.Ungrouped() {
			out = append(out, g)
		}
	}
	return out, nil
}

// KeyStageGroup returns the key owner's group slug with its packages.
func (s *Service) KeyStageGroup(ctx context.Context, key *APIKey, slug string) (*StageGroup, []StagedPackage, error) {
	g, err := s.keyGroup(ctx, key, slug)
	if err != nil {
		return nil, nil, err
	}
	ps, err := s.store.StagedPackages(ctx, g.ID, nil)
	return g, ps, err
}

// RenameStageGroup sets the display name of the key owner's group.
func (s *Service) RenameStageGroup(ctx context.Context, key *APIKey, slug, name string) (*StageGroup, error) {
	g, err := s.keyGroup(ctx, key, slug)
	if err != nil {
		return nil, err
	}
	if err := s.coversGroup(ctx, key, g); err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, fieldErrorf(ErrInvalid, "name", "A stage group needs a name.")
	}
	if err := checkGroupName(name); err != nil {
		return nil, err
	}
	if err := s.store.RenameStageGroup(ctx, g.ID, name); err != nil {
		return nil, err
	}
	s.audit(ctx, &AuditEvent{Kind: "stage.group.rename", Outcome: "done", ActorID: key.UserID, Subject: g.Slug, Message: "stage group " + g.Slug + " renamed by key " + key.Hint + "…"})
	g.Name = name
	return g, nil
}

// DeleteStageGroupWithKey drops the key owner's group with every
// package in it, and their files. A key limited by globs must cover
// every package of the group (ErrForbidden).
func (s *Service) DeleteStageGroupWithKey(ctx context.Context, key *APIKey, slug string) error {
	g, err := s.keyGroup(ctx, key, slug)
	if err != nil {
		return err
	}
	if err := s.coversGroup(ctx, key, g); err != nil {
		return err
	}
	return s.dropGroup(ctx, key.UserID, g, "key "+key.Hint+"…")
}

// coversGroup refuses a glob-limited key that does not match every
// package of the group.
func (s *Service) coversGroup(ctx context.Context, key *APIKey, g *StageGroup) error {
	if len(key.Globs) == 0 {
		return nil
	}
	ps, err := s.store.StagedPackages(ctx, g.ID, nil)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if !matchGlobs(key.Globs, p.Name) {
			return errorf(ErrForbidden, "The API key %s… is limited to packages matching '%s'; stage group '%s' holds '%s'.", key.Hint, strings.Join(key.Globs, "', '"), g.Slug, p.Name)
		}
	}
	return nil
}

// dropGroup deletes a group, its staged rows, then their files.
func (s *Service) dropGroup(ctx context.Context, actor int64, g *StageGroup, by string) error {
	gone, err := s.store.DeleteStageGroup(ctx, g.ID)
	if err != nil {
		return err
	}
	for i := range gone {
		s.removeStagedFiles(ctx, &gone[i])
	}
	s.audit(ctx, &AuditEvent{Kind: "stage.group.drop", Outcome: "done", ActorID: actor, Subject: g.Slug,
		Message: fmt.Sprintf("stage group %s dropped by %s with %d staged package(s)", g.Slug, by, len(gone))})
	return nil
}

// StagedFilter narrows KeyStagedPackages.
type StagedFilter struct {
	Group     string // a group's slug
	Ungrouped bool   // only packages staged without a group
}

// KeyStagedPackages lists the key owner's staged packages, with the
// group of each.
func (s *Service) KeyStagedPackages(ctx context.Context, key *APIKey, f StagedFilter) ([]StagedPackage, map[int64]*StageGroup, error) {
	if err := requireStage(key); err != nil {
		return nil, nil, err
	}
	gs, err := s.store.StageGroups(ctx, []int64{key.OwnerID})
	if err != nil {
		return nil, nil, err
	}
	groups := map[int64]*StageGroup{}
	var only int64 = -1
	for i := range gs {
		g := &gs[i]
		groups[g.ID] = g
		if f.Ungrouped && g.Ungrouped() || f.Group != "" && !g.Ungrouped() && strings.EqualFold(g.Slug, f.Group) {
			only = g.ID
		}
	}
	if f.Group != "" && only == -1 {
		return nil, nil, errorf(ErrNotFound, "There is no stage group '%s' of this key's owner.", truncateText(f.Group, 80))
	}
	if f.Ungrouped && only == -1 {
		return nil, groups, nil
	}
	var ps []StagedPackage
	if only != -1 {
		ps, err = s.store.StagedPackages(ctx, only, nil)
	} else {
		ps, err = s.store.StagedPackages(ctx, 0, []int64{key.OwnerID})
	}
	return ps, groups, err
}

// keyStaged finds a staged version of the key's owner (ErrNotFound).
func (s *Service) keyStaged(ctx context.Context, key *APIKey, id, version string) (*StagedPackage, *StageGroup, error) {
	if err := requireStage(key); err != nil {
		return nil, nil, err
	}
	absent := errorf(ErrNotFound, "%s %s is not staged by this key's owner.", truncateText(id, 100), truncateText(version, 64))
	v, err := nuget.ParseVersion(version)
	if err != nil {
		return nil, nil, absent
	}
	p, err := s.store.StagedPackage(ctx, strings.ToLower(id), v.Lower())
	if errors.Is(err, ErrNotFound) {
		return nil, nil, absent
	}
	if err != nil {
		return nil, nil, err
	}
	g, err := s.store.StageGroup(ctx, p.GroupID)
	if err != nil {
		return nil, nil, err
	}
	if g.OwnerID != key.OwnerID || !matchGlobs(key.Globs, p.Name) {
		return nil, nil, absent
	}
	return p, g, nil
}

// KeyStagedPackage returns a staged version of the key's owner.
func (s *Service) KeyStagedPackage(ctx context.Context, key *APIKey, id, version string) (*StagedPackage, *StageGroup, error) {
	return s.keyStaged(ctx, key, id, version)
}

// UnstageWithKey removes a staged version of the key's owner and its files.
func (s *Service) UnstageWithKey(ctx context.Context, key *APIKey, id, version string) error {
	p, g, err := s.keyStaged(ctx, key, id, version)
	if err != nil {
		return err
	}
	if err := s.store.DeleteStagedPackage(ctx, p.ID); err != nil {
		return err
	}
	s.removeStagedFiles(ctx, p)
	s.audit(ctx, &AuditEvent{Kind: "version.unstage", Outcome: "done", ActorID: key.UserID, Subject: p.Name + " " + p.Version.String(),
		Message: fmt.Sprintf("%s %s removed from stage group %s by key %s…", p.Name, p.Version, g.Slug, key.Hint)})
	return nil
}

// MoveStagedWithKey puts a staged version in the key owner's group slug
// ("" : out of any group).
func (s *Service) MoveStagedWithKey(ctx context.Context, key *APIKey, slug, id, version string) error {
	p, _, err := s.keyStaged(ctx, key, id, version)
	if err != nil {
		return err
	}
	var g *StageGroup
	if slug == "" {
		g, err = s.stageGroupFor(ctx, key, "", nil)
	} else {
		g, err = s.keyGroup(ctx, key, slug)
	}
	if err != nil {
		return err
	}
	if g.ID == p.GroupID {
		return nil
	}
	if err := s.store.MoveStagedPackage(ctx, p.ID, g.ID); err != nil {
		return err
	}
	s.audit(ctx, &AuditEvent{Kind: "version.stage.move", Outcome: "done", ActorID: key.UserID, Subject: p.Name + " " + p.Version.String(),
		Message: fmt.Sprintf("%s %s moved to stage group %s by key %s…", p.Name, p.Version, g.Slug, key.Hint)})
	return nil
}

// UngroupStagedWithKey takes a staged version out of the group slug (it
// stays staged, ungrouped). ErrNotFound when it is not in that group.
func (s *Service) UngroupStagedWithKey(ctx context.Context, key *APIKey, slug, id, version string) error {
	g, err := s.keyGroup(ctx, key, slug)
	if err != nil {
		return err
	}
	if err := s.coversGroup(ctx, key, g); err != nil {
		return err
	}
	p, _, err := s.keyStaged(ctx, key, id, version)
	if err != nil {
		return err
	}
	if p.GroupID != g.ID {
		return errorf(ErrNotFound, "%s %s is not in stage group '%s'.", p.Name, p.Version, g.Slug)
	}
	return s.MoveStagedWithKey(ctx, key, "", id, version)
}
