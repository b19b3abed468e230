package registry

import (
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
)

// AccountKind tells a person from an organisation. Both are accounts: they
// share one namespace of names and either can own packages.
type AccountKind string

// The account kinds.
const (
	KindUser         AccountKind = "user"
	KindOrganization AccountKind = "organization"
)

// Account is a user or an organisation.
type Account struct {
	ID        int64
	Name      string
	Kind      AccountKind
	Email     string
	IsAdmin   bool
	CreatedAt time.Time
	// DisabledAt is when an administrator suspended the user, nil while
	// the account is in use.
	DisabledAt *time.Time
	// SuspendedReason says why the sign-in rules suspended the user
	// (DisabledAt is then set too): they no longer satisfy the allowed
	// domains or groups. Empty when an administrator disabled them.
	SuspendedReason string
	// AdminAs is the admins entry (see SignInRules) that made this
	// sign-in an administrator, when it did; it is kept with the session
	// and checked against the rules at every request.
	AdminAs string
	// SignedInAt is when the session this account was loaded from began
	// (a sign-in); zero when it was not loaded from a session. Promotion
	// of a stage group asks for a recent one (FreshSignIn).
	SignedInAt time.Time
}

// APIKey is a push key. Its secret is never stored; only its hash is.
type APIKey struct {
	ID          int64
	UserID      int64 // the user who created the key and acts with it
	OwnerID     int64 // the account whose packages the key may push (the user, or an organisation)
	Description string
	Hint        string   // the first characters of the secret, to recognise it in lists
	Globs       []string // package-ID globs the key is limited to; empty = every package of the owner
	ExpiresAt   *time.Time
	RevokedAt   *time.Time
	LastUsedAt  *time.Time
	CreatedAt   time.Time
	PolicyID    *int64      // set for trusted-publishing keys: the policy that minted it
	Provenance  *Provenance // for trusted-publishing keys: the build that asked for it
	Scopes      feeds.Scope // what the key may be used for; 0 reads as feeds.DefaultScope
}

// OwnerRequest is an open invitation to become an owner of a package.
type OwnerRequest struct {
	Package     string // the package's name
	Account     string // who is invited
	RequestedBy string // the owner who invited them
	CreatedAt   time.Time
}

// Package is a package ID with its owners and every version, listed or not.
type Package struct {
	ID             int64
	Name           string // the casing of the first push
	FeedID         int64  // the feed the package is in
	Owners         []Account
	TotalDownloads int64
	Revision       int64 // increases with every change to the package or its versions
	UpdatedAt      time.Time
	Versions       []PackageVersion // ascending by version
	// UpstreamCheckedAt is when a package mirrored from an upstream feed
	// was last read from its source; nil for local packages.
	UpstreamCheckedAt *time.Time
	// Advisories are the security advisories that name this package ID,
	// each with only its ranges for this package (see Vulnerabilities).
	Advisories []Advisory
}

// PackageVersion is one pushed version of a package.
type PackageVersion struct {
	ID              int64
	PackageID       int64
	Version         nuget.Version
	OriginalVersion string // as written in the nuspec, with build metadata
	Listed          bool
	Published       time.Time
	Size            int64
	SHA512          string // base64 of the SHA-512 of the .nupkg
	BlobPrefix      string // storage key prefix of this version's files
	Downloads       int64
	PushedBy        int64
	Metadata        *Metadata   // never nil once stored; shared, read-only, between versions with the same metadata
	Provenance      *Provenance // where it was built, when pushed by trusted publishing
	// Where a mirrored version's .nupkg and catalog leaf are upstream;
	// empty for local versions. A mirrored version's BlobPrefix is empty
	// until its first download stores it.
	UpstreamContentURL string
	UpstreamCatalogURL string
	// Deprecation is what the package's owners say (nil: not
	// deprecated); see DeprecationOf for what clients are shown.
	Deprecation *nuget.Deprecation
	// PinnedBy names the owner who pinned the version against retention
	// rules ("" when it is not pinned), PinnedAt when.
	PinnedBy string
	PinnedAt *time.Time
	// LastDownload is the day (UTC) of the version's last counted
	// download; nil when none was recorded.
	LastDownload *time.Time
}

// Metadata is what Wharf keeps from a version's nuspec and package content.
type Metadata struct {
	Title                    string                  `json:"title,omitempty"`
	Description              string                  `json:"description,omitempty"`
	Summary                  string                  `json:"summary,omitempty"`
	ReleaseNotes             string                  `json:"releaseNotes,omitempty"`
	Authors                  string                  `json:"authors,omitempty"`
	Copyright                string                  `json:"copyright,omitempty"`
	Language                 string                  `json:"language,omitempty"`
	Tags                     []string                `json:"tags,omitempty"`
	ProjectURL               string                  `json:"projectUrl,omitempty"`
	IconURL                  string                  `json:"iconUrl,omitempty"`
	LicenseURL               string                  `json:"licenseUrl,omitempty"`
	LicenseExpression        string                  `json:"licenseExpression,omitempty"`
	LicenseFile              string                  `json:"licenseFile,omitempty"`
	RequireLicenseAcceptance bool                    `json:"requireLicenseAcceptance,omitempty"`
	DevelopmentDependency    bool                    `json:"developmentDependency,omitempty"`
	MinClientVersion         string                  `json:"minClientVersion,omitempty"`
	RepositoryType           string                  `json:"repositoryType,omitempty"`
	RepositoryURL            string                  `json:"repositoryUrl,omitempty"`
	RepositoryCommit         string                  `json:"repositoryCommit,omitempty"`
	PackageTypes             []string                `json:"packageTypes,omitempty"`
	DependencyGroups         []nuget.DependencyGroup `json:"dependencyGroups,omitempty"`
	HasReadme                bool                    `json:"hasReadme,omitempty"`
	SemVer2Dependencies      bool                    `json:"semVer2Dependencies,omitempty"` // a dependency range names a SemVer 2.0.0 version
	IconType                 string                  `json:"iconType,omitempty"`            // content type of the embedded icon, "" if none
	Deprecation              *nuget.Deprecation      `json:"deprecation,omitempty"`         // as the registration's deprecation object
	Vulnerabilities          []nuget.Vulnerability   `json:"vulnerabilities,omitempty"`     // as the registration's vulnerabilities
}

// Latest returns the newest version that passes the filter, or nil.
func (p *Package) Latest(f VersionFilter) *PackageVersion {
	for i := len(p.Versions) - 1; i >= 0; i-- {
		if f.Allows(&p.Versions[i]) {
			return &p.Versions[i]
		}
	}
	return nil
}

// Find returns the version equal to v (build metadata ignored), or nil.
func (p *Package) Find(v nuget.Version) *PackageVersion {
	for i := range p.Versions {
		if p.Versions[i].Version.Equal(v) {
			return &p.Versions[i]
		}
	}
	return nil
}

// OwnedBy reports whether the account is one of the package's owners.
func (p *Package) OwnedBy(accountID int64) bool {
	for _, o := range p.Owners {
		if o.ID == accountID {
			return true
		}
	}
	return false
}

// VersionFilter selects versions the way search and autocomplete do.
type VersionFilter struct {
	IncludeUnlisted   bool
	IncludePrerelease bool
	IncludeSemVer2    bool
}

// Allows reports whether the version passes the filter.
func (f VersionFilter) Allows(v *PackageVersion) bool {
	if !v.Listed && !f.IncludeUnlisted {
		return false
	}
	if v.Version.IsPrerelease() && !f.IncludePrerelease {
		return false
	}
	if v.IsSemVer2() && !f.IncludeSemVer2 {
		return false
	}
	return true
}

// IsSemVer2 reports whether only SemVer 2.0.0-aware clients may see the
// version: its own version is SemVer 2.0.0, or a dependency range is.
func (v *PackageVersion) IsSemVer2() bool {
	return v.Version.IsSemVer2() || v.Metadata != nil && v.Metadata.SemVer2Dependencies
}
