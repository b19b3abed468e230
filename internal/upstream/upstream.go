// Package upstream is Wharf's client of other NuGet v3 sources: nuget.org,
// Azure Artifacts, another Wharf, a static feed. It discovers a source's
// resources from its service index, reads a package's versions and
// metadata from its registration (inlined or paged), the SHA-512 hash of a
// version from its catalog leaf, streams a .nupkg, and asks the source's
// search and autocomplete. It knows nothing of Wharf's database or feeds;
// the registry composes it. Every request is bounded in time and size,
// carries the source's credentials only to the source's own host, and is
// refused when it would reach an address the operator did not allow
// (see Options.AllowPrivate).
package upstream

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// Errors the client returns (wrapped, with a sentence that names the
// source and what went wrong).
var (
	// ErrNotFound: the source has no such package (404 from its registration).
	ErrNotFound = errors.New("upstream: not found")
	// ErrUnavailable: the source could not be reached or answered 5xx, 429,
	// timed out, or answered something that is not a NuGet document.
	ErrUnavailable = errors.New("upstream: unavailable")
	// ErrRefused: the source refused Wharf's credentials (401/403), or the
	// address is not allowed (Options.AllowPrivate).
	ErrRefused = errors.New("upstream: refused")
	// ErrTooLarge: a document or package exceeds its bound.
	ErrTooLarge = errors.New("upstream: too large")
	// ErrHashMismatch: the downloaded .nupkg does not have the hash the
	// source's catalog gives.
	ErrHashMismatch = errors.New("upstream: hash mismatch")
)

// Source is one upstream as a feed's settings name it.
type Source struct {
	// IndexURL is the service index, e.g. https://api.nuget.org/v3/index.json.
	IndexURL string
	// Username and Password go as HTTP Basic to the index's host only.
	Username string
	Password string
}

// Package is what a source says about one package ID.
type Package struct {
	// ID is the ID as the source spells it (its newest version's "id").
	ID string
	// Versions in ascending order, one per distinct normalized version.
	Versions []Version
}

// Version is one version of a package as the source's registration
// describes it. Fields the source leaves out are zero.
type Version struct {
	// Version is the normalized version string (catalogEntry.version, with
	// build metadata as the source gives it).
	Version string
	// Parsed is Version parsed; versions that do not parse are skipped.
	Parsed    nuget.Version
	Listed    bool      // catalogEntry.listed; absent means listed
	Published time.Time // catalogEntry.published (nuget.org gives 1900-01-01 for unlisted)

	Title                    string
	Description              string
	Summary                  string
	Authors                  string   // a JSON string, or an array joined with ", "
	Tags                     []string // an array, or a string split on spaces and commas
	Language                 string
	ProjectURL               string
	IconURL                  string
	LicenseURL               string
	LicenseExpression        string
	RequireLicenseAcceptance bool
	MinClientVersion         string
	DependencyGroups         []nuget.DependencyGroup // Range kept as the source gives it ("" = any version)
	Deprecation              *nuget.Deprecation
	Vulnerabilities          []nuget.Vulnerability

	// ContentURL is packageContent: where the .nupkg is (absolute).
	ContentURL string
	// CatalogURL is the catalogEntry's @id: the catalog leaf that may give
	// packageHash (absolute; "" when the source gives none).
	CatalogURL string
	// Entry is the catalogEntry object exactly as the source served it.
	Entry json.RawMessage
}

// SearchHit is one package in a source's search answer.
type SearchHit struct {
	ID              string
	Version         string // the latest version
	Title           string
	Description     string
	Summary         string
	Authors         string
	Tags            []string
	IconURL         string
	LicenseURL      string
	ProjectURL      string
	TotalDownloads  int64
	Verified        bool
	Versions        []SearchVersion
	Deprecation     *nuget.Deprecation
	Vulnerabilities []nuget.Vulnerability
}

// SearchVersion is one version listed in a search hit.
type SearchVersion struct {
	Version   string
	Downloads int64
}

// SearchResult is a source's search answer.
type SearchResult struct {
	TotalHits int
	Hits      []SearchHit
}

// failure is an error of one of the kinds above whose message is the
// sentence alone, ready to show to a user.
type failure struct {
	kind error
	msg  string
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.kind }

// failf builds a failure of kind; the sentence starts with a capital.
func failf(kind error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if r, size := utf8.DecodeRuneInString(msg); r != utf8.RuneError {
		msg = string(unicode.ToUpper(r)) + msg[size:]
	}
	return &failure{kind: kind, msg: msg}
}
