// Package nuget is Wharf's pure NuGet protocol code: package IDs, versions
// and version ranges with the NuGet client's exact rules, the .nuspec
// manifest reader and the .nupkg (zip) validator, plus the JSON wire types
// of the V3 server API. It imports only the standard library and does no I/O
// beyond the readers it is handed.
//
// Every error caused by bad input (a malformed version, range, ID, nuspec or
// package) is a *ValidationError whose message is one sentence a user can act
// on, so callers can answer HTTP 400 with it. Size-limit violations are also
// *ValidationError values and additionally match ErrTooLarge with errors.Is.
//
// References: https://learn.microsoft.com/nuget/concepts/package-versioning,
// https://learn.microsoft.com/nuget/reference/nuspec and the NuGet.Client
// sources (NuGet.Versioning, NuGet.Packaging), whose behaviour wins where the
// documentation differs.
package nuget

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// ValidationError reports input that breaks NuGet's rules. Msg is a complete
// sentence meant for the user, e.g. "'1.0.0.0.0' is not a valid NuGet
// version: it has more than four numeric parts."
type ValidationError struct {
	Msg string

	tooLarge bool // the input exceeds a size limit; see ErrTooLarge
}

// Error returns the user-facing sentence.
func (e *ValidationError) Error() string { return e.Msg }

// Is reports whether the error matches target; a size-limit violation
// matches ErrTooLarge.
func (e *ValidationError) Is(target error) bool {
	return e.tooLarge && target == ErrTooLarge
}

// ErrTooLarge is matched (with errors.Is) by the errors OpenPackage and
// ParseManifest return when the input exceeds a size limit: too many zip
// entries, an entry or the decompressed total larger than its Limits field,
// or a nuspec larger than the manifest limit. Those errors are also
// *ValidationError values carrying the user-facing sentence.
var ErrTooLarge = errors.New("nuget: the package exceeds a size limit")

// invalidf returns a *ValidationError with a formatted message.
func invalidf(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...)}
}

// tooLargef returns a *ValidationError that also matches ErrTooLarge.
func tooLargef(format string, args ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, args...), tooLarge: true}
}

// maxShown bounds how much of a user-supplied string goes into a message.
const maxShown = 120

// display makes user input safe to quote in a message: control characters
// and invalid UTF-8 become U+FFFD, and long values are cut with "…". Messages
// may end up in HTTP headers and logs, so they must stay on one line.
func display(s string) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == maxShown {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") || unicode.IsControl(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// textLength counts s the way nuget.org's database limits do: in UTF-16
// code units, as .NET's String.Length does.
func textLength(s string) int {
	n := 0
	for _, r := range s { // invalid UTF-8 decodes as U+FFFD: one unit
		n += utf16.RuneLen(r)
	}
	return n
}

// sizeText renders a byte count for messages: "1 MiB", "512 KiB", "100 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n == 1:
		return "1 byte"
	}
	return fmt.Sprintf("%d bytes", n)
}
