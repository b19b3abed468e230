// Package fault is the closed set of error kinds every capability of
// Wharf returns (registry, feeds, and those to come), and the user-facing
// error that carries one with a sentence. The web layer maps each kind to
// one status code in one table, so a new capability package adds no
// status mapping of its own.
package fault

import (
	"errors"
	"fmt"
)

// The kinds. Every error a use case returns for a reason the caller can
// act on wraps exactly one of these; anything else is an internal error.
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
	// ErrUpstream: an upstream source failed or sent something Wharf
	// refused (a package whose hash does not match), and nothing cached
	// could answer instead.
	ErrUpstream = errors.New("upstream failed")
)

// Error is a user-facing error: Kind is one of the kinds above and Message
// a sentence that says what is wrong and how to fix it.
type Error struct {
	Kind    error
	Message string
	// Field names the input the error is about, in the words of the
	// message ("repository", "environment"), so that a form can show the
	// sentence beside that input; "" when it is about no single input.
	Field string
}

// Error returns the user-facing message.
func (e *Error) Error() string { return e.Message }

// Unwrap lets errors.Is match the kind.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf builds an *Error of the given kind.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf builds an *Error of the given kind about one input.
func FieldErrorf(kind error, field, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Field: field}
}

// Field returns the input err is about ("" for none or an internal error).
func Field(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
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
