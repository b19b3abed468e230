package registry

import (
	"context"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// Staged releases (PackageStaging/1.0.0, docs/lifecycle.md): a key stages
// a package into one of its owner's stage groups; a person promotes the
// group in the web UI, which makes its versions part of the feed. Staged
// versions are not PackageVersions of the feed: every read of the feed
// (versions lists, registration, search, the static copy, counts) is
// blind to them by construction, and only a stage's own source URL
// (StageSource) shows them, to those who act for the group's owner.

// UngroupedSlug is the reserved slug of the group that holds an owner's
// packages staged without a group; the staging API shows its members as
// ungrouped ("group": null).
const UngroupedSlug = "ungrouped"

// StageGroup is a named set of staged packages of one owner.
type StageGroup struct {
	ID        int64
	OwnerID   int64
	OwnerName string // filled when loaded
	Slug      string // as created; unique per owner, case-insensitively
	Name      string // the display name
	CreatedBy int64
	CreatedAt time.Time
	// ApprovedBy is the person who approved the group, when its owner
	// requires two people to promote (see SetTwoPeople); nil until then.
	ApprovedBy     *int64
	ApprovedByName string
	ApprovedAt     *time.Time
	Items          int // the number of staged packages, filled when listed
}

// Ungrouped reports whether g is the owner's group of ungrouped packages.
func (g *StageGroup) Ungrouped() bool { return g.Slug == UngroupedSlug }

// StagedPackage is one staged ID and version: its files are stored under
// BlobPrefix as a pushed version's are, and promotion turns it into a
// PackageVersion over the same files.
type StagedPackage struct {
	ID              int64
	GroupID         int64
	FeedID          int64 // the feed the version joins when promoted
	Name            string
	Version         nuget.Version
	OriginalVersion string
	Size            int64
	SHA512          string
	BlobPrefix      string
	Metadata        *Metadata
	Provenance      *Provenance
	StagedBy        int64 // the user of the key that staged it
	StagedByName    string
	KeyID           int64
	StagedAt        time.Time
}

// AsVersion is the staged package as the version a promotion creates.
func (p *StagedPackage) AsVersion(published time.Time) *PackageVersion {
	return &PackageVersion{
		Version: p.Version, OriginalVersion: p.OriginalVersion, Listed: true, Published: published,
		Size: p.Size, SHA512: p.SHA512, BlobPrefix: p.BlobPrefix, PushedBy: p.StagedBy,
		Metadata: p.Metadata, Provenance: p.Provenance,
	}
}

// StageStore is what staging needs of the database; internal/db
// implements it as part of Store.
type StageStore interface {
	// CreateStageGroup inserts g (ErrConflict: the owner has a group of
	// that slug).
	CreateStageGroup(ctx context.Context, g *StageGroup) error
	// StageGroup finds a group by ID (ErrNotFound).
	StageGroup(ctx context.Context, id int64) (*StageGroup, error)
	// StageGroupBySlug finds an owner's group by slug, case-insensitively
	// (ErrNotFound).
	StageGroupBySlug(ctx context.Context, ownerID int64, slug string) (*StageGroup, error)
	// StageGroups lists the groups of the owners (nil: every owner's),
	// with Items, oldest first.
	StageGroups(ctx context.Context, ownerIDs []int64) ([]StageGroup, error)
	// RenameStageGroup sets a group's display name (ErrNotFound).
	RenameStageGroup(ctx context.Context, id int64, name string) error
	// ApproveStageGroup records (userID != 0) or clears an approval.
	ApproveStageGroup(ctx context.Context, id, userID int64, at time.Time) error
	// DeleteStageGroup removes a group and its staged packages, returning
	// those (ErrNotFound).
	DeleteStageGroup(ctx context.Context, id int64) ([]StagedPackage, error)
	// StagedPackages lists staged packages, by group (groupID != 0) or of
	// the owners' groups, ascending by ID and version.
	StagedPackages(ctx context.Context, groupID int64, ownerIDs []int64) ([]StagedPackage, error)
	// StagedPackage finds the staged package of an ID and version
	// (lowercased, normalized), whoever staged it (ErrNotFound).
	StagedPackage(ctx context.Context, lowerID, lowerVersion string) (*StagedPackage, error)
	// PutStagedPackage stages p: a new row, or the replacement of the
	// staged package of the same coordinates, which it returns (its files
	// are the caller's to remove). ErrConflict: the version exists in the
	// feed, or its coordinates carry a tombstone.
	PutStagedPackage(ctx context.Context, p *StagedPackage) (replaced *StagedPackage, err error)
	// MoveStagedPackage puts a staged package in another group.
	MoveStagedPackage(ctx context.Context, id, groupID int64) error
	// DeleteStagedPackage removes a staged package's row (ErrNotFound).
	DeleteStagedPackage(ctx context.Context, id int64) error
	// PromoteStaged inserts every vs[i] (InsertVersion's rules and
	// errors) and removes the staged rows ps[i], all in one transaction;
	// on an error nothing changed, and failed is the index of the
	// package that could not join its feed (-1: none in particular).
	PromoteStaged(ctx context.Context, ps []StagedPackage, ownerID, promoterID int64, vs []*PackageVersion) (failed int, err error)
	// TwoPeople reports whether an owner requires two people to promote.
	TwoPeople(ctx context.Context, ownerID int64) (bool, error)
	// SetTwoPeople stores that owner setting.
	SetTwoPeople(ctx context.Context, ownerID int64, on bool) error
}
