package nuget

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in, str, full string
		prerelease    bool
		semver2       bool
	}{
		{"1", "1.0.0", "1.0.0", false, false},
		{"1.0", "1.0.0", "1.0.0", false, false},
		{"1.0.0", "1.0.0", "1.0.0", false, false},
		{"1.0.0.0", "1.0.0", "1.0.0", false, false},
		{"01.02.03", "1.2.3", "1.2.3", false, false},
		{"1.2.3.4", "1.2.3.4", "1.2.3.4", false, false},
		{"0.0.0.1", "0.0.0.1", "0.0.0.1", false, false},
		{"  1.2.3  ", "1.2.3", "1.2.3", false, false},
		{"\t1.0\n", "1.0.0", "1.0.0", false, false},
		{"1.0.0-beta", "1.0.0-beta", "1.0.0-beta", true, false},
		{"1.0.0-Beta.1+sha", "1.0.0-Beta.1", "1.0.0-Beta.1+sha", true, true},
		{"1.0.7+r3456", "1.0.7", "1.0.7+r3456", false, true},
		{"1.0.0+a.b-c.01", "1.0.0", "1.0.0+a.b-c.01", false, true},
		{"1.0.0-0", "1.0.0-0", "1.0.0-0", true, false},
		{"1.0.0-0a", "1.0.0-0a", "1.0.0-0a", true, false},
		{"1.0.0-01a", "1.0.0-01a", "1.0.0-01a", true, false},
		{"1.0.0--", "1.0.0--", "1.0.0--", true, false},
		{"1.0.0-rc-1", "1.0.0-rc-1", "1.0.0-rc-1", true, false},
		{"1.0.0.0-alpha", "1.0.0-alpha", "1.0.0-alpha", true, false},
		{"1.2.3.4-RC.2+Build.7", "1.2.3.4-RC.2", "1.2.3.4-RC.2+Build.7", true, true},
		{"2147483647.0.0", "2147483647.0.0", "2147483647.0.0", false, false},
		{"0.2147483647.2147483647.2147483647", "0.2147483647.2147483647.2147483647", "0.2147483647.2147483647.2147483647", false, false},
		{"00000000000000000001.0", "1.0.0", "1.0.0", false, false},
		{"1.0.0-2147483648", "1.0.0-2147483648", "1.0.0-2147483648", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := ParseVersion(tt.in)
			if err != nil {
				t.Fatalf("ParseVersion(%q): %v", tt.in, err)
			}
			if got := v.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			if got := v.Full(); got != tt.full {
				t.Errorf("Full() = %q, want %q", got, tt.full)
			}
			if got := v.Lower(); got != strings.ToLower(tt.str) {
				t.Errorf("Lower() = %q, want %q", got, strings.ToLower(tt.str))
			}
			if v.IsPrerelease() != tt.prerelease {
				t.Errorf("IsPrerelease() = %v, want %v", v.IsPrerelease(), tt.prerelease)
			}
			if v.IsSemVer2() != tt.semver2 {
				t.Errorf("IsSemVer2() = %v, want %v", v.IsSemVer2(), tt.semver2)
			}
		})
	}
}

func TestParseVersionFields(t *testing.T) {
	v, err := ParseVersion("1.2.3.4-Beta.1+sha.abc")
	if err != nil {
		t.Fatal(err)
	}
	want := Version{Major: 1, Minor: 2, Patch: 3, Revision: 4, Release: []string{"Beta", "1"}, Metadata: "sha.abc"}
	if v.Major != want.Major || v.Minor != want.Minor || v.Patch != want.Patch || v.Revision != want.Revision ||
		!slices.Equal(v.Release, want.Release) || v.Metadata != want.Metadata {
		t.Errorf("ParseVersion = %+v, want %+v", v, want)
	}
	stable, _ := ParseVersion("1.0.0+meta")
	if stable.Release != nil {
		t.Errorf("Release of a stable version = %#v, want nil", stable.Release)
	}
}

func TestParseVersionInvalid(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "'' is not a valid NuGet version: it is empty."},
		{" ", "' ' is not a valid NuGet version: it is empty."},
		{"1.", "'1.' is not a valid NuGet version: numeric part 2 is empty."},
		{".1", "'.1' is not a valid NuGet version: it must start with a number, like 1.0.0."},
		{"1..2", "numeric part 2 is empty"},
		{"a.b", "'a.b' is not a valid NuGet version: 'a' is not a number (use digits only, like 1.0.0)."},
		{"v1.0", "'v1' is not a number"},
		{"1.0.0.0.0", "'1.0.0.0.0' is not a valid NuGet version: it has more than four numeric parts."},
		{"1.0-", "it has an empty prerelease label"},
		{"1.0-a..b", "it has an empty prerelease label"},
		{"1.0.0-a.", "it has an empty prerelease label"},
		{"1.0.0-+meta", "it has an empty prerelease label"},
		{"1.0.0-01", "numeric prerelease label '01' has a leading zero."},
		{"1.0.0-beta.00", "numeric prerelease label '00' has a leading zero."},
		{"1.0.0+", "the build metadata after '+' is empty."},
		{"1.0.0+a..b", "it has an empty build metadata part"},
		{"1.0.0-a_b", "prerelease label 'a_b' may only contain ASCII letters, digits and '-'."},
		{"1.0.0-bêta", "may only contain ASCII letters"},
		{"1.0.0+a_b", "build metadata part 'a_b' may only contain"},
		{"-1.0", "it must start with a number"},
		{"+1.0", "it must start with a number"},
		{"1.0.0-beta+a+b", "build metadata part 'a+b' may only contain"},
		{"2147483648.0.0", "the number 2147483648 is larger than 2147483647."},
		{"1.99999999999999999999999", "is larger than 2147483647"},
		{"1.0.0.2147483648", "is larger than 2147483647"},
		{"1. 0", "' 0' is not a number"},
		{"1.0 beta", "'0 beta' is not a number"},
		{"1,0", "'1,0' is not a number"},
		{"１.0", "is not a number"},
		{"1.0.0-beta\n2", "may only contain"},
		{"1.0.0-a%b", "prerelease label 'a%b' may only contain"},
		{"1.0.0+%d%s", "build metadata part '%d%s' may only contain"},
		{"1.%x", "'%x' is not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, err := ParseVersion(tt.in)
			if err == nil {
				t.Fatalf("ParseVersion(%q) = %v, want an error", tt.in, v)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %q, want it to contain %q", err, tt.msg)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Errorf("error %q spans lines", err)
			}
			if errors.Is(err, ErrTooLarge) {
				t.Errorf("error %q matches ErrTooLarge", err)
			}
		})
	}
}

func TestSortVersions(t *testing.T) {
	in := []string{"1.0.1", "1.0.0-beta.11", "1.0.0", "1.0.0-alpha.beta", "1.0.0-rc.1", "1.0.0.1",
		"1.0.0-beta", "1.0.0-alpha", "1.0.0-beta.2", "1.0.0-alpha.1", "0.9.9"}
	want := []string{"0.9.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.0.1", "1.0.1"}
	vs := mustVersions(t, in...)
	SortVersions(vs)
	got := make([]string, len(vs))
	for i, v := range vs {
		got[i] = v.String()
	}
	if !slices.Equal(got, want) {
		t.Errorf("SortVersions =\n %v\nwant\n %v", got, want)
	}

	t.Run("stable", func(t *testing.T) {
		vs := mustVersions(t, "1.0.0+b", "1.0.0-BETA", "1.0.0+a", "1.0.0-beta", "1.0")
		SortVersions(vs)
		got := []string{vs[0].Full(), vs[1].Full(), vs[2].Full(), vs[3].Full(), vs[4].Full()}
		want := []string{"1.0.0-BETA", "1.0.0-beta", "1.0.0+b", "1.0.0+a", "1.0.0"}
		if !slices.Equal(got, want) {
			t.Errorf("SortVersions kept order %v, want %v", got, want)
		}
	})
}

func mustVersions(t *testing.T, ss ...string) []Version {
	t.Helper()
	vs := make([]Version, len(ss))
	for i, s := range ss {
		v, err := ParseVersion(s)
		if err != nil {
			t.Fatalf("ParseVersion(%q): %v", s, err)
		}
		vs[i] = v
	}
	return vs
}

func mustVersion(t *testing.T, s string) Version {
	t.Helper()
	return mustVersions(t, s)[0]
}
