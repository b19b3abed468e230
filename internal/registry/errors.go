// Package registry holds Wharf's domain types and use cases: accounts and
// owners, API keys, pushing, listing and reading packages. It knows nothing
// of HTTP or SQL; storage of metadata goes through the Store interface that
// internal/db implements, and package files through storage.Blobs.
package registry

import (
	"errors"

	"github.com/wharf-registry/wharf/internal/fault"
)

// The closed set of error kinds (package fault, shared by every capability
// package). Every error a use case returns for a reason the caller can act
// on wraps exactly one of these; the web layer maps them to status codes in
// one table. Anything else is an internal error.
var (
	ErrNotFound        = fault.ErrNotFound
	ErrConflict        = fault.ErrConflict
	ErrInvalid         = fault.ErrInvalid
	ErrUnauthenticated = fault.ErrUnauthenticated
	ErrForbidden       = fault.ErrForbidden
	ErrTooLarge        = fault.ErrTooLarge
	ErrUnavailable     = fault.ErrUnavailable
	ErrUpstream        = fault.ErrUpstream
	ErrStorageFull     = fault.ErrStorageFull
	ErrRateLimited     = fault.ErrRateLimited
)

// ErrOutcomeUnknown marks a failure after which a change may or may not
// have been saved: the database stopped answering while committing it. It
// is not a kind (it maps to no status); it accompanies ErrUnavailable, and
// callers that would undo their side of a change must not.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// Error is a user-facing error: Kind is one of the error kinds above and
// Message a sentence that says what is wrong and how to fix it.
type Error = fault.Error

// errorf builds an *Error of the given kind.
func errorf(kind error, format string, args ...any) error { return fault.Errorf(kind, format, args...) }

// fieldErrorf builds an *Error of the given kind about one input, named
// as the message names it.
func fieldErrorf(kind error, field, format string, args ...any) error {
	return fault.FieldErrorf(kind, field, format, args...)
}

// Field returns the input a user-facing error is about, in the words of
// its message ("repository", "environment"), or "".
func Field(err error) string { return fault.Field(err) }

// Message returns the user-facing sentence carried by err, or "" when err
// carries none (an internal error, which must not be shown).
func Message(err error) string { return fault.Message(err) }
