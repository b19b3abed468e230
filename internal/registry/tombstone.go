package registry

import (
	"fmt"
	"time"
)

// Tombstone records a version deleted for good (see docs/lifecycle.md):
// the same ID and version can never be pushed again, on any replica, so
// the same coordinates never name different bytes.
type Tombstone struct {
	LowerID      string // the package ID, lower case
	LowerVersion string // the normalized version, lower case
	Name         string // the package ID as the package spelled it
	Version      string // the normalized version as shown
	SHA512       string // the deleted .nupkg's hash (base64)
	DeletedAt    time.Time
	DeletedBy    int64  // the acting user; 0 for the operator's command line
	ActorName    string // who deleted it, as recorded ("operator" for the command line)
	Reason       string
	OwnerIDs     []int64 // the package's owners at the delete
	Revision     int64   // the feed revision of the delete
}

// TombstonedError is what Store.InsertVersion returns (wrapping
// ErrConflict) when the version's coordinates carry a tombstone.
type TombstonedError struct{ Tombstone *Tombstone }

// Error implements error.
func (e *TombstonedError) Error() string {
	return fmt.Sprintf("%s %s was deleted for good", e.Tombstone.Name, e.Tombstone.Version)
}

// Unwrap makes the error an ErrConflict.
func (e *TombstonedError) Unwrap() error { return ErrConflict }

// deletedRefusal is the sentence a push of tombstoned coordinates gets.
func deletedRefusal(t *Tombstone) error {
	return errorf(ErrConflict, "%s %s was deleted on %s and can never be pushed again: the same version must never name different bytes. Push a new version instead.",
		t.Name, t.Version, t.DeletedAt.UTC().Format("2006-01-02"))
}
