package db

import (
	"database/sql"
	"time"
)

// The row types mirror the tables that migrate.go creates; they never leave
// this package: every method converts them to registry types.

type accountRow struct {
	ID        int64
	Name      string
	LowerName string
	Kind      string
	Email     string
	IsAdmin   bool
	CreatedAt time.Time
	// DisabledAt is when an administrator suspended the user; NULL while
	// the account is in use.
	DisabledAt sql.NullTime
	// SuspendedReason says why the sign-in rules suspended the account
	// (DisabledAt is then set too); empty otherwise.
	SuspendedReason string
}

// TableName names the table gorm uses.
func (accountRow) TableName() string { return "accounts" }

type apiKeyRow struct {
	ID          int64
	UserID      int64
	OwnerID     int64
	Hash        string
	Hint        string
	Description string
	Globs       string
	ExpiresAt   sql.NullTime
	RevokedAt   sql.NullTime
	LastUsedAt  sql.NullTime
	CreatedAt   time.Time
	PolicyID    sql.NullInt64
	Provenance  string
	Scopes      string
}

// TableName names the table gorm uses.
func (apiKeyRow) TableName() string { return "api_keys" }

type packageRow struct {
	ID             int64
	Name           string
	LowerName      string
	TotalDownloads int64
	Revision       int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FeedID         int64
	// UpstreamCheckedAt is when a mirrored package was last read from its
	// upstream source; null for local packages.
	UpstreamCheckedAt sql.NullTime
}

// TableName names the table gorm uses.
func (packageRow) TableName() string { return "packages" }

type packageOwnerRow struct {
	PackageID int64
	AccountID int64
	CreatedAt time.Time
}

// TableName names the table gorm uses.
func (packageOwnerRow) TableName() string { return "package_owners" }

type packageVersionRow struct {
	ID              int64
	PackageID       int64
	Version         string
	LowerVersion    string
	OriginalVersion string
	Listed          bool
	Prerelease      bool
	SemVer2         bool `gorm:"column:sem_ver2"`
	Published       time.Time
	Size            int64
	SHA512          string `gorm:"column:sha512"`
	BlobPrefix      string
	Downloads       int64
	PushedBy        sql.NullInt64
	Metadata        string
	CreatedAt       time.Time
	Provenance      string
	// Where a mirrored version is upstream; empty for local versions.
	UpstreamContentURL string
	UpstreamCatalogURL string
	// Deprecation is the owners' deprecation as JSON, "" for none.
	Deprecation string
	// PinnedBy names who pinned the version against retention, "" when
	// it is not pinned (schemaV18).
	PinnedBy       string
	PinnedAt       sql.NullTime
	LastDownloadAt sql.NullTime // the day of the last download
}

// TableName names the table gorm uses.
func (packageVersionRow) TableName() string { return "package_versions" }

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

type membershipRow struct {
	OrgID     int64
	UserID    int64
	Role      string
	CreatedAt time.Time
}

// TableName names the table gorm uses.
func (membershipRow) TableName() string { return "memberships" }

type policyRow struct {
	ID               int64
	Name             string
	Provider         string
	Issuer           string
	CreatedBy        int64
	OwnerID          int64
	RepoOwner        string
	Repository       string
	RepoOwnerID      string
	RepositoryID     string
	Workflow         string
	ReusableWorkflow string
	Environment      string
	Ref              string
	CIConfigPath     string `gorm:"column:ci_config_path"`
	Globs            string
	ReadOnly         bool
	StagingOnly      bool
	ClaimRules       string // trust.ClaimRules as JSON (migration 24)
	CreatedAt        time.Time
	PendingSince     time.Time
	BoundAt          sql.NullTime
	Revision         int64

	IssuerName string // the issuer's name in trusted_issuers; empty until backfilled
}

// TableName names the table gorm uses.
func (policyRow) TableName() string { return "trust_policies" }

type usedTokenRow struct {
	Issuer    string
	JTI       string `gorm:"column:jti"`
	ExpiresAt time.Time
}

// TableName names the table gorm uses.
func (usedTokenRow) TableName() string { return "used_tokens" }

type auditRow struct {
	ID         int64
	At         time.Time
	Kind       string
	Outcome    string
	ActorID    sql.NullInt64
	PolicyID   sql.NullInt64
	Subject    string
	Message    string
	RemoteAddr string
	Claims     string
	// ClosestPolicyID and Closest (JSON): see migration 22.
	ClosestPolicyID sql.NullInt64
	Closest         string
}

// TableName names the table gorm uses.
func (auditRow) TableName() string { return "audit_events" }

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }
