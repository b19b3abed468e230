package nuget

import (
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/fuzzseed"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestFuzzSeeds keeps testdata/fuzz in step with the seeds below: valid
// inputs, near-valid ones and each hostile case the fuzz targets must
// refuse. Run it with -update-seeds after changing them.
func TestFuzzSeeds(t *testing.T) {
	S := fuzzseed.S
	fuzzseed.Check(t, "FuzzParseVersion",
		S("two-parts", "1.0"), S("leading-zeros", "01.02.03"), S("prerelease-and-metadata", "1.0.0-Beta.1+sha"),
		S("four-parts", "1.2.3.4"), S("metadata-only", "1.0.7+r3456"), S("over-int32", "2147483648.0.0"),
		S("numeric-label-leading-zero", "1.0.0-01"), S("dash-label", "1.0.0--0"), S("label-over-int32", "1.0.0-2147483648"),
		S("surrounding-space", " 1.0 "), S("empty-metadata-part", "1.0.0+a..b"), S("negative", "-1.0"),
		S("five-parts", "1.0.0.0.0"), S("path-traversal", "1.0.0/../../x"), S("dot-dot", ".."),
		S("backslash", `1.0.0\x`), S("encoded-slash", "1.0.0%2F.."), S("nul", "1.0.0\x00"),
		S("fullwidth-digit", "１.0.0"), S("invalid-utf8-label", "1.0.0-\xff"), S("long-number", strings.Repeat("9", 400)),
		S("many-labels", "1.0.0-"+strings.Repeat("a.", 200)+"a"))
	fuzzseed.Check(t, "FuzzParseRange",
		S("bare", "1.0"), S("half-open", "[1.0,2.0)"), S("at-most", "(,1.0]"), S("exact", "[1.0]"), S("above", "(1.0,)"),
		S("exclusive-single", "(1.0)"), S("inverted", "[2.0,1.0]"), S("unbounded", "(, )"), S("unbounded-inclusive", "[ , ]"),
		S("floating", "1.*"), S("empty-exclusive", "(1.0, 1.0)"), S("metadata-bound", "[1.0-beta+x, 2)"),
		S("unterminated", "[1.0,2.0"), S("two-commas", "[1,2,3]"), S("bracket-only", "["),
		S("path-in-bound", "[1.0/../x, )"), S("prerelease-bounds", "[1.0.0-alpha, 1.0.0-beta]"))
	fuzzseed.Check(t, "FuzzParseManifest",
		S("dotnet-pack", packNuspec),
		S("dependency", nuspecWith(`<dependencies><dependency id="A" version="[1.0]"/></dependencies>`)),
		S("license-expression", nuspecWith(`<license type="expression">(MIT OR Apache-2.0) AND BSD-3-Clause</license>`)),
		S("utf16", string(utf16Bytes(nuspecWith(""), false))),
		S("doctype", `<!DOCTYPE x [<!ENTITY a "b">]><package/>`),
		S("billion-laughs", nugettest.BillionLaughs), S("external-entity", nugettest.ExternalEntity),
		S("invalid-utf8-description", strings.Replace(nuspecWith(""), "Desc", "D\xffesc", 1)),
		S("invalid-utf8-id", strings.Replace(nuspecWith(""), "Test.Pkg", "Test\xc0.Pkg", 1)),
		S("id-path-traversal", strings.Replace(nuspecWith(""), "Test.Pkg", "../../etc/passwd", 1)),
		S("id-backslash", strings.Replace(nuspecWith(""), "Test.Pkg", `Test\Pkg`, 1)),
		S("version-path", strings.Replace(nuspecWith(""), "1.0.0", "1.0.0/../../x", 1)),
		S("deep-nesting", "<package>"+strings.Repeat("<a>", 2000)+strings.Repeat("</a>", 2000)+"</package>"),
		S("paths", nuspecWith(`<readme>docs\..\README.md</readme><icon>/abs/icon.png</icon>`)))
	nuspec := minimalNuspec("")
	fuzzseed.Check(t, "FuzzOpenPackage",
		S("readme-and-icon", nugettest.Spec{ID: "Seed.One", Version: "1.0.0", Readme: []byte("# r"), Icon: nugettest.PNG}.Build()),
		S("dependencies", nugettest.Spec{ID: "Seed.Two", Version: "2.0.0-rc.1", License: "MIT",
			Dependencies: map[string][]nugettest.Dep{"net8.0": {{ID: "A", Range: "[1.0, 2.0)"}}}}.Build()),
		S("license-file", nugettest.Zip(nugettest.Entry{Name: "a.nuspec", Data: []byte(minimalNuspec(`<license type="file">LICENSE</license>`))},
			nugettest.Entry{Name: "LICENSE", Data: []byte("MIT")})),
		S("empty-zip", []byte("PK\x05\x06"+strings.Repeat("\x00", 18))),
		S("zip-slip", entries(nuspec, "../evil")), S("absolute", entries(nuspec, "/etc/passwd")),
		S("drive-letter", entries(nuspec, `C:\Windows\evil.dll`)), S("backslash-traversal", entries(nuspec, `lib\..\..\evil`)),
		S("encoded-traversal", entries(nuspec, "%2e%2e/evil")),
		S("duplicate-nuspec-case", entries(nuspec, "A.NUSPEC")),
		S("escaped-manifest", nugettest.Zip(nugettest.Entry{Name: "lib%2FX.nuspec", Data: []byte(nuspec)},
			nugettest.Entry{Name: "X%2Enuspec", Data: []byte(minimalNuspec(`<dependencies><dependency id="Evil"/></dependencies>`))})),
		S("escaped-backslash", entries(nuspec, "lib%5Cx.dll")), S("escapes-not-utf8", entries(nuspec, "a%FF.txt")),
		S("nfc-nfd-collision", nugettest.Zip(nugettest.Entry{Name: "a.nuspec", Data: []byte(nuspec)},
			nugettest.Entry{Name: "caf\u00e9.txt"}, nugettest.Entry{Name: "cafe\u0301.txt"})),
		S("nested-nuspec-only", nugettest.Zip(nugettest.Entry{Name: "content/a.nuspec", Data: []byte(nuspec)})),
		S("two-nuspecs", entries(nuspec, "b.nuspec")),
		S("nuspec-bomb-lying-size", nugettest.Zip(nugettest.Entry{Name: "a.nuspec", Zeros: 1 << 20, Declared: 600})),
		S("bomb-declared-3gib", nugettest.Zip(nugettest.Entry{Name: "a.nuspec", Data: []byte(nuspec)},
			nugettest.Entry{Name: "lib/bomb.dll", Zeros: 1 << 20, Declared: 3 << 30})))
	fuzzseed.Check(t, "FuzzOpenPackageEntries",
		S("readme", "a.nuspec", "README.md", `<readme>README.md</readme>`, "# r"),
		S("icon-backslash", "A.NUSPEC", `img\icon.png`, `<icon>img/icon.png</icon>`, string(nugettest.PNG)),
		S("encoded-traversal", "x.nuspec", "%2e%2e/evil", `<license type="file">LICENSE</license>`, "MIT"),
		S("nested-nuspec", "sub/x.nuspec", "x.nuspec", ``, ""),
		S("zip-slip", "a.nuspec", "../../evil", ``, "x"), S("absolute", "a.nuspec", "/abs", ``, "x"),
		S("drive-letter", "a.nuspec", `C:\x`, ``, "x"), S("duplicate-nuspec", "a.nuspec", "A.nuspec", ``, "x"),
		S("readme-outside", "a.nuspec", "README.md", `<readme>../README.md</readme>`, "# r"),
		S("escaped-manifest", "lib%2FX.nuspec", "X%2Enuspec", ``, ""),
		S("escaped-dot-manifest", "a.nuspec", "b%2Enuspec", ``, ""),
		S("long-s-nuspec", "a.nuspec", "b.nu\u017fpec", ``, ""),
		S("long-s-collision", "a.nuspec", "A.NU\u017fPEC", ``, ""))
}

// entries is an archive of a nuspec at the root and one empty entry named
// other.
func entries(nuspec, other string) []byte {
	return nugettest.Zip(nugettest.Entry{Name: "a.nuspec", Data: []byte(nuspec)}, nugettest.Entry{Name: other})
}
