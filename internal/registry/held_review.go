package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/storage"
)

// Held versions are reviewed by the package's owners: anyone who may
// change its versions (an owner, or a member of an owning organisation)
// sees them; an owner, or an admin of an owning organisation, releases
// or rejects them. The operator (the command line) may do both for any
// package.

// HeldOf lists the held versions of a package for an actor who may see
// them, nil for anyone else (who must not learn that any exist).
func (s *Service) HeldOf(ctx context.Context, actor *Account, p *Package) ([]HeldVersion, error) {
	ok, _, err := s.PackageRights(ctx, actor, p)
	if err != nil {
		return nil, err
	}
	if !ok && (actor == nil || !actor.IsAdmin) {
		return nil, nil
	}
	return s.heldList(ctx, strings.ToLower(p.Name))
}

// HeldVersions lists held versions for the operator: of a package ID, or
// of every package for "".
func (s *Service) HeldVersions(ctx context.Context, id string) ([]HeldVersion, error) {
	return s.heldList(ctx, strings.ToLower(id))
}

func (s *Service) heldList(ctx context.Context, lowerID string) ([]HeldVersion, error) {
	hs, err := s.store.HeldVersions(ctx, lowerID)
	if err != nil {
		return nil, err
	}
	for i := range hs {
		if a, err := s.store.AccountByID(ctx, hs[i].PushedBy); err == nil {
			hs[i].PushedByName = a.Name
		}
	}
	return hs, nil
}

// ReleaseHeldAs releases a held version for an owner: it joins the feed
// as a push would (listed, published now, with a pushed event). Errors:
// ErrNotFound (no such package or held version, or the actor may not see
// it), ErrForbidden (a member who may not release), ErrConflict.
func (s *Service) ReleaseHeldAs(ctx context.Context, actor *Account, id, version string) (*PackageVersion, error) {
	p, h, as, err := s.reviewHeld(ctx, actor, id, version)
	if err != nil {
		return nil, err
	}
	return s.releaseHeld(ctx, actor, p, h, as)
}

// ReleaseHeld releases a held version for the operator.
func (s *Service) ReleaseHeld(ctx context.Context, id, version string) (*PackageVersion, error) {
	p, h, err := s.findHeld(ctx, id, version)
	if err != nil {
		return nil, err
	}
	if len(p.Owners) == 0 {
		return nil, errorf(ErrConflict, "'%s' has no owner to release %s for; add one first (wharf owner add).", p.Name, h.Version)
	}
	return s.releaseHeld(ctx, nil, p, h, p.Owners[0].ID)
}

// RejectHeldAs rejects a held version for an owner: its row and files
// are deleted, and its version number is free again (it was never in
// the feed). Errors: ReleaseHeldAs's.
func (s *Service) RejectHeldAs(ctx context.Context, actor *Account, id, version string) error {
	p, h, _, err := s.reviewHeld(ctx, actor, id, version)
	if err != nil {
		return err
	}
	return s.rejectHeld(ctx, actor, p, h)
}

// RejectHeld rejects a held version for the operator.
func (s *Service) RejectHeld(ctx context.Context, id, version string) error {
	p, h, err := s.findHeld(ctx, id, version)
	if err != nil {
		return err
	}
	return s.rejectHeld(ctx, nil, p, h)
}

// reviewHeld finds a held version an actor may release or reject, and
// the owner account the actor acts as.
func (s *Service) reviewHeld(ctx context.Context, actor *Account, id, version string) (*Package, *HeldVersion, int64, error) {
	p, h, err := s.findHeld(ctx, id, version)
	if err != nil {
		return nil, nil, 0, err
	}
	if actor == nil {
		return nil, nil, 0, noHeld(id, version)
	}
	if actor.IsAdmin {
		if len(p.Owners) == 0 {
			return nil, nil, 0, noHeld(id, version)
		}
		return p, h, p.Owners[0].ID, nil
	}
	r, as, err := s.packageRole(ctx, actor, p)
	switch {
	case err != nil:
		return nil, nil, 0, err
	case r == roleNone:
		return nil, nil, 0, noHeld(id, version) // as if there were none
	case r != roleManager:
		return nil, nil, 0, errorf(ErrForbidden, "Only an owner of '%s', or an admin of an owning organisation, can release or reject its held versions.", p.Name)
	}
	return p, h, as, nil
}

func noHeld(id, version string) error {
	return errorf(ErrNotFound, "There is no held version '%s' of '%s'.", version, id)
}

// findHeld loads a package (read through to the store) and one of its
// held versions.
func (s *Service) findHeld(ctx context.Context, id, version string) (*Package, *HeldVersion, error) {
	lowerID := strings.ToLower(id)
	if _, err := s.cat.reload(ctx, lowerID); err != nil {
		return nil, nil, err
	}
	e, err := s.cat.get(ctx, lowerID)
	if err != nil {
		return nil, nil, err
	}
	v, verr := nuget.ParseVersion(version)
	if e.pkg == nil || verr != nil {
		return nil, nil, noHeld(id, version)
	}
	h, err := s.store.HeldVersion(ctx, lowerID, v.Lower())
	if err != nil {
		// The caller's own spelling, as for a package that does not exist:
		// the package's name would tell a stranger a private ID exists.
		return nil, nil, notFound(err, "There is no held version '%s' of '%s'.", version, id)
	}
	return e.pkg, h, nil
}

func (s *Service) releaseHeld(ctx context.Context, actor *Account, p *Package, h *HeldVersion, ownerID int64) (*PackageVersion, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	v := h.AsVersion(s.now().UTC())
	if err := s.store.ReleaseHeld(ctx, h, ownerID, actorID(actor), v); err != nil {
		var gone *TombstonedError
		switch {
		case errors.As(err, &gone):
			return nil, deletedRefusal(gone.Tombstone)
		case errors.Is(err, ErrNotFound):
			return nil, errorf(ErrNotFound, "%s %s is no longer held: another owner released or rejected it.", p.Name, h.Version)
		case errors.Is(err, ErrConflict):
			return nil, s.duplicate(p.Name, h.Version)
		case errors.Is(err, ErrForbidden):
			return nil, errorf(ErrForbidden, "You no longer own '%s'.", p.Name)
		}
		return nil, fmt.Errorf("release %s %s: %w", p.Name, h.Version, err)
	}
	s.audit(ctx, &AuditEvent{Kind: "version.release", Outcome: "done", ActorID: actorID(actor), Subject: p.Name + " " + h.Version.String(),
		Message: fmt.Sprintf("held %s %s released by %s; it had: %s", p.Name, h.Version, actorName(actor), ChangesText(h.Changes))})
	lowerID := strings.ToLower(p.Name)
	_, err := s.cat.reload(ctx, lowerID)
	s.PackageChanged(ctx, lowerID)
	return v, err
}

func (s *Service) rejectHeld(ctx context.Context, actor *Account, p *Package, h *HeldVersion) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err := s.store.DeleteHeld(ctx, h.ID); err != nil {
		return notFound(err, "%s %s is no longer held: another owner released or rejected it.", p.Name, h.Version)
	}
	s.audit(ctx, &AuditEvent{Kind: "version.reject", Outcome: "done", ActorID: actorID(actor), Subject: p.Name + " " + h.Version.String(),
		Message: fmt.Sprintf("held %s %s rejected by %s; it had: %s", p.Name, h.Version, actorName(actor), ChangesText(h.Changes))})
	s.removePrefixes(ctx, []string{h.BlobPrefix})
	return nil
}

// OpenHeld opens a held version's .nupkg for someone who may see it (see
// HeldOf), so that owners can inspect or restore it before deciding.
// Errors: ErrNotFound (no such held version, or the actor may not see
// it).
func (s *Service) OpenHeld(ctx context.Context, actor *Account, id, version string) (storage.Blob, *HeldVersion, error) {
	p, h, err := s.findHeld(ctx, id, version)
	if err != nil {
		return nil, nil, err
	}
	ok, _, err := s.PackageRights(ctx, actor, p)
	if err != nil {
		return nil, nil, err
	}
	if !ok && (actor == nil || !actor.IsAdmin) {
		return nil, nil, noHeld(id, version)
	}
	b, err := s.blobs.Open(ctx, h.BlobPrefix+"/"+nupkgName(strings.ToLower(p.Name), h.Version.Lower()))
	if err != nil {
		return nil, nil, fmt.Errorf("open held %s %s: %w", p.Name, h.Version, err)
	}
	return b, h, nil
}
