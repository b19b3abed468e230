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
}

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
}

func (apiKeyRow) TableName() string { return "api_keys" }

type packageRow struct {
	ID             int64
	Name           string
	LowerName      string
	TotalDownloads int64
	Revision       int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (packageRow) TableName() string { return "packages" }

type packageOwnerRow struct {
	PackageID int64
	AccountID int64
	CreatedAt time.Time
}

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
}

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
