package registry

import (
	"context"
	"time"
)

// Store is the metadata storage the registry needs. internal/db implements it
// on SQLite (and later PostgreSQL). Every method returns errors wrapping
// ErrNotFound or ErrConflict where the doc says so, and other errors as
// internal failures.
type Store interface {
	// CreateAccount inserts a; names are unique case-insensitively (ErrConflict).
	CreateAccount(ctx context.Context, a *Account) error
	// AccountByName finds an account by case-insensitive name (ErrNotFound).
	AccountByName(ctx context.Context, name string) (*Account, error)
	// AccountByID finds an account by ID (ErrNotFound).
	AccountByID(ctx context.Context, id int64) (*Account, error)

	// CreateKey inserts k with the hash of its secret, setting k.ID.
	CreateKey(ctx context.Context, k *APIKey, hash string) error
	// KeyByHash finds the key whose secret hashes to hash (ErrNotFound).
	KeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// KeyByID finds a key by ID (ErrNotFound).
	KeyByID(ctx context.Context, id int64) (*APIKey, error)
	// ListKeys lists a user's keys, newest first, revoked ones included.
	ListKeys(ctx context.Context, userID int64) ([]APIKey, error)
	// RevokeKey marks a key revoked at the given time (ErrNotFound).
	RevokeKey(ctx context.Context, id int64, at time.Time) error
	// TouchKeys records the last use of keys.
	TouchKeys(ctx context.Context, used map[int64]time.Time) error

	// Package loads a package with its owners and versions by lowercased ID
	// (ErrNotFound).
	Package(ctx context.Context, lowerID string) (*Package, error)
	// AllPackages loads every package with owners and versions.
	AllPackages(ctx context.Context) ([]*Package, error)
	// InsertVersion adds a version in one transaction. When the package ID
	// is new it creates the package named name owned by ownerID. When it
	// exists and ownerID is not one of its owners it returns ErrForbidden;
	// when the version exists it returns ErrConflict.
	InsertVersion(ctx context.Context, name string, ownerID int64, v *PackageVersion) error
	// SetOwner adds (owner=true) or removes an owner of a package
	// (ErrNotFound when the package does not exist).
	SetOwner(ctx context.Context, lowerID string, accountID int64, owner bool, at time.Time) error
	// SetListed lists or unlists a version (ErrNotFound).
	SetListed(ctx context.Context, lowerID, lowerVersion string, listed bool, at time.Time) error
	// AddDownloads adds download counts per version ID.
	AddDownloads(ctx context.Context, counts map[int64]int64) error
	// BlobPrefixes calls fn with the blob prefix of every stored version.
	BlobPrefixes(ctx context.Context, fn func(prefix string) error) error
	// Changes returns the IDs of packages changed since revision rev and the
	// current feed revision. It is how several processes keep caches fresh.
	Changes(ctx context.Context, rev int64) (lowerIDs []string, current int64, err error)
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
}
