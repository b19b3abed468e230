package registry

import "testing"

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, id string
		want        bool
	}{
		{"contoso.*", "contoso.widget", true},
		{"contoso.*", "contoso.", true},
		{"contoso.*", "contoso", false},
		{"contoso.*", "contosoo.widget", false},
		{"*", "anything", true},
		{"*.core", "contoso.core", true},
		{"*.core", "contoso.core.extra", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"exact.id", "exact.id", true},
		{"exact.id", "exact.id2", false},
		{"**", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"~"+tc.id, func(t *testing.T) {
			if got := globMatch(tc.pattern, tc.id); got != tc.want {
				t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.id, got, tc.want)
			}
		})
	}
}

func TestMatchGlobsIgnoresCase(t *testing.T) {
	if !matchGlobs([]string{"Contoso.*"}, "CONTOSO.Widget") {
		t.Error("globs must match IDs case-insensitively")
	}
	if !matchGlobs(nil, "Any.Thing") {
		t.Error("no globs must match every ID")
	}
	if matchGlobs([]string{"A.*", "B.*"}, "C.x") {
		t.Error("C.x matched A.* or B.*")
	}
}

func TestNormalizeGlobs(t *testing.T) {
	if _, err := normalizeGlobs([]string{"Contoso.*", " Other.Lib "}); err != nil {
		t.Errorf("valid globs refused: %v", err)
	}
	for _, bad := range []string{"a/b", "a b", "a?", "[abc]"} {
		if _, err := normalizeGlobs([]string{bad}); err == nil {
			t.Errorf("glob %q accepted", bad)
		}
	}
}
