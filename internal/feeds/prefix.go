package feeds

import (
	"sort"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// Prefix is a reserved package ID pattern, as nuget.org has them: only
// its owner may create package IDs it matches, in any feed. A pattern is
// either an exact ID ("Contoso.Sdk") or an ID followed by ".*"
// ("Contoso.*"), which matches every ID that starts with "Contoso."
// (not "Contoso" itself: reserve that ID on its own). Patterns compare
// case-insensitively.
type Prefix struct {
	ID        int64
	Pattern   string // as the operator wrote it, e.g. "Contoso.*"
	OwnerID   int64  // the user or organisation that owns it
	OwnerName string
	CreatedBy int64 // the admin who reserved it; 0 for the operator
	CreatedAt time.Time
}

// ParsePattern checks a reservation pattern: a valid package ID
// (nuget.ValidateID), optionally followed by ".*". Errors: ErrInvalid.
func ParsePattern(pattern string) error {
	p := strings.TrimSpace(pattern)
	if p == "" || p == "*" || p == ".*" {
		return errorf(ErrInvalid, "'%s' would reserve every package ID: a pattern is an ID such as 'Contoso.Sdk' or an ID followed by '.*' such as 'Contoso.*'.", pattern)
	}
	base := strings.TrimSuffix(p, ".*")
	if strings.Contains(base, "*") {
		return errorf(ErrInvalid, "'%s' is not a valid pattern: '*' may only end it, after a '.', as in 'Contoso.*'.", pattern)
	}
	if err := nuget.ValidateID(base); err != nil {
		return errorf(ErrInvalid, "'%s' is not a valid pattern: %s", pattern, err.Error())
	}
	if p != pattern {
		return errorf(ErrInvalid, "'%s' is not a valid pattern: remove the spaces around it.", pattern)
	}
	return nil
}

// Matches reports whether the pattern reserves id (case-insensitively).
func (p *Prefix) Matches(id string) bool {
	return MatchPattern(p.Pattern, id)
}

// MatchPattern reports whether pattern reserves id (case-insensitively).
func MatchPattern(pattern, id string) bool {
	if base, ok := strings.CutSuffix(pattern, "*"); ok {
		return len(id) > len(base) && strings.EqualFold(id[:len(base)], base)
	}
	return strings.EqualFold(pattern, id)
}

// sortPrefixes orders prefixes most specific first: longer patterns
// before shorter ones, an exact ID before a prefix of the same length.
func sortPrefixes(ps []Prefix) {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i].Pattern, ps[j].Pattern
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return !strings.HasSuffix(a, "*") && strings.HasSuffix(b, "*")
	})
}

// ReservedBy returns the most specific reservation that matches id, or
// nil when no reservation does. It reads only the snapshot.
func (s *Snapshot) ReservedBy(id string) *Prefix {
	for i := range s.prefixes {
		if s.prefixes[i].Matches(id) {
			return &s.prefixes[i]
		}
	}
	return nil
}

// Blocks returns the reservation that stops the account ownerID from
// creating id: the most specific one that matches, unless ownerID owns
// any reservation that matches id (then nil, as nuget.org allows a push
// by an owner of any matching prefix). Nil when id is not reserved.
func (s *Snapshot) Blocks(id string, ownerID int64) *Prefix {
	var first *Prefix
	for i := range s.prefixes {
		p := &s.prefixes[i]
		if !p.Matches(id) {
			continue
		}
		if p.OwnerID == ownerID {
			return nil
		}
		if first == nil {
			first = p
		}
	}
	return first
}

// Prefixes lists the reservations, most specific first.
func (s *Snapshot) Prefixes() []Prefix { return s.prefixes }
