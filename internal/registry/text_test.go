package registry_test

import (
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
)

func TestEscapeText(t *testing.T) {
	for in, want := range map[string]string{
		"plain café ✓":             "plain café ✓",
		"a\nb\tc\rd":               `a\nb\tc\rd`,
		"\x1b[31mred\x07\x7f":      `\x1b[31mred\x07\x7f`,
		"c1 \u0085\u009b":          `c1 \u0085\u009b`,
		"rlo \u202eevil\u202c":     `rlo \u202eevil\u202c`,
		"iso \u2066x\u2069":        `iso \u2066x\u2069`,
		"marks \u200e\u200f\u061c": `marks \u200e\u200f\u061c`,
		"sep \u2028\u2029":         `sep \u2028\u2029`,
		"bad \xff utf-8":           `bad \xff utf-8`,
	} {
		if got := registry.EscapeText(in); got != want {
			t.Errorf("EscapeText(%q) = %q, want %q", in, got, want)
		}
	}
}
