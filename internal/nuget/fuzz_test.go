package nuget

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets of the protocol code. Their seeds are the files under
// testdata/fuzz/<target>, listed in fuzz_seeds_test.go; .ci/fuzz runs each
// target for a few seconds. Every target asserts that a refusal is a
// *ValidationError with a one-line sentence, and what an accepted input
// guarantees to the code that stores and serves it.

// requireValidationError fails unless err is a *ValidationError with a
// one-line message.
func requireValidationError(t *testing.T, err error) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T (%v) is not a *ValidationError", err, err)
	}
	if ve.Msg == "" || strings.ContainsAny(ve.Msg, "\r\n") || !utf8.ValidString(ve.Msg) {
		t.Fatalf("bad message %q", ve.Msg)
	}
}

// fuzzReference versions are compared with every fuzzed version, in
// ascending order.
var fuzzReference = []string{"0.0.0", "1.0.0--1", "1.0.0-0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-BETA", "1.0.0",
	"1.0.0.1", "2147483647.0.0"}

func referenceVersions(t testing.TB) []Version {
	refs := make([]Version, len(fuzzReference))
	for i, s := range fuzzReference {
		var err error
		if refs[i], err = ParseVersion(s); err != nil {
			t.Fatal(err)
		}
		if i > 0 && refs[i-1].Compare(refs[i]) >= 0 {
			t.Fatalf("fuzzReference is not ascending at %q", s)
		}
	}
	return refs
}

// urlSafeVersion reports whether a normalized version may be a path
// segment of a URL and a storage key: ASCII letters, digits, '.' and '-',
// starting with a digit, no "..".
func urlSafeVersion(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLabelChar(s[i]) && s[i] != '.' {
			return false
		}
	}
	return s != "" && s[0] >= '0' && s[0] <= '9' && !strings.Contains(s, "..")
}

func FuzzParseVersion(f *testing.F) {
	refs := referenceVersions(f)
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseVersion(s)
		if err != nil {
			requireValidationError(t, err)
			return
		}
		for _, text := range []string{v.String(), v.Full(), v.Lower()} {
			again, err := ParseVersion(text)
			if err != nil {
				t.Fatalf("%q parsed, but its form %q does not: %v", s, text, err)
			}
			if !again.Equal(v) || again.String() != strings.TrimSpace(again.String()) {
				t.Fatalf("%q -> %q -> %v: not equal", s, text, again)
			}
		}
		if full, _ := ParseVersion(v.Full()); full.Metadata != v.Metadata || full.String() != v.String() {
			t.Fatalf("Full() %q does not round-trip", v.Full())
		}
		if strings.Contains(v.String(), "+") || v.IsSemVer2() != (len(v.Release) > 1 || v.Metadata != "") {
			t.Fatalf("bad String/IsSemVer2 for %q", s)
		}
		if !urlSafeVersion(v.Lower()) || v.Lower() != strings.ToLower(v.String()) {
			t.Fatalf("%q normalizes to %q, which is not safe in a URL or storage key", s, v.Lower())
		}
		// Against ascending references the comparisons form a total order:
		// antisymmetric, and 1...1 0? -1...-1 from the lowest up.
		last := 1
		for i, r := range refs {
			c := v.Compare(r)
			if c != -r.Compare(v) || c < -1 || c > 1 {
				t.Fatalf("Compare(%q, %q) = %d, reverse %d", s, fuzzReference[i], c, r.Compare(v))
			}
			if (c == 0) != strings.EqualFold(v.String(), r.String()) {
				t.Fatalf("Compare(%q, %q) = %d disagrees with the normalized strings", s, fuzzReference[i], c)
			}
			if c > last || c == 0 && last == 0 {
				t.Fatalf("%q is not ordered consistently: Compare with %q is %d after %d", s, fuzzReference[i], c, last)
			}
			last = c
		}
	})
}

func FuzzParseRange(f *testing.F) {
	refs := referenceVersions(f)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			requireValidationError(t, err)
			return
		}
		again, err := ParseRange(r.String())
		if err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", s, r.String(), err)
		}
		if again.String() != r.String() || !sameBound(r.Min, again.Min) || !sameBound(r.Max, again.Max) {
			t.Fatalf("%q -> %q -> %q", s, r.String(), again.String())
		}
		if r.Min != nil && r.Contains(*r.Min) != r.MinInclusive {
			t.Fatalf("%q: Contains(min) = %v", s, r.Contains(*r.Min))
		}
		if r.Max != nil && r.Contains(*r.Max) != r.MaxInclusive {
			t.Fatalf("%q: Contains(max) = %v", s, r.Contains(*r.Max))
		}
		if r.Min != nil && r.Max != nil && r.Min.Compare(*r.Max) > 0 {
			t.Fatalf("%q: lower bound above upper bound", s)
		}
		if text := strings.TrimSpace(s); text[0] != '[' && text[0] != '(' && (r.Max != nil || r.Min == nil || !r.MinInclusive) {
			t.Fatalf("the bare version %q became %q, not that version or later", s, r.String())
		}
		// Satisfaction agrees with comparing against the bounds, for every
		// reference version, and survives normalization.
		for i, v := range refs {
			above := r.Min == nil || v.Compare(*r.Min) > 0 || r.MinInclusive && v.Equal(*r.Min)
			below := r.Max == nil || v.Compare(*r.Max) < 0 || r.MaxInclusive && v.Equal(*r.Max)
			if got := r.Contains(v); got != (above && below) || again.Contains(v) != got {
				t.Fatalf("%q contains %q: %v, but the bounds say %v", s, fuzzReference[i], got, above && below)
			}
		}
	})
}

func sameBound(a, b *Version) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}

func FuzzParseManifest(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := ParseManifest(strings.NewReader(doc))
		if err != nil {
			requireValidationError(t, err)
			return
		}
		checkManifest(t, m)
	})
}

// checkManifest asserts what an accepted manifest guarantees: a valid ID,
// a version that matches its text, the required fields, valid UTF-8 within
// the field limits, forward-slash paths and normalized dependency ranges.
func checkManifest(t *testing.T, m *Manifest) {
	t.Helper()
	if err := ValidateID(m.ID); err != nil {
		t.Fatalf("accepted ID %q: %v", m.ID, err)
	}
	if v, err := ParseVersion(m.OriginalVersion); err != nil || !v.Equal(m.Version) {
		t.Fatalf("OriginalVersion %q does not match Version %v", m.OriginalVersion, m.Version)
	}
	if m.Description == "" || m.Authors == "" {
		t.Fatalf("required field empty: %+v", m)
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"title", m.Title, MaxTitleLength}, {"description", m.Description, MaxDescriptionLength},
		{"summary", m.Summary, MaxSummaryLength}, {"releaseNotes", m.ReleaseNotes, MaxReleaseNotesLength},
		{"copyright", m.Copyright, MaxCopyrightLength}, {"language", m.Language, MaxLanguageLength},
		{"authors", m.Authors, MaxAuthorsLength}, {"owners", m.Owners, MaxAuthorsLength},
		{"tags", m.Tags, MaxTagsLength}, {"projectUrl", m.ProjectURL, MaxURLLength},
		{"icon", m.Icon, 0}, {"readme", m.Readme, 0},
	} {
		if !utf8.ValidString(f.value) || f.max > 0 && textLength(f.value) > f.max {
			t.Fatalf("accepted <%s> %q: invalid UTF-8 or over %d characters", f.name, f.value, f.max)
		}
	}
	if strings.Contains(m.Icon+m.Readme, `\`) {
		t.Fatalf("paths keep backslashes: %q %q", m.Icon, m.Readme)
	}
	for _, g := range m.DependencyGroups {
		for _, d := range g.Dependencies {
			if d.Range == "" {
				continue
			}
			if r, err := ParseRange(d.Range); err != nil || r.String() != d.Range {
				t.Fatalf("dependency range %q is not normalized: %v", d.Range, err)
			}
		}
	}
}
