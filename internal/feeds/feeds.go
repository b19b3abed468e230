// Package feeds holds feeds, their grants and read authorisation: which
// feeds a caller may read, publish to or manage. It knows nothing of HTTP
// or SQL; its data goes through the Store interface that internal/db
// implements, and the registry composes it. Reads are answered from an
// in-memory Snapshot (feeds, grants, memberships, API key facts), reloaded
// when the feed revision changes, so an authenticated read costs no
// database round trip.
package feeds

import (
	"regexp"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/fault"
)

// The error kinds this package returns: the registry-wide kinds of
// package fault, so the web layer's one status table covers them.
var (
	ErrNotFound  = fault.ErrNotFound
	ErrConflict  = fault.ErrConflict
	ErrInvalid   = fault.ErrInvalid
	ErrForbidden = fault.ErrForbidden
)

// Error is a user-facing error (fault.Error): Kind is one of the kinds
// above and Message a sentence saying what is wrong and how to fix it.
type Error = fault.Error

func errorf(kind error, format string, args ...any) error { return fault.Errorf(kind, format, args...) }

// Message returns the user-facing sentence carried by err, or "".
func Message(err error) string { return fault.Message(err) }

// DefaultName is the feed every package was in before feeds existed, and
// where a new package ID pushed through the registry-wide URL goes.
const DefaultName = "default"

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidateName checks a feed name: lowercase letters, digits and hyphens,
// starting with a letter or digit, at most 63 characters. Errors: ErrInvalid.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return errorf(ErrInvalid, "'%s' is not a valid feed name: use 1 to 63 lowercase letters, digits and hyphens, starting with a letter or digit.", name)
	}
	return nil
}

// Feed is a named set of packages with its own source URL and visibility.
type Feed struct {
	ID          int64
	Name        string // lowercase, see ValidateName
	Description string
	Private     bool // only its grantees (and registry admins) read it
	CreatedAt   time.Time
	Upstream    *Upstream // set for a mirror of another source; nil for a local feed
	// OwnersMayDelete lets the owners of the feed's packages delete
	// versions for good; registry administrators always may.
	OwnersMayDelete bool
}

// Role is what a grant allows on a feed; each role includes the ones
// below it.
type Role int

// The roles, weakest first.
const (
	RoleNone      Role = iota
	RoleReader         // restore and browse
	RolePublisher      // also create new package IDs in the feed
	RoleAdmin          // also manage the feed: visibility, grants, description
)

var roleNames = []string{"none", "reader", "publisher", "admin"}

// String names the role as the command line and the database spell it.
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return "none"
	}
	return roleNames[r]
}

// ParseRole reads reader, publisher or admin. Errors: ErrInvalid.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames[1:] {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Role(i + 1), nil
		}
	}
	return RoleNone, errorf(ErrInvalid, "'%s' is not a feed role: use reader, publisher or admin.", s)
}

// SubjectKind says whom a grant is for.
type SubjectKind string

// The kinds of grant subjects.
const (
	SubjectUser     SubjectKind = "user"      // one user
	SubjectOrg      SubjectKind = "org"       // every member of an organisation
	SubjectSignedIn SubjectKind = "signed-in" // every signed-in user and every valid key
)

// Grant gives a subject a role on a feed. There is at most one grant per
// feed and subject. SubjectID is the account's ID, 0 for SubjectSignedIn.
type Grant struct {
	FeedID      int64
	Kind        SubjectKind
	SubjectID   int64
	SubjectName string // the account's name, filled when listing
	Role        Role
	CreatedAt   time.Time
}

// Scope is what an API key may be used for: a set of ScopeRead,
// ScopePush, ScopeStage and ScopeManage.
type Scope uint8

// The key scopes.
const (
	ScopeRead Scope = 1 << iota // restore and browse the feeds the key's user may read
	ScopePush                   // push, unlist and relist
	// ScopeStage stages packages (PackageStaging/1.0.0) and manages the
	// key owner's stage groups. A key with ScopeStage and without
	// ScopePush is limited to staging: its packages reach the feed only
	// when a person promotes them. ScopePush implies staging too.
	ScopeStage
	// ScopeManage manages trust policies through the policy API, for the
	// accounts the key's user may manage (never reading or pushing
	// packages by itself).
	ScopeManage
)

// DefaultScope is what a key created without --scope gets: push only, as
// every key had before scopes existed, so a leaked CI push key cannot read
// private packages.
const DefaultScope = ScopePush

// ParseScopes reads scope names (read, push, stage, manage; repeated or comma-separated).
// No names give DefaultScope. Errors: ErrInvalid.
func ParseScopes(names []string) (Scope, error) {
	var s Scope
	for _, n := range names {
		for _, part := range strings.Split(n, ",") {
			switch strings.ToLower(strings.TrimSpace(part)) {
			case "read":
				s |= ScopeRead
			case "push":
				s |= ScopePush
			case "stage":
				s |= ScopeStage
			case "manage":
				s |= ScopeManage
			case "":
			default:
				return 0, errorf(ErrInvalid, "'%s' is not a key scope: use read, push, stage or manage.", part)
			}
		}
	}
	if s == 0 {
		s = DefaultScope
	}
	return s, nil
}

// Has reports whether every scope in o is in s.
func (s Scope) Has(o Scope) bool { return s&o == o }

// MayStage reports whether a key of scope s may stage packages: the stage
// scope, or the push scope (0 reads as DefaultScope, push).
func (s Scope) MayStage() bool { return s == 0 || s.Has(ScopeStage) || s.Has(ScopePush) }

// StagingOnly reports whether s stages but may not push straight to a feed.
func (s Scope) StagingOnly() bool { return s.Has(ScopeStage) && !s.Has(ScopePush) }

// String spells the scope as stored: "push", "read", "read,push",
// "read,stage"...
func (s Scope) String() string {
	var out []string
	if s.Has(ScopeRead) {
		out = append(out, "read")
	}
	if s.Has(ScopePush) {
		out = append(out, "push")
	}
	if s.Has(ScopeStage) {
		out = append(out, "stage")
	}
	if s.Has(ScopeManage) {
		out = append(out, "manage")
	}
	return strings.Join(out, ",")
}

// KeyFacts is what a read needs to know about an API key, kept in memory
// by its hash.
type KeyFacts struct {
	ID        int64
	UserID    int64 // the user the key acts for; reads see what this user may read
	OwnerID   int64 // the account the key acts for: the user, or an organisation
	Scopes    Scope
	ExpiresAt *time.Time
	Trusted   bool // minted by trusted publishing
}
