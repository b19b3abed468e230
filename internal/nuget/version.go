package nuget

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Version is a NuGet package version: SemVer 2.0 plus an optional fourth
// numeric part, Revision. The zero value is 0.0.0.
//
// Two versions are the same package version when Compare returns 0: build
// metadata is ignored and prerelease labels compare case-insensitively, so
// 1.0.0-Beta+abc and 1.0.0-beta are equal.
type Version struct {
	Major, Minor, Patch, Revision int // each in 0..2147483647

	// Release holds the prerelease labels in their original case, e.g.
	// ["Beta", "1"] for 1.0.0-Beta.1; nil when the version is stable.
	Release []string

	// Metadata is the build metadata after '+', without the '+'; "" if none.
	Metadata string
}

// ParseVersion parses a NuGet version string such as "1.0", "1.2.3.4" or
// "2.0.0-rc.1+sha.5114f85". Surrounding whitespace is ignored. It accepts one
// to four numeric parts (missing parts are 0, leading zeros are dropped),
// then optionally '-' and dot-separated prerelease labels, then optionally
// '+' and dot-separated build metadata. Labels and metadata use only ASCII
// letters, digits and '-', no part may be empty, and numeric prerelease
// labels may not have leading zeros.
//
// It is stricter than NuGet.Client in one way: numeric parts must be plain
// digits (the client's System.Version parsing also accepts a '+' sign or
// spaces inside a part, e.g. "1. 2", which no packing tool writes).
//
// Errors: *ValidationError, e.g. "'1.0.0.0.0' is not a valid NuGet version:
// it has more than four numeric parts."
func ParseVersion(s string) (Version, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Version{}, invalidf("'%s' is not a valid NuGet version: it is empty.", display(s))
	}
	fail := func(why string) (Version, error) {
		return Version{}, invalidf("'%s' is not a valid NuGet version: %s", display(t), why)
	}

	core, release, metadata := t, "", ""
	hasRelease, hasMetadata := false, false
	if i := strings.IndexAny(t, "-+"); i >= 0 {
		core = t[:i]
		rest := t[i+1:]
		if t[i] == '-' {
			hasRelease = true
			release = rest
			if j := strings.IndexByte(rest, '+'); j >= 0 {
				release, metadata, hasMetadata = rest[:j], rest[j+1:], true
			}
		} else {
			metadata, hasMetadata = rest, true
		}
	}

	var v Version
	parts := strings.Split(core, ".")
	if len(parts) > 4 {
		return fail("it has more than four numeric parts.")
	}
	nums := [4]*int{&v.Major, &v.Minor, &v.Patch, &v.Revision}
	for i, p := range parts {
		if p == "" {
			if i == 0 {
				return fail("it must start with a number, like 1.0.0.")
			}
			return fail(fmt.Sprintf("numeric part %d is empty.", i+1))
		}
		n, ok := parseDigits(p)
		if !ok {
			return fail("'" + display(p) + "' is not a number (use digits only, like 1.0.0).")
		}
		if n > math.MaxInt32 {
			return fail("the number " + display(p) + " is larger than 2147483647.")
		}
		*nums[i] = int(n)
	}

	if hasRelease {
		labels := strings.Split(release, ".")
		for _, l := range labels {
			if why := labelProblem(l, "prerelease label", false); why != "" {
				return fail(why)
			}
		}
		v.Release = labels
	}
	if hasMetadata {
		if metadata == "" {
			return fail("the build metadata after '+' is empty.")
		}
		for _, l := range strings.Split(metadata, ".") {
			if why := labelProblem(l, "build metadata part", true); why != "" {
				return fail(why)
			}
		}
		v.Metadata = metadata
	}
	return v, nil
}

// parseDigits parses a string of ASCII digits, saturating instead of
// overflowing; ok is false if s holds anything but digits.
func parseDigits(s string) (n uint64, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= math.MaxInt32 { // beyond that the exact value no longer matters
			n = n*10 + uint64(c-'0')
		}
	}
	return n, true
}

// labelProblem explains why l is not a valid prerelease label or build
// metadata part, or returns "" if it is valid.
func labelProblem(l, what string, allowLeadingZeros bool) string {
	if l == "" {
		return "it has an empty " + what + " (two dots in a row, or a dot at the start or end)."
	}
	for i := 0; i < len(l); i++ {
		if !isLabelChar(l[i]) {
			return what + " '" + display(l) + "' may only contain ASCII letters, digits and '-'."
		}
	}
	if !allowLeadingZeros && len(l) > 1 && l[0] == '0' && isAllDigits(l) {
		return "numeric " + what + " '" + l + "' has a leading zero."
	}
	return ""
}

func isLabelChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-'
}

func isAllDigits(s string) bool {
	_, ok := parseDigits(s)
	return ok && s != ""
}

// String returns the normalized form NuGet uses in URLs and feeds:
// "Major.Minor.Patch", then ".Revision" only when it is not zero, then
// "-" and the prerelease labels in their original case; never metadata.
// Examples: "1.0.0", "1.2.3.4", "1.0.0-Beta.1".
func (v Version) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(v.Major))
	b.WriteByte('.')
	b.WriteString(strconv.Itoa(v.Minor))
	b.WriteByte('.')
	b.WriteString(strconv.Itoa(v.Patch))
	if v.Revision != 0 {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(v.Revision))
	}
	if len(v.Release) > 0 {
		b.WriteByte('-')
		b.WriteString(strings.Join(v.Release, "."))
	}
	return b.String()
}

// Full returns String followed by "+metadata" when the version has build
// metadata, e.g. "1.0.0-beta.1+sha.abc". This is what registration and
// search responses show as "version".
func (v Version) Full() string {
	if v.Metadata == "" {
		return v.String()
	}
	return v.String() + "+" + v.Metadata
}

// Lower returns String in lower case, the form used in flat-container and
// registration URLs.
func (v Version) Lower() string { return strings.ToLower(v.String()) }

// IsPrerelease reports whether the version has prerelease labels.
func (v Version) IsPrerelease() bool { return len(v.Release) > 0 }

// IsSemVer2 reports whether only SemVer 2.0-aware clients understand the
// version: it has more than one prerelease label (a dot in the release
// part) or build metadata. Feeds hide such versions from clients that do
// not send semVerLevel=2.0.0.
func (v Version) IsSemVer2() bool { return len(v.Release) > 1 || v.Metadata != "" }

// Compare orders versions as NuGet does, returning -1, 0 or 1: Major, Minor,
// Patch and Revision numerically; then a prerelease is lower than the same
// version without one; then labels pairwise, where two numeric labels compare
// as numbers, a numeric label is lower than an alphanumeric one, and others
// compare as case-insensitive ordinal strings; a shorter label list that is a
// prefix of the other is lower. Build metadata is ignored.
//
// As in NuGet, a label counts as numeric when it parses as an Int32 (so
// "-1" is numeric and "99999999999" is not). Where NuGet's comparison would
// call two differently written numeric labels equal ("0" and "-0"), Compare
// breaks the tie by their text, so that 0 means "same normalized version,
// ignoring case".
func (v Version) Compare(o Version) int {
	for _, d := range [4][2]int{{v.Major, o.Major}, {v.Minor, o.Minor}, {v.Patch, o.Patch}, {v.Revision, o.Revision}} {
		if d[0] != d[1] {
			return sign(d[0] - d[1])
		}
	}
	switch {
	case len(v.Release) == 0 && len(o.Release) == 0:
		return 0
	case len(v.Release) == 0:
		return 1
	case len(o.Release) == 0:
		return -1
	}
	for i := 0; i < len(v.Release) && i < len(o.Release); i++ {
		if c := compareLabel(v.Release[i], o.Release[i]); c != 0 {
			return c
		}
	}
	return sign(len(v.Release) - len(o.Release))
}

// compareLabel compares two prerelease labels.
func compareLabel(a, b string) int {
	an, aNum := labelNumber(a)
	bn, bNum := labelNumber(b)
	switch {
	case aNum && bNum:
		if an != bn {
			return sign(int(an - bn))
		}
	case aNum:
		return -1
	case bNum:
		return 1
	}
	return sign(strings.Compare(strings.ToUpper(a), strings.ToUpper(b)))
}

// labelNumber reports whether a label is numeric the way .NET's
// int.TryParse sees it (an optional sign, digits, within Int32).
func labelNumber(l string) (int64, bool) {
	n, err := strconv.ParseInt(l, 10, 32)
	return n, err == nil
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// Equal reports whether v and o are the same version (Compare returns 0).
func (v Version) Equal(o Version) bool { return v.Compare(o) == 0 }

// SortVersions sorts vs in ascending order by Compare, keeping the input
// order of equal versions.
func SortVersions(vs []Version) {
	slices.SortStableFunc(vs, Version.Compare)
}
