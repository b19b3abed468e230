package web

import (
	"fmt"
	"testing"
)

func TestRangeText(t *testing.T) {
	for in, want := range map[string]string{
		"":                "any version",
		"(, )":            "any version",
		"[1.0.0, )":       "≥ 1.0.0",
		"(1.0.0, )":       "> 1.0.0",
		"[1.0.0, 2.0.0)":  "≥ 1.0.0 && < 2.0.0",
		"(, 3.0.0]":       "≤ 3.0.0",
		"[1.2.3, 1.2.3]":  "= 1.2.3",
		"not a range (((": "not a range (((",
	} {
		if got := rangeText(in); got != want {
			t.Errorf("rangeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSPDXLinks(t *testing.T) {
	for in, want := range map[string]string{
		"MIT":                                   "[{MIT https://spdx.org/licenses/MIT.html}]",
		"(MIT OR Apache-2.0)":                   "[{( } {MIT https://spdx.org/licenses/MIT.html} {OR } {Apache-2.0 https://spdx.org/licenses/Apache-2.0.html} {) }]",
		"GPL-2.0+ WITH Classpath-exception-2.0": "[{GPL-2.0+ https://spdx.org/licenses/GPL-2.0.html} {WITH } {Classpath-exception-2.0 https://spdx.org/licenses/Classpath-exception-2.0.html}]",
		"LicenseRef-Contoso":                    "[{LicenseRef-Contoso }]",
		"<odd>":                                 "[{<odd> }]",
	} {
		if got := fmt.Sprint(spdxLinks(in)); got != want {
			t.Errorf("spdxLinks(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4200: "-4,200"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	if got := shorten("one two  three\nfour", 12); got != "one two…" {
		t.Errorf("shorten = %q", got)
	}
	if got := shorten("short", 12); got != "short" {
		t.Errorf("shorten = %q", got)
	}
	for u, want := range map[string]string{"https://x.example/a": "https://x.example/a", "javascript:alert(1)": "", "/relative": "", "ftp://x.example": ""} {
		if got := webURL(u); got != want {
			t.Errorf("webURL(%q) = %q, want %q", u, got, want)
		}
	}
}
