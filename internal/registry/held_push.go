package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// requireTrusted refuses a key that is not a trusted-publishing key for
// a package (existing; nil for a new ID, then the key's owner's switch
// decides) whose owners require trusted publishing. Errors: ErrForbidden
// with the sentence that says why and what to do.
func (s *Service) requireTrusted(ctx context.Context, key *APIKey, id string, existing *Package) error {
	if key.PolicyID != nil {
		return nil
	}
	owners := []int64{key.OwnerID}
	if existing != nil {
		owners = owners[:0]
		for _, o := range existing.Owners {
			owners = append(owners, o.ID)
		}
	}
	t, err := s.store.RequireTrusted(ctx, strings.ToLower(id), owners)
	if err != nil || !t.Required() {
		return err
	}
	name := id
	if existing != nil {
		name = existing.Name
	}
	return errorf(ErrForbidden, "%s accepts new versions only through trusted publishing (%s), so the long-lived API key %s… was refused and nothing was stored. Publish from CI with a trusted publishing policy (wharf policy add, or the Trusted Publishing page), or have an owner switch the requirement off (%s).",
		name, trustedOnlyWhy(t), key.Hint, trustedOnlyOff(name, t))
}

func trustedOnlyWhy(t TrustedOnly) string {
	var why []string
	if t.Package {
		why = append(why, "a setting of the package")
	}
	for _, o := range t.Owners {
		why = append(why, "a setting of its owner "+o+" for all its packages")
	}
	return strings.Join(why, "; ")
}

func trustedOnlyOff(name string, t TrustedOnly) string {
	var off []string
	if t.Package {
		off = append(off, "wharf package require-trusted "+name+" off")
	}
	for _, o := range t.Owners {
		off = append(off, "wharf owner require-trusted "+o+" off")
	}
	return strings.Join(off, "; ")
}

// guard compares a push's provenance with the package's established one
// and returns what changed, with the established provenance and its
// version; no changes: the version joins the feed.
func guard(key *APIKey, existing *Package) ([]ProvenanceChange, *Provenance, *PackageVersion) {
	if existing == nil {
		return nil, nil, nil
	}
	est, v := establishedProvenance(existing)
	var now *Provenance
	if key.PolicyID != nil {
		now = key.Provenance
		if now == nil { // a trusted key always carries its build; be safe
			now = &Provenance{}
		}
	}
	changes := ProvenanceChanges(est, now)
	for i := range changes {
		if changes[i].What == "publisher" {
			changes[i].Now = "the long-lived API key " + key.Hint + "…"
		}
	}
	return changes, est, v
}

// hold stores a pushed version as held instead of adding it to the feed.
// Its files are already under prefix; on failure the caller removes them.
func (s *Service) hold(ctx context.Context, key *APIKey, existing *Package, v *PackageVersion, changes []ProvenanceChange, est *Provenance, estV *PackageVersion) (*HeldVersion, error) {
	h := &HeldVersion{
		PackageID: existing.ID, FeedID: existing.FeedID, Name: existing.Name, Version: v.Version, OriginalVersion: v.OriginalVersion,
		Size: v.Size, SHA512: v.SHA512, BlobPrefix: v.BlobPrefix, Metadata: v.Metadata, Provenance: v.Provenance,
		Established: est, EstablishedVersion: estV.Version.String(), Changes: changes,
		OwnerID: key.OwnerID, PushedBy: key.UserID, KeyID: key.ID, KeyHint: key.Hint, HeldAt: s.now().UTC(),
	}
	if err := s.store.PutHeld(ctx, h); err != nil {
		return nil, err
	}
	s.audit(ctx, &AuditEvent{Kind: "version.hold", Outcome: "done", ActorID: key.UserID, Subject: h.Name + " " + h.Version.String(),
		Message: fmt.Sprintf("%s %s held for an owner's review (key %s…): %s", h.Name, h.Version, key.Hint, ChangesText(changes))})
	return h, nil
}

// ChangesText writes what changed in one line: "repository: a → b; ...".
func ChangesText(cs []ProvenanceChange) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.What + ": " + c.Was + " → " + c.Now
	}
	return strings.Join(parts, "; ")
}

// HeldMessage is the sentence a push that was held answers with.
func HeldMessage(h *HeldVersion) string {
	return fmt.Sprintf("%s %s is held for review and is not in the feed: its provenance differs from %s's (%s). An owner can release or reject it on the package's page or with wharf package release/reject.",
		h.Name, h.Version, h.EstablishedVersion, ChangesText(h.Changes))
}

// refuseHeldCoordinates refuses a push or stage of a version that is held.
func (s *Service) refuseHeldCoordinates(ctx context.Context, name string, v nuget.Version) error {
	_, err := s.store.HeldVersion(ctx, strings.ToLower(name), v.Lower())
	switch {
	case err == nil:
		return errorf(ErrConflict, "%s %s is held for an owner's review; it cannot be pushed again until an owner releases or rejects it.", name, v)
	case errors.Is(err, ErrNotFound):
		return nil
	}
	return err
}
