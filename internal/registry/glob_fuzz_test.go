package registry

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wharf-registry/wharf/internal/fuzzseed"
)

// FuzzMatchGlobs compares the glob matcher that scopes API keys with a
// regular expression, the obvious and slow reference: a key limited to
// "Contoso.*" must push exactly the IDs the expression ^contoso\..*$
// matches, ignoring case. Its seeds are testdata/fuzz/FuzzMatchGlobs.
func FuzzMatchGlobs(f *testing.F) {
	f.Fuzz(func(t *testing.T, glob, id string) {
		got := matchGlobs([]string{glob}, id)
		if !utf8.ValidString(glob) || !utf8.ValidString(id) || strings.TrimSpace(glob) == "" {
			return // the reference matches runes; keys never hold such globs
		}
		expr := "(?s)^" + strings.ReplaceAll(regexp.QuoteMeta(strings.ToLower(glob)), `\*`, ".*") + "$"
		re, err := regexp.Compile(expr)
		if err != nil {
			return // too long or too many repetitions for the reference
		}
		if want := re.MatchString(strings.ToLower(id)); got != want {
			t.Fatalf("matchGlobs(%q, %q) = %v, but %s says %v", glob, id, got, expr, want)
		}
	})
}

// TestFuzzSeeds keeps testdata/fuzz in step with the seeds below; run it
// with -update-seeds after changing them.
func TestFuzzSeeds(t *testing.T) {
	S := fuzzseed.S
	fuzzseed.Check(t, "FuzzMatchGlobs",
		S("prefix", "Contoso.*", "contoso.widget"), S("prefix-no-dot", "Contoso.*", "ContosoWidget"),
		S("star", "*", "Any.Thing"), S("middle", "Contoso.*.Core", "Contoso.Core"),
		S("several-stars", "a*b*c", "aXbYbc"), S("stars-only", "**", ""), S("exact-case", "CONTOSO.WIDGET", "contoso.Widget"),
		S("backtracking", "a*a*a*a*a*a*b", strings.Repeat("a", 200)), S("suffix", "*.Tests", "Contoso.Tests.Helpers"),
		S("regexp-metacharacters", "a.b", "aXb"))
}
