package nuget

import (
	"fmt"
	"strings"
	"testing"
)

// ascending is a chain of versions, each strictly lower than the next,
// following NuGet.Client's VersionComparer.
var ascending = []string{
	"0.0.0",
	"0.0.1-alpha",
	"0.0.1",
	"0.1.0",
	"1.0.0--1", // "-1" is numeric (-1) for .NET's int.TryParse
	"1.0.0-0",
	"1.0.0-1",
	"1.0.0-2",
	"1.0.0-10",
	"1.0.0-99",
	"1.0.0-2147483647",
	"1.0.0-2147483648", // beyond Int32: not numeric, so after every number
	"1.0.0-alpha",
	"1.0.0-alpha.1",
	"1.0.0-alpha.beta",
	"1.0.0-beta",
	"1.0.0-beta.2",
	"1.0.0-beta.11",
	"1.0.0-beta.x",
	"1.0.0-beta-2",
	"1.0.0-rc.1",
	"1.0.0",
	"1.0.0.1",
	"1.0.0.2",
	"1.0.1-a",
	"1.0.1",
	"1.1",
	"2.0.0.0-alpha",
	"2.0",
	"10.0.0",
}

func TestCompareChain(t *testing.T) {
	chain := ascending
	vs := mustVersions(t, chain...)
	for i := range vs {
		for j := range vs {
			want := sign(i - j)
			t.Run(fmt.Sprintf("%s_vs_%s", chain[i], chain[j]), func(t *testing.T) {
				if got := vs[i].Compare(vs[j]); got != want {
					t.Errorf("Compare(%s, %s) = %d, want %d", chain[i], chain[j], got, want)
				}
				if got := vs[i].Equal(vs[j]); got != (want == 0) {
					t.Errorf("Equal(%s, %s) = %v", chain[i], chain[j], got)
				}
			})
		}
	}
}

func TestCompareOverflowLabels(t *testing.T) {
	// Labels beyond Int32 are not numeric for NuGet: they sort after every
	// numeric label and among themselves as case-insensitive text.
	tests := []struct {
		a, b string
		want int
	}{
		{"1.0.0-99", "1.0.0-2147483648", -1},
		{"1.0.0-2147483648", "1.0.0-alpha", -1},
		{"1.0.0-9999999999", "1.0.0-10000000000", 1}, // text order, not numeric
		{"1.0.0-2147483647", "1.0.0-2147483648", -1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			a, b := mustVersion(t, tt.a), mustVersion(t, tt.b)
			if got := a.Compare(b); got != tt.want {
				t.Errorf("Compare = %d, want %d", got, tt.want)
			}
			if got := b.Compare(a); got != -tt.want {
				t.Errorf("reverse Compare = %d, want %d", got, -tt.want)
			}
		})
	}
}

func TestEqual(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{"1.0.0-BETA", "1.0.0-beta", true},
		{"1.0.0-Beta.RC", "1.0.0-bEtA.rc", true},
		{"1.0.0+abc", "1.0.0+def", true},
		{"1.0.0+abc", "1.0.0", true},
		{"1.0", "1.0.0.0", true},
		{"1", "1.0.0", true},
		{"01.002.0003", "1.2.3", true},
		{"1.0.0-beta+x", "1.0.0-BETA+y", true},
		{"1.0.0-beta", "1.0.0-beta.0", false},
		{"1.0.0-beta", "1.0.0", false},
		{"1.0.0.1", "1.0.0", false},
		{"1.0.0--0", "1.0.0-0", false}, // same number, different text: different versions
		{"1.0.0--01", "1.0.0--1", false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"_vs_"+tt.b, func(t *testing.T) {
			a, b := mustVersion(t, tt.a), mustVersion(t, tt.b)
			if a.Equal(b) != tt.equal || b.Equal(a) != tt.equal {
				t.Errorf("Equal = %v/%v, want %v", a.Equal(b), b.Equal(a), tt.equal)
			}
			if sameText := strings.EqualFold(a.String(), b.String()); sameText != tt.equal {
				t.Errorf("EqualFold(String) = %v, want %v", sameText, tt.equal)
			}
		})
	}
}

func TestCompareNumericTieBreak(t *testing.T) {
	// NuGet compares "-0" and "0" as the same number; Compare orders them by
	// text so that Compare and Equal agree with the normalized strings.
	a, b := mustVersion(t, "1.0.0--0"), mustVersion(t, "1.0.0-0")
	if a.Compare(b) == 0 || a.Compare(b) != -b.Compare(a) {
		t.Errorf("Compare(--0, -0) = %d, reverse %d", a.Compare(b), b.Compare(a))
	}
	if c := mustVersion(t, "1.0.0-1"); a.Compare(c) >= 0 || b.Compare(c) >= 0 {
		t.Errorf("0-valued labels must sort before 1")
	}
}

func TestZeroVersion(t *testing.T) {
	var v Version
	if v.String() != "0.0.0" || v.Full() != "0.0.0" || v.IsPrerelease() || v.IsSemVer2() {
		t.Errorf("zero Version = %q/%q", v.String(), v.Full())
	}
	if !v.Equal(mustVersion(t, "0.0")) {
		t.Errorf("zero Version != 0.0")
	}
}
