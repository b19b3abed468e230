package nuget

import "strings"

// VersionRange is a NuGet version range, as written in a dependency's
// version attribute. A nil Min or Max means that side is unbounded; the
// matching Inclusive flag then has no effect.
//
// https://learn.microsoft.com/nuget/concepts/package-versioning#version-ranges
type VersionRange struct {
	Min          *Version
	MinInclusive bool
	Max          *Version
	MaxInclusive bool
}

// ParseRange parses a version range the way NuGet.Client's
// VersionRange.Parse does for non-floating ranges:
//
//	1.0         x ≥ 1.0
//	[1.0,)      x ≥ 1.0
//	(1.0,)      x > 1.0
//	[1.0]       x = 1.0
//	(,1.0]      x ≤ 1.0
//	(,1.0)      x < 1.0
//	[1.0,2.0)   1.0 ≤ x < 2.0
//	(, )        any version (the normalized form of "no bounds")
//
// Whitespace around the range, the versions and the comma is ignored. It
// rejects an empty string (callers treat a missing range as "any version"),
// a single version in anything but "[v]", "(,)" with neither bound written,
// a lower bound above the upper bound, an empty range with one inclusive end
// such as "(1.0, 1.0]", and floating ranges with '*' (they are for project
// files, not for package dependencies). As in NuGet, "(1.0, 1.0)" is
// accepted and matches nothing.
//
// Errors: *ValidationError naming the range and the problem.
func ParseRange(s string) (VersionRange, error) {
	t := strings.TrimSpace(s)
	fail := func(why string) (VersionRange, error) {
		return VersionRange{}, invalidf("'%s' is not a valid version range: %s", display(t), why)
	}
	if t == "" {
		return fail("it is empty.")
	}
	if strings.Contains(t, "*") {
		return fail("floating versions with '*' are not allowed in package dependencies; write a range such as [1.0.0, 2.0.0).")
	}
	if t[0] != '[' && t[0] != '(' {
		v, err := ParseVersion(t)
		if err != nil {
			return VersionRange{}, err
		}
		return VersionRange{Min: &v, MinInclusive: true}, nil
	}

	r := VersionRange{MinInclusive: t[0] == '['}
	switch t[len(t)-1] {
	case ']':
		r.MaxInclusive = true
	case ')':
	default:
		return fail("it starts with '" + t[:1] + "' but does not end with ']' or ')'.")
	}
	parts := strings.Split(t[1:len(t)-1], ",")
	switch {
	case len(parts) > 2:
		return fail("it has more than one comma.")
	case len(parts) == 1 && parts[0] == "" || len(parts) == 2 && parts[0] == "" && parts[1] == "":
		return fail("it has neither a lower nor an upper bound; leave the version out to allow any version.")
	case len(parts) == 1 && !(r.MinInclusive && r.MaxInclusive):
		return fail("a single version must be written [1.0.0] for exactly that version, or 1.0.0 for that version or later.")
	}
	var err error
	if r.Min, err = parseBound(parts[0]); err != nil {
		return fail(err.Error())
	}
	if r.Max, err = parseBound(parts[len(parts)-1]); err != nil {
		return fail(err.Error())
	}
	if r.Min != nil && r.Max != nil {
		switch c := r.Min.Compare(*r.Max); {
		case c > 0:
			return fail("its lower bound is above its upper bound.")
		case c == 0 && r.MinInclusive != r.MaxInclusive:
			return fail("it includes one end but excludes the other of the same version, so it matches nothing; write [" + r.Min.String() + "] for that exact version.")
		}
	}
	return r, nil
}

// parseBound parses one side of a bracketed range; blank means unbounded.
func parseBound(s string) (*Version, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := ParseVersion(s)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// String returns the normalized range NuGet.Client's ToNormalizedString
// writes and nuget.org serves as a dependency's "range" in registration
// (catalog) entries: "[1.0.0, )", "[1.0.0, 2.0.0)", "(, 1.0.0]", and for an
// exact version "[1.0.0, 1.0.0]" (nuget.org does not shorten it to
// "[1.0.0]"). Versions are normalized, without build metadata; an unbounded
// side is written empty with a round bracket, so no bounds at all is "(, )".
func (r VersionRange) String() string {
	var b strings.Builder
	if r.Min != nil && r.MinInclusive {
		b.WriteByte('[')
	} else {
		b.WriteByte('(')
	}
	if r.Min != nil {
		b.WriteString(r.Min.String())
	}
	b.WriteString(", ")
	if r.Max != nil {
		b.WriteString(r.Max.String())
	}
	if r.Max != nil && r.MaxInclusive {
		b.WriteByte(']')
	} else {
		b.WriteByte(')')
	}
	return b.String()
}

// Contains reports whether v satisfies the range. Like NuGet's Satisfies it
// does not treat prereleases specially: [1.0.0, 2.0.0) contains 1.5.0-beta
// and 2.0.0-beta.
func (r VersionRange) Contains(v Version) bool {
	if r.Min != nil {
		c := v.Compare(*r.Min)
		if c < 0 || c == 0 && !r.MinInclusive {
			return false
		}
	}
	if r.Max != nil {
		c := v.Compare(*r.Max)
		if c > 0 || c == 0 && !r.MaxInclusive {
			return false
		}
	}
	return true
}

// IsSemVer2 reports whether a bound of the range is a SemVer 2.0.0 version;
// nuget.org then treats the whole package as SemVer 2.0.0, hidden from
// clients that do not ask for semVerLevel=2.0.0.
func (r VersionRange) IsSemVer2() bool {
	return r.Min != nil && r.Min.IsSemVer2() || r.Max != nil && r.Max.IsSemVer2()
}
