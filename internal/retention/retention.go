// Package retention decides which versions retention rules remove (see
// docs/lifecycle.md, "Retention"). It is pure: given a feed's rules, a
// package's versions and the time, Plan says which versions go, how
// (deleted for good or unlisted) and why. It knows nothing of the
// database, the store or HTTP; the registry loads the versions, marks
// the protected ones, applies the plan and audits it. Errors are the
// kinds of package fault (ErrInvalid from Rule.Validate).
package retention

import (
	"fmt"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/fault"
)

// Kind is what a rule looks at.
type Kind string

// The rule kinds.
const (
	// KindPrereleases keeps the newest Keep prereleases of each release
	// line (see ReleaseLine) and removes the older ones.
	KindPrereleases Kind = "prereleases"
	// KindIdle removes versions published more than OlderThanDays days
	// ago that nobody downloaded in the last IdleDays days.
	KindIdle Kind = "idle"
)

// Action is what a rule does to the versions it selects.
type Action string

// The actions.
const (
	ActionDelete Action = "delete" // deleted for good: tombstone, files removed
	ActionUnlist Action = "unlist" // hidden from search and "latest", restorable
)

// Limits on a rule's numbers.
const (
	MaxKeep = 10000
	MaxDays = 36500
)

// Rule is one retention rule of a feed. Glob selects the package IDs it
// applies to ("*" for every package of the feed; matching ignores case).
type Rule struct {
	ID            int64
	FeedID        int64
	Feed          string // the feed's name, filled when listing
	Glob          string
	Kind          Kind
	Keep          int // KindPrereleases: prereleases kept per release line
	OlderThanDays int // KindIdle: published at least this many days ago
	IdleDays      int // KindIdle: and not downloaded for this many days
	Action        Action
	CreatedBy     string // who added it ("operator" on the command line)
	CreatedAt     time.Time
}

// Describe says what the rule does, in a few words, as the rule lists
// show it.
func (r Rule) Describe() string {
	if r.Kind == KindPrereleases {
		return fmt.Sprintf("keep the newest %d prereleases per release line, %s the others", r.Keep, r.Action)
	}
	return fmt.Sprintf("%s versions published over %d days ago and not downloaded for %d days", r.Action, r.OlderThanDays, r.IdleDays)
}

// String describes the rule in one line, as the audit log shows it.
func (r Rule) String() string {
	return fmt.Sprintf("rule %d (%s, packages %s): %s", r.ID, r.Feed, r.Glob, r.Describe())
}

// Validate checks a rule before it is stored and fills the defaults (Glob
// "*"). Errors: ErrInvalid, naming the field.
func (r *Rule) Validate() error {
	r.Glob = strings.TrimSpace(r.Glob)
	if r.Glob == "" {
		r.Glob = "*"
	}
	if len(r.Glob) > 100 {
		return fault.FieldErrorf(fault.ErrInvalid, "glob", "The package glob is longer than 100 characters.")
	}
	for _, c := range r.Glob {
		if !(c == '*' || c == '.' || c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return fault.FieldErrorf(fault.ErrInvalid, "glob", "The package glob '%s' is invalid: use package-ID characters and '*', as in 'Contoso.*'.", r.Glob)
		}
	}
	switch r.Action {
	case ActionDelete, ActionUnlist:
	default:
		return fault.FieldErrorf(fault.ErrInvalid, "action", "Choose what the rule does: delete (for good) or unlist.")
	}
	switch r.Kind {
	case KindPrereleases:
		if r.Keep < 0 || r.Keep > MaxKeep {
			return fault.FieldErrorf(fault.ErrInvalid, "keep", "Keep between 0 and %d prereleases per release line.", MaxKeep)
		}
		r.OlderThanDays, r.IdleDays = 0, 0
	case KindIdle:
		if r.OlderThanDays < 1 || r.OlderThanDays > MaxDays {
			return fault.FieldErrorf(fault.ErrInvalid, "older-than", "The age must be between 1 and %d days.", MaxDays)
		}
		if r.IdleDays < 1 || r.IdleDays > MaxDays {
			return fault.FieldErrorf(fault.ErrInvalid, "idle", "The time without downloads must be between 1 and %d days.", MaxDays)
		}
		r.Keep = 0
	default:
		return fault.FieldErrorf(fault.ErrInvalid, "kind", "Choose the kind of rule: prereleases (keep the newest N per release line) or idle (old and not downloaded).")
	}
	return nil
}

// Matches reports whether the rule applies to the package ID.
func (r Rule) Matches(id string) bool {
	return globMatch(strings.ToLower(r.Glob), strings.ToLower(id))
}

// globMatch matches s against pattern, where '*' matches any run of
// characters (s and pattern are lower case).
func globMatch(pattern, s string) bool {
	star, back := -1, 0
	i, j := 0, 0
	for j < len(s) {
		switch {
		case i < len(pattern) && pattern[i] == '*':
			star, back = i, j
			i++
		case i < len(pattern) && pattern[i] == s[j]:
			i++
			j++
		case star >= 0:
			i, back = star+1, back+1
			j = back
		default:
			return false
		}
	}
	for i < len(pattern) && pattern[i] == '*' {
		i++
	}
	return i == len(pattern)
}
