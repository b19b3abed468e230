package nuget

import (
	"errors"
	"strings"
	"testing"
)

func TestParseManifestInvalid(t *testing.T) {
	base := func(id, version, authors, description string) string {
		return `<package><metadata><id>` + id + `</id><version>` + version + `</version><authors>` + authors +
			`</authors><description>` + description + `</description></metadata></package>`
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct{ name, xml, msg string }{
		// required fields
		{"missing id", `<package><metadata><version>1.0.0</version><authors>a</authors><description>d</description></metadata></package>`,
			"The nuspec has no <id>: add the package ID to <metadata>"},
		{"blank id", base(" ", "1.0.0", "a", "d"), "The nuspec has no <id>"},
		{"missing version", `<package><metadata><id>A</id><authors>a</authors><description>d</description></metadata></package>`,
			"The nuspec has no <version>"},
		{"missing description", base("A", "1.0.0", "a", "  "), "The nuspec has no <description>: add a short description"},
		{"missing authors", base("A", "1.0.0", "", "d"), "The nuspec has no <authors>"},
		{"invalid id", base("a..b", "1.0.0", "a", "d"), "The package ID 'a..b' is invalid"},
		{"non-ASCII id", base("Ünïcode", "1.0.0", "a", "d"), "IDs contain ASCII letters"},
		{"invalid version", base("A", "1.0.0.0.0", "a", "d"),
			"The nuspec's <version> is invalid: '1.0.0.0.0' is not a valid NuGet version: it has more than four numeric parts."},
		// lengths
		{"version too long", base("A", "1.0.0-"+long(60), "a", "d"), "is longer than 64 characters"},
		{"description too long", base("A", "1.0.0", "a", long(4001)), "The nuspec's <description> has 4001 characters; the limit is 4000. Shorten it."},
		{"authors too long", base("A", "1.0.0", long(4001), "d"), "<authors> has 4001 characters"},
		{"title too long", nuspecWith("<title>" + long(257) + "</title>"), "<title> has 257 characters; the limit is 256"},
		{"summary too long", nuspecWith("<summary>" + long(4001) + "</summary>"), "<summary> has 4001"},
		{"tags too long", nuspecWith("<tags>" + long(4001) + "</tags>"), "<tags> has 4001"},
		{"release notes too long", nuspecWith("<releaseNotes>" + long(35001) + "</releaseNotes>"), "<releaseNotes> has 35001 characters; the limit is 35000"},
		{"language too long", nuspecWith("<language>" + long(21) + "</language>"), "<language> has 21"},
		{"UTF-16 length", nuspecWith("<title>" + strings.Repeat("😀", 129) + "</title>"), "<title> has 258 characters"},
		// structure
		{"duplicate id", nuspecWith("<id>B</id>"), "The nuspec has more than one <id> element; keep one."},
		{"duplicate dependencies", nuspecWith("<dependencies/><dependencies/>"), "more than one <dependencies>"},
		{"element inside text", nuspecWith("<summary>a<b>c</b></summary>"), "The nuspec's <summary> element may contain only text"},
		{"wrong root", `<nuspec><metadata/></nuspec>`, "The nuspec's root element is <nuspec>; it must be <package>."},
		{"no metadata", `<package><files/></package>`, "The nuspec has no <metadata> element"},
		{"two metadata", `<package><metadata/><metadata/></package>`, "more than one <metadata> element"},
		{"not XML", `this is not xml`, "The nuspec has no XML elements: it is empty or not XML."},
		{"empty", ``, "The nuspec has no XML elements"},
		{"truncated", `<package><metadata><id>A</id>`, "The nuspec is not well-formed XML: line 1: unexpected EOF."},
		{"mismatched tags", `<package><metadata></package>`, "The nuspec is not well-formed XML"},
		{"two roots", `<package/><package/>`, "it has more than one root element"},
		{"undefined entity", nuspecWith(`<title>&nbsp;</title>`), "The nuspec is not well-formed XML"},
		// security
		{"doctype", `<?xml version="1.0"?><!DOCTYPE package><package/>`, "The nuspec contains a <!DOCTYPE> or other <!...> declaration"},
		{"entity expansion", `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><package><metadata><id>&lol2;</id></metadata></package>`,
			"may not declare a DOCTYPE or entities"},
		{"external entity", `<!DOCTYPE package [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><package>&xxe;</package>`, "DOCTYPE"},
		{"invalid UTF-8", nuspecWith("<title>\xff\xfe</title>"), "The nuspec is not valid UTF-8 text"},
		{"odd UTF-16", "\xff\xfe<\x00p", "The nuspec is not valid UTF-16 text"},
		{"unpaired surrogate", string(append([]byte{0xFF, 0xFE}, 0x00, 0xD8, '<', 0)), "The nuspec is not valid UTF-16 text"},
		{"unsupported encoding", `<?xml version="1.0" encoding="windows-1252"?>` + nuspecWith(""), "The nuspec declares the encoding 'windows-1252', which is not supported; save it as UTF-8."},
		// URLs
		{"relative projectUrl", nuspecWith("<projectUrl>/contoso</projectUrl>"), "The nuspec's <projectUrl> '/contoso' is not an absolute http:// or https:// URL."},
		{"javascript iconUrl", nuspecWith("<iconUrl>javascript:alert(1)</iconUrl>"), "<iconUrl> 'javascript:alert(1)' is not an absolute"},
		{"ftp licenseUrl", nuspecWith("<licenseUrl>ftp://example.com/l</licenseUrl>"), "<licenseUrl>"},
		{"bad repository url", nuspecWith(`<repository type="git" url="file:///c/repo"/>`), "<repository url> 'file:///c/repo' is not an absolute http(s), git or ssh URL."},
		{"repository type too long", nuspecWith(`<repository type="` + long(101) + `"/>`), "<repository type> has 101 characters"},
		// license
		{"license type", nuspecWith(`<license type="url">https://x</license>`), `The nuspec's <license> has type 'url'; it must be "expression"`},
		{"license without type", nuspecWith(`<license>MIT</license>`), "has type ''"},
		{"empty license", nuspecWith(`<license type="expression"> </license>`), "The nuspec's <license> is empty"},
		{"license version", nuspecWith(`<license type="expression" version="2.0.0">MIT</license>`), "only license expression version 1.0.0 is supported"},
		{"license syntax", nuspecWith(`<license type="expression">MIT and Apache-2.0</license>`), "The nuspec's license expression 'MIT and Apache-2.0' is not valid"},
		{"license parens", nuspecWith(`<license type="expression">(MIT OR Apache-2.0</license>`), "is not valid"},
		{"license too long", nuspecWith(`<license type="expression">` + long(501) + `</license>`), "<license> has 501 characters; the limit is 500"},
		{"license children", nuspecWith(`<license type="expression"><b>MIT</b></license>`), "<license> element may contain only text"},
		// package types
		{"package type without name", nuspecWith(`<packageTypes><packageType/></packageTypes>`), "A <packageType> in the nuspec has no name attribute"},
		{"package type bad name", nuspecWith(`<packageTypes><packageType name="a b"/></packageTypes>`), "The package type name 'a b' is invalid: names contain"},
		{"package type bad version", nuspecWith(`<packageTypes><packageType name="T" version="x"/></packageTypes>`), "The nuspec's package type 'T' has an invalid version"},
		// dependencies
		{"dependency without id", nuspecWith(`<dependencies><dependency version="1.0"/></dependencies>`), "A dependency for any framework in the nuspec has no id attribute."},
		{"dependency bad id", nuspecWith(`<dependencies><group targetFramework="net8.0"><dependency id="a..b"/></group></dependencies>`), "The dependency ID 'a..b' is invalid: IDs contain letters, digits"},
		{"dependency bad range", nuspecWith(`<dependencies><dependency id="D" version="(1.0)"/></dependencies>`), "The nuspec's dependency on 'D' has an invalid version: '(1.0)' is not a valid version range"},
		{"dependency floating", nuspecWith(`<dependencies><dependency id="D" version="1.*"/></dependencies>`), "floating versions"},
		{"dependency metadata", nuspecWith(`<dependencies><dependency id="D" version="[1.0.0+abc, )"/></dependencies>`), "has build metadata ('+...') in its version range"},
		{"duplicate dependency", nuspecWith(`<dependencies><group><dependency id="D"/><dependency id="d" version="1.0"/></group></dependencies>`), "The nuspec lists the dependency 'd' more than once for any framework"},
		{"dependency range too long", nuspecWith(`<dependencies><dependency id="D" version="` + strings.Repeat(" ", 200) + "1.0.0-" + long(257) + `"/></dependencies>`), "has a version range of 263 characters"},
		{"bad minClientVersion", `<package><metadata minClientVersion="abc"><id>A</id><version>1.0.0</version><authors>a</authors><description>d</description></metadata></package>`,
			"The nuspec's minClientVersion is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest(strings.NewReader(tt.xml))
			if err == nil {
				t.Fatalf("ParseManifest = %+v, want an error", m)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T (%v) is not a *ValidationError", err, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error = %q\nwant it to contain %q", err, tt.msg)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

func TestParseManifestTooLarge(t *testing.T) {
	doc := nuspecWith("<!--" + strings.Repeat("x", DefaultMaxNuspecBytes) + "-->")
	_, err := ParseManifest(strings.NewReader(doc))
	var ve *ValidationError
	if !errors.Is(err, ErrTooLarge) || !errors.As(err, &ve) {
		t.Fatalf("ParseManifest(huge) = %v, want ErrTooLarge and *ValidationError", err)
	}
	if err.Error() != "The nuspec is larger than the 1 MiB limit." {
		t.Errorf("error = %q", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseManifestReadError(t *testing.T) {
	_, err := ParseManifest(failingReader{})
	var ve *ValidationError
	if err == nil || errors.As(err, &ve) {
		t.Errorf("ParseManifest(failing reader) = %v, want the read error as is", err)
	}
}

func TestValidLicenseExpression(t *testing.T) {
	tests := []struct {
		expr  string
		valid bool
	}{
		{"MIT", true},
		{"Apache-2.0", true},
		{"GPL-2.0+", true},
		{"MIT OR Apache-2.0", true},
		{"(MIT OR Apache-2.0) AND BSD-3-Clause", true},
		{"GPL-3.0-or-later WITH GCC-exception-3.1", true},
		{"((MIT))", true},
		{"LicenseRef-Contoso.1", true},
		{"MIT and Apache-2.0", false}, // operators are upper case
		{"MIT OR", false},
		{"OR MIT", false},
		{"MIT WITH", false},
		{"WITH MIT", false},
		{"MIT Apache-2.0", false},
		{"()", false},
		{"(MIT", false},
		{"MIT)", false},
		{"MIT@1", false},
		{"MÏT", false},
		{"", false},
		{strings.Repeat("(", 40) + "MIT" + strings.Repeat(")", 40), false}, // nesting is bounded
	}
	for _, tt := range tests {
		t.Run(short(tt.expr), func(t *testing.T) {
			if got := validLicenseExpression(tt.expr); got != tt.valid {
				t.Errorf("validLicenseExpression(%q) = %v, want %v", tt.expr, got, tt.valid)
			}
		})
	}
}
