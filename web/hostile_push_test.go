package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestHostilePackages pushes packages built to attack the server: zip
// bombs, entries that escape the package folder, duplicate and misplaced
// nuspecs, nuspecs that attack the XML parser or carry invalid text, and
// IDs and versions with path separators. Each must get a 4xx that says
// what is wrong, and store nothing.
func TestHostilePackages(t *testing.T) {
	f := newFeed(t)
	f.mustPush(widget("1.0.0"))
	before := f.stored()
	e := func(name string, data string) nugettest.Entry { return nugettest.Entry{Name: name, Data: []byte(data)} }
	spec := nugettest.Spec{ID: "Hostile.Pkg", Version: "1.0.0"}
	nuspec := spec.Nuspec()
	withNuspec := func(entries ...nugettest.Entry) []byte {
		return nugettest.Zip(append([]nugettest.Entry{e("Hostile.Pkg.nuspec", nuspec)}, entries...)...)
	}
	nuspecOnly := func(doc string) []byte { return nugettest.Zip(e("Hostile.Pkg.nuspec", doc)) }
	field := func(old, new string) []byte { return nuspecOnly(strings.Replace(nuspec, old, new, 1)) }
	tests := []struct {
		name   string
		pkg    []byte
		status int
		says   string
	}{
		{"zip bomb: 3 MB expanding to 3 GiB", withNuspec(nugettest.Entry{Name: "lib/a.dll", Zeros: 1 << 30},
			nugettest.Entry{Name: "lib/b.dll", Zeros: 1 << 30}, nugettest.Entry{Name: "lib/c.dll", Zeros: 1 << 30}),
			400, "The package's files add up to more than 2 GiB uncompressed, the limit."},
		{"nuspec bomb declaring its size", nugettest.Zip(nugettest.Entry{Name: "Hostile.Pkg.nuspec", Zeros: 1 << 30}),
			400, "The package's nuspec 'Hostile.Pkg.nuspec' is larger than the 1 MiB limit."},
		{"nuspec bomb hiding its size", nugettest.Zip(nugettest.Entry{Name: "Hostile.Pkg.nuspec", Zeros: 1 << 30, Declared: 900}),
			400, "the entry 'Hostile.Pkg.nuspec' is damaged"},
		{"readme bomb", nugettest.Zip(e("Hostile.Pkg.nuspec", strings.Replace(nuspec, "</metadata>", "<readme>README.md</readme></metadata>", 1)),
			nugettest.Entry{Name: "README.md", Zeros: 64 << 20, Declared: 100}), 400, "the entry 'README.md' is damaged"},
		{"zip bomb hiding its size in a library", withNuspec(nugettest.Entry{Name: "lib/a.dll", Zeros: 1 << 30, Declared: 100}),
			400, "The package's entry 'lib/a.dll' expands to more than the 100 bytes its zip header declares: the package is damaged or a zip bomb."},
		{"damaged library", damaged(withNuspec(nugettest.Entry{Name: "lib/a.dll", Zeros: 1 << 20})), 400, "the entry 'lib/a.dll' is damaged"},
		{"70,000 entries", nugettest.Zip(append([]nugettest.Entry{e("Hostile.Pkg.nuspec", nuspec)}, nugettest.ManyEntries(70000)...)...),
			400, "The package has too many files: a .nupkg may have at most 65534 zip entries."},
		{"entry ../x", withNuspec(e("../x", "x")), 400, "The package contains the entry '../x', which points outside the package"},
		{"entry /abs", withNuspec(e("/etc/cron.d/x", "x")), 400, "an absolute path; entry names must be relative to the package root"},
		{`entry C:\x`, withNuspec(e(`C:\Windows\x.dll`, "x")), 400, "an absolute path"},
		{"entry with backslashes", withNuspec(e(`lib\..\..\x`, "x")), 400, "points outside the package"},
		{"entry %2e%2e/x", withNuspec(e("%2e%2e/x", "x")), 400, "points outside the package"},
		{"duplicate entry", withNuspec(e("lib/a.dll", "a"), e("lib/a.dll", "b")), 400, "The package contains the file 'lib/a.dll' more than once"},
		{"nuspec twice, in other case", withNuspec(e("HOSTILE.PKG.NUSPEC", nuspec)), 400, "more than once (names are compared case-insensitively)"},
		{"nuspec in a folder only", nugettest.Zip(e("content/Hostile.Pkg.nuspec", nuspec)), 400, "The package has no .nuspec file at its root"},
		{"two nuspecs", withNuspec(e("Other.nuspec", nuspec)), 400, "The package has 2 .nuspec files at its root"},
		{"manifest hidden behind percent escapes", nugettest.Zip(e("lib%2FHostile.Pkg.nuspec", nuspec),
			e("Hostile.Pkg%2Enuspec", strings.Replace(nuspec, "</metadata>", `<dependencies><dependency id="Evil.Payload" version="1.0.0"/></dependencies></metadata>`, 1))),
			400, "The package contains the entry 'lib%2FHostile.Pkg.nuspec', which NuGet clients read as 'lib/Hostile.Pkg.nuspec'"},
		{"manifest made by a percent escape", withNuspec(e("Hostile.Pkg%2Enuspec", nuspec)),
			400, "The package contains the entry 'Hostile.Pkg%2Enuspec', which NuGet clients read as 'Hostile.Pkg.nuspec'; one of those names is a .nuspec at the package root and the other is not"},
		{"escaped folder separator", withNuspec(e(`lib%5Cx.dll`, "x")), 400, `which NuGet clients read as 'lib\x.dll': its name has an escaped '/' or '\' (%2F, %5C)`},
		{"names equal under NFC", withNuspec(e("content/caf\u00e9.txt", "a"), e("content/cafe\u0301.txt", "b")),
			400, "whose names differ only in Unicode normalization or case; they would be the same file on macOS and Windows"},
		{"names equal under case folding", withNuspec(e("content/\u017f.txt", "a"), e("content/S.txt", "b")), 400, "differ only in Unicode normalization or case"},
		{"huge nuspec", field("</metadata>", "<!-- "+strings.Repeat("x", 2<<20)+" --></metadata>"), 400, "is larger than the 1 MiB limit"},
		{"billion laughs", nuspecOnly(nugettest.BillionLaughs), 400, "nuspec files may not declare a DOCTYPE or entities"},
		{"external entity", nuspecOnly(nugettest.ExternalEntity), 400, "nuspec files may not declare a DOCTYPE or entities"},
		{"invalid UTF-8 in the description", field("A test package.", "A test \xff\xfe package."), 400, "The nuspec is not valid UTF-8 text; save it as UTF-8."},
		{"invalid UTF-8 in the ID", field("<id>Hostile.Pkg", "<id>Hostile\xc0.Pkg"), 400, "The nuspec is not valid UTF-8 text"},
		{"ID with a slash", field("<id>Hostile.Pkg", "<id>Hostile/../../Pkg"), 400, "The package ID 'Hostile/../../Pkg' is invalid"},
		{"ID with a backslash", field("<id>Hostile.Pkg", `<id>..\Hostile`), 400, `The package ID '..\Hostile' is invalid`},
		{"ID ..", field("<id>Hostile.Pkg", "<id>.."), 400, "The package ID '..' is invalid"},
		{"version with a slash", field("<version>1.0.0", "<version>1.0.0/../../x"), 400, "The nuspec's <version> is invalid"},
		{"version with %2F", field("<version>1.0.0", "<version>1.0.0%2F.."), 400, "The nuspec's <version> is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			res := f.push(f.key, tc.pkg)
			wantRefused(t, res, tc.status, tc.says)
			t.Logf("%d bytes refused in %v", len(tc.pkg), time.Since(start).Round(time.Millisecond))
			f.unchanged(t, before)
		})
	}
}

// damaged flips a byte in the middle of a package, inside the data of its
// largest entry, leaving the zip structure intact.
func damaged(pkg []byte) []byte {
	out := append([]byte(nil), pkg...)
	out[len(out)/2] ^= 0xff
	return out
}
