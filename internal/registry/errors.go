// Package registry holds Wharf's domain types and use cases: accounts and
// owners, API keys, pushing, listing and reading packages. It knows nothing
// of HTTP or SQL; storage of metadata goes through the Store interface that
// internal/db implements, and package files through storage.Blobs.
package registry

import (
	"errors"
	"fmt"
)

// The closed set of error kinds. Every error a use case returns for a reason
// the caller can act on wraps exactly one of these; the web layer maps them
// to status codes in one table. Anything else is an internal error.
var (
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
	ErrInvalid         = errors.New("invalid")
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
	ErrTooLarge        = errors.New("too large")
	ErrUnavailable     = errors.New("unavailable")
	ErrStorageFull     = errors.New("insufficient storage")
	ErrRateLimited     = errors.New("rate limited")
)

// ErrOutcomeUnknown marks a failure after which a change may or may not
// have been saved: the database stopped answering while committing it. It
// is not a kind (it maps to no status); it accompanies ErrUnavailable, and
// callers that would undo their side of a change must not.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// Error is a user-facing error: Kind is one of the error kinds above and
// Message a sentence that says what is wrong and how to fix it.
type Error struct {
	Kind    error
	Message string
}

// Error returns the user-facing message.
func (e *Error) Error() string { return e.Message }

// Unwrap lets errors.Is match the kind.
func (e *Error) Unwrap() error { return e.Kind }

// errorf builds an *Error of the given kind.
func errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Message returns the user-facing sentence carried by err, or "" when err
// carries none (an internal error, which must not be shown).
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
