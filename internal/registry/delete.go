package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wharf-registry/wharf/internal/storage"
)

// maxDeleteReason bounds the reason recorded with a tombstone.
const maxDeleteReason = 500

// DeleteVersion deletes a version for good for the operator (the command
// line, no actor). See deleteVersion.
func (s *Service) DeleteVersion(ctx context.Context, id, version, reason string) (*Tombstone, error) {
	p, pv, err := s.freshVersion(ctx, id, version)
	if err != nil {
		return nil, err
	}
	return s.deleteVersion(ctx, nil, p, pv, reason)
}

// DeleteVersionAs deletes a version for good for a signed-in user: a
// registry administrator, or an owner of the package (or an admin of an
// owning organisation) when the package's feed lets owners delete.
// Errors: ErrNotFound, ErrForbidden, ErrInvalid (no reason, a mirrored
// version), ErrConflict.
func (s *Service) DeleteVersionAs(ctx context.Context, actor *Account, id, version, reason string) (*Tombstone, error) {
	p, pv, err := s.freshVersion(ctx, id, version)
	if err != nil {
		return nil, err
	}
	ok, err := s.CanDelete(ctx, actor, p)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorf(ErrForbidden, "Only a registry administrator can delete versions of '%s' for good; its owners may unlist a version instead, which hides it from search but keeps it restorable.", p.Name)
	}
	return s.deleteVersion(ctx, actor, p, pv, reason)
}

// CanDelete reports whether actor may delete versions of p for good: a
// registry administrator always; an owner (or an admin of an owning
// organisation) when p's feed allows it. Mirrored packages never.
func (s *Service) CanDelete(ctx context.Context, actor *Account, p *Package) (bool, error) {
	if actor == nil || p.UpstreamCheckedAt != nil {
		return false, nil
	}
	if actor.IsAdmin {
		return true, nil
	}
	// The setting as the database has it now, not as this process's
	// snapshot last saw it.
	list, err := s.feeds.List(ctx)
	if err != nil {
		return false, err
	}
	allowed := false
	for _, f := range list {
		if f.ID == p.FeedID {
			allowed = f.OwnersMayDelete
		}
	}
	if !allowed {
		return false, nil
	}
	r, _, err := s.packageRole(ctx, actor, p)
	return r == roleManager, err
}

// deleteVersion removes pv's row and records its tombstone in one
// transaction, audits it, reloads the package and republishes its static
// documents, and then removes its files (a file left behind is an orphan
// the sweep removes; a row pointing at a missing file would be worse).
func (s *Service) deleteVersion(ctx context.Context, actor *Account, p *Package, pv *PackageVersion, reason string) (*Tombstone, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return nil, fieldErrorf(ErrInvalid, "reason", "Say why the version is deleted: the reason is kept with its tombstone and in the audit log.")
	case utf8.RuneCountInString(reason) > maxDeleteReason || !utf8.ValidString(reason):
		return nil, fieldErrorf(ErrInvalid, "reason", "The reason must be valid text of at most %d characters.", maxDeleteReason)
	}
	if p.UpstreamCheckedAt != nil || pv.UpstreamContentURL != "" {
		return nil, errorf(ErrInvalid, "'%s' is mirrored from an upstream source: its versions are a cache of that source, not packages pushed here, and cannot be deleted for good. Deny the ID in the upstream feed's rules instead (wharf upstream).", p.Name)
	}
	t := &Tombstone{
		LowerID: strings.ToLower(p.Name), LowerVersion: pv.Version.Lower(), Name: p.Name, Version: pv.Version.String(),
		DeletedAt: s.now().UTC(), ActorName: "operator", Reason: reason,
	}
	if actor != nil {
		t.DeletedBy, t.ActorName = actor.ID, actor.Name
	}
	ctx2, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	prefixes, err := s.store.DeleteVersion(ctx2, t)
	if err != nil {
		switch {
		case errors.Is(err, ErrNotFound):
			return nil, errorf(ErrNotFound, "There is no version '%s' of '%s' on this feed.", pv.Version, p.Name)
		case errors.Is(err, ErrConflict):
			return nil, errorf(ErrConflict, "%s %s is already deleted.", p.Name, pv.Version)
		}
		return nil, err
	}
	s.audit(ctx2, &AuditEvent{Kind: "version.delete", Outcome: "done", ActorID: t.DeletedBy, Subject: t.Name + " " + t.Version,
		Message: "deleted for good by " + t.ActorName + ": " + reason})
	_, rerr := s.cat.reload(ctx2, t.LowerID)
	s.PackageChanged(ctx2, t.LowerID)
	s.removePrefixes(ctx2, prefixes)
	if rerr != nil {
		return t, fmt.Errorf("reload %s after delete: %w", t.Name, rerr)
	}
	return t, nil
}

// removePrefixes deletes every file under the given blob prefixes. A
// failure is logged, not returned: the delete is committed, and the orphan
// sweep removes what is left.
func (s *Service) removePrefixes(ctx context.Context, prefixes []string) {
	for _, prefix := range prefixes {
		var keys []string
		err := s.blobs.List(ctx, prefix+"/", func(info storage.Info) error {
			keys = append(keys, info.Key)
			return nil
		})
		if err != nil {
			s.log.Warn("listing the files of a deleted version", "prefix", prefix, "err", err)
			continue
		}
		for _, k := range keys {
			if err := s.blobs.Delete(ctx, k); err != nil && !errors.Is(err, storage.ErrNotFound) {
				s.log.Warn("removing a file of a deleted version", "key", k, "err", err)
			}
		}
	}
}

// refuseTombstoned refuses a push of coordinates a delete made final, and
// a new package under an ID whose every version was deleted by anyone
// but its former owners. The database checks the first again when the
// version commits.
func (s *Service) refuseTombstoned(ctx context.Context, ownerID int64, name, lowerVersion string, existing *Package) error {
	lowerID := strings.ToLower(name)
	t, err := s.store.Tombstone(ctx, lowerID, lowerVersion)
	switch {
	case err == nil:
		return deletedRefusal(t)
	case !errors.Is(err, ErrNotFound):
		return err
	}
	if existing != nil {
		return nil
	}
	list, err := s.store.Tombstones(ctx, lowerID)
	if err != nil || len(list) == 0 {
		return err
	}
	for _, o := range list[0].OwnerIDs {
		if o == ownerID {
			return nil
		}
	}
	return errorf(ErrForbidden, "'%s' belonged to other owners until its last version was deleted, and the ID stays theirs: only they can push it again. Choose another ID.", list[0].Name)
}
