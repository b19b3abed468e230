package nuget

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.0", "[1.0.0, )"},
		{"1.0.0", "[1.0.0, )"},
		{" 1.0 ", "[1.0.0, )"},
		{"1.0.0-beta+meta", "[1.0.0-beta, )"},
		{"[1.0,)", "[1.0.0, )"},
		{"[1.0, )", "[1.0.0, )"},
		{"(1.0,)", "(1.0.0, )"},
		{"[1.0]", "[1.0.0, 1.0.0]"},
		{"[ 1.0 ]", "[1.0.0, 1.0.0]"},
		{"(,1.0]", "(, 1.0.0]"},
		{"(,1.0)", "(, 1.0.0)"},
		{"[,1.0]", "(, 1.0.0]"},
		{"[1.0,2.0]", "[1.0.0, 2.0.0]"},
		{"[1.0,2.0)", "[1.0.0, 2.0.0)"},
		{"(1.0,2.0)", "(1.0.0, 2.0.0)"},
		{"(1.0,2.0]", "(1.0.0, 2.0.0]"},
		{"  [ 1.0 ,  2.0 )  ", "[1.0.0, 2.0.0)"},
		{"[1.0.0.0, 2.0.0.1)", "[1.0.0, 2.0.0.1)"},
		{"[1.0.0-alpha, 1.0.0]", "[1.0.0-alpha, 1.0.0]"},
		{"[1.0, 1.0]", "[1.0.0, 1.0.0]"},
		{"(1.0, 1.0)", "(1.0.0, 1.0.0)"}, // accepted by NuGet, matches nothing
		{"(, )", "(, )"},                 // NuGet's normalized "any version"
		{"[ , ]", "(, )"},
		{"[1.0.0-Beta, 2.0.0-RC.1)", "[1.0.0-Beta, 2.0.0-RC.1)"},
		{"[01.02, 3)", "[1.2.0, 3.0.0)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRange(tt.in)
			if err != nil {
				t.Fatalf("ParseRange(%q): %v", tt.in, err)
			}
			if got := r.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			again, err := ParseRange(r.String())
			if err != nil || again.String() != r.String() {
				t.Errorf("String() %q does not round-trip: %v, %q", r.String(), err, again.String())
			}
		})
	}
}

func TestParseRangeBounds(t *testing.T) {
	r, err := ParseRange("(1.0, 2.0]")
	if err != nil {
		t.Fatal(err)
	}
	if r.Min == nil || r.Min.String() != "1.0.0" || r.MinInclusive || r.Max == nil || r.Max.String() != "2.0.0" || !r.MaxInclusive {
		t.Errorf("ParseRange = %+v", r)
	}
	r, _ = ParseRange("1.5")
	if r.Min == nil || !r.MinInclusive || r.Max != nil {
		t.Errorf("ParseRange(1.5) = %+v, want [1.5.0, )", r)
	}
}

func TestParseRangeInvalid(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "'' is not a valid version range: it is empty."},
		{"   ", "it is empty."},
		{"(1.0)", "a single version must be written [1.0.0]"},
		{"[1.0)", "a single version must be written"},
		{"(1.0]", "a single version must be written"},
		{"[2.0,1.0]", "its lower bound is above its upper bound."},
		{"[1.0.1, 1.0]", "its lower bound is above its upper bound."},
		{"(1.0,1.0]", "matches nothing"},
		{"[1.0,1.0)", "matches nothing"},
		{"[1.0-beta, 1.0-BETA)", "matches nothing"},
		{"(,)", "it has neither a lower nor an upper bound"},
		{"[,]", "it has neither a lower nor an upper bound"},
		{"[]", "it has neither a lower nor an upper bound"},
		{"()", "it has neither a lower nor an upper bound"},
		{"[1.0,2.0,3.0]", "it has more than one comma."},
		{"[1.0,2.0", "does not end with ']' or ')'"},
		{"(1.0", "does not end with ']' or ')'"},
		{"[", "does not end with ']' or ')'"},
		{"1.0]", "'1.0]' is not a valid NuGet version"},
		{"1.0,2.0", "is not a valid NuGet version"},
		{"1.*", "floating versions with '*' are not allowed"},
		{"*", "floating versions"},
		{"[1.0.*, 2.0)", "floating versions"},
		{"1.0-*", "floating versions"},
		{"[a, 2.0)", "'[a, 2.0)' is not a valid version range: 'a' is not a valid NuGet version"},
		{"[1.0, b]", "'b' is not a valid NuGet version"},
		{"{1.0,2.0}", "is not a valid NuGet version"},
		{"> 1.0", "is not a valid NuGet version"},
		{"^1.0", "is not a valid NuGet version"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := ParseRange(tt.in)
			if err == nil {
				t.Fatalf("ParseRange(%q) = %v, want an error", tt.in, r)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestRangeContains(t *testing.T) {
	tests := []struct {
		rng string
		in  []string
		out []string
	}{
		{"1.0", []string{"1.0.0", "1.0.0.1", "2.0.0", "1.0.1-beta", "1.0.0+meta"}, []string{"0.9.9", "1.0.0-rc.1"}},
		{"(1.0,)", []string{"1.0.0.1", "1.0.1-alpha"}, []string{"1.0.0", "1.0"}},
		{"[1.0]", []string{"1.0.0", "1.0.0.0", "1.0.0+x"}, []string{"1.0.0.1", "1.0.0-beta", "0.9"}},
		{"[1.0-beta]", []string{"1.0.0-BETA", "1.0.0-beta+x"}, []string{"1.0.0", "1.0.0-beta.1"}},
		{"(,1.0]", []string{"0.0.0", "1.0.0", "1.0.0-rc"}, []string{"1.0.0.1", "1.0.1"}},
		{"(,1.0)", []string{"0.9.9", "1.0.0-rc"}, []string{"1.0.0"}},
		{"[1.0,2.0)", []string{"1.0.0", "1.5.0", "1.9.9.9", "2.0.0-beta"}, []string{"0.9.9", "1.0.0-beta", "2.0.0"}},
		{"(1.0,2.0]", []string{"1.0.0.1", "2.0.0"}, []string{"1.0.0", "2.0.0.1"}},
		{"(1.0, 1.0)", nil, []string{"1.0.0", "0.0.0", "2.0.0"}},
		{"(, )", []string{"0.0.0", "1.0.0-alpha", "2147483647.0.0"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.rng, func(t *testing.T) {
			r, err := ParseRange(tt.rng)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.in {
				if !r.Contains(mustVersion(t, s)) {
					t.Errorf("%s does not contain %s", tt.rng, s)
				}
			}
			for _, s := range tt.out {
				if r.Contains(mustVersion(t, s)) {
					t.Errorf("%s contains %s", tt.rng, s)
				}
			}
		})
	}
}

func TestRangeStringZero(t *testing.T) {
	if got := (VersionRange{}).String(); got != "(, )" {
		t.Errorf("zero VersionRange = %q, want (, )", got)
	}
	v := mustVersion(t, "1.0.0+meta")
	if got := (VersionRange{Min: &v, MinInclusive: true, Max: &v, MaxInclusive: true}).String(); got != "[1.0.0, 1.0.0]" {
		t.Errorf("exact range = %q, want [1.0.0, 1.0.0] (no metadata)", got)
	}
}

func TestRangeIsSemVer2(t *testing.T) {
	for in, want := range map[string]bool{
		"1.0.0": false, "[1.0.0, 2.0.0)": false, "1.0.0-beta": false,
		"1.0.0-beta.1": true, "[1.0.0, 2.0.0-rc.1)": true, "1.0.0+build": true, "(, 1.0.0-alpha.2]": true,
	} {
		r, err := ParseRange(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := r.IsSemVer2(); got != want {
			t.Errorf("ParseRange(%q).IsSemVer2() = %v, want %v", in, got, want)
		}
	}
}
