package registry

import (
	"context"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// The provenance guard (docs/trusted-publishing.md, "Held versions"): once
// a package's versions come through trusted publishing, a new version
// whose provenance differs from the package's established one is held
// beside the feed instead of joining it. Held versions are not
// PackageVersions of the feed, as staged ones are not: every read of the
// feed (registration, flat container, search, autocomplete, catalog, the
// static copy, symbols, counts, vulnerabilities, "latest") is blind to
// them by construction. Only the package's owners see them, and an owner
// releases one (it then joins the feed as a push would) or rejects it.

// HeldVersion is one version held by the provenance guard.
type HeldVersion struct {
	ID              int64
	PackageID       int64
	FeedID          int64
	Name            string // the package's name
	Version         nuget.Version
	OriginalVersion string
	Size            int64
	SHA512          string
	BlobPrefix      string
	Metadata        *Metadata
	Provenance      *Provenance // nil: pushed with a long-lived key
	// Established is the provenance it was compared with: that of
	// EstablishedVersion, the latest released trusted version.
	Established        *Provenance
	EstablishedVersion string
	Changes            []ProvenanceChange
	OwnerID            int64 // the account the pushing key acts for
	PushedBy           int64
	PushedByName       string // filled when listed
	KeyID              int64
	KeyHint            string
	HeldAt             time.Time
}

// AsVersion is the held version as the version a release creates,
// published at the release.
func (h *HeldVersion) AsVersion(published time.Time) *PackageVersion {
	return &PackageVersion{
		Version: h.Version, OriginalVersion: h.OriginalVersion, Listed: true, Published: published,
		Size: h.Size, SHA512: h.SHA512, BlobPrefix: h.BlobPrefix, PushedBy: h.PushedBy,
		Metadata: h.Metadata, Provenance: h.Provenance,
	}
}

// TrustedOnly is what requires a package to arrive only through trusted
// publishing: the package's own switch, and the owners whose switch
// covers all their packages.
type TrustedOnly struct {
	Package bool
	Owners  []string // names of the owners that require it for all their packages
}

// Required reports whether anything requires trusted publishing.
func (t TrustedOnly) Required() bool { return t.Package || len(t.Owners) > 0 }

// HeldStore is what the provenance guard and the trusted-publishing-only
// switch need of the database; internal/db implements it as part of
// Store.
type HeldStore interface {
	// PutHeld stores h and writes a held event to the outbox, in one
	// transaction. ErrConflict: the version is in the feed or already
	// held; a *TombstonedError when its coordinates carry a tombstone.
	PutHeld(ctx context.Context, h *HeldVersion) error
	// HeldVersions lists the held versions of a package (lowerID != "")
	// or of every package, by ID and version.
	HeldVersions(ctx context.Context, lowerID string) ([]HeldVersion, error)
	// HeldVersion finds a held version by its coordinates (ErrNotFound).
	HeldVersion(ctx context.Context, lowerID, lowerVersion string) (*HeldVersion, error)
	// ReleaseHeld inserts v for the package's owner ownerID
	// (InsertVersion's rules and errors, with a pushed event whose actor
	// is actorID) and removes the held row h, in one transaction
	// (ErrNotFound: no longer held).
	ReleaseHeld(ctx context.Context, h *HeldVersion, ownerID, actorID int64, v *PackageVersion) error
	// DeleteHeld removes a held version's row (ErrNotFound).
	DeleteHeld(ctx context.Context, id int64) error
	// RequireTrusted reads the trusted-publishing-only switches of a
	// package (lowerID, which may not exist yet) and of the accounts
	// ownerIDs.
	RequireTrusted(ctx context.Context, lowerID string, ownerIDs []int64) (TrustedOnly, error)
	// SetPackageRequireTrusted sets a package's switch (ErrNotFound).
	SetPackageRequireTrusted(ctx context.Context, lowerID string, on bool) error
	// SetOwnerRequireTrusted sets an owner's switch for all its packages.
	SetOwnerRequireTrusted(ctx context.Context, ownerID int64, on bool) error
}
