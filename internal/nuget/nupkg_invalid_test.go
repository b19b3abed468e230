package nuget

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

func TestOpenPackageInvalid(t *testing.T) {
	ns := minimalNuspec("")
	withNuspec := func(extra string, files map[string]string) []byte {
		files["Contoso.Widget.nuspec"] = minimalNuspec(extra)
		return zipOf(t, files)
	}
	big := strings.Repeat("#", 1<<20+1)
	tests := []struct {
		name     string
		data     []byte
		msg      string
		tooLarge bool
	}{
		{"not a zip", []byte("this is not a zip file at all"), "The package is not a valid .nupkg (zip) file: its zip directory is missing or damaged.", false},
		{"empty file", nil, "The package is not a valid .nupkg (zip) file", false},
		{"truncated zip", zipOf(t, map[string]string{"a.nuspec": ns})[:40], "not a valid .nupkg (zip) file", false},
		{"no nuspec", zipOf(t, map[string]string{"lib/a.dll": "MZ"}), "The package has no .nuspec file at its root; a .nupkg must contain exactly one", false},
		{"nested nuspec only", zipOf(t, map[string]string{"content/a.nuspec": ns}), "has no .nuspec file at its root", false},
		{"backslash-nested nuspec only", zipOf(t, map[string]string{`content\a.nuspec`: ns}), "has no .nuspec file at its root", false},
		{"two root nuspecs", zipOf(t, map[string]string{"a.nuspec": ns, "B.NUSPEC": ns}), "The package has 2 .nuspec files at its root ('B.NUSPEC', 'a.nuspec'); it must have exactly one.", false},
		{"invalid nuspec", zipOf(t, map[string]string{"a.nuspec": "<package/>"}), "The nuspec has no <metadata> element", false},
		{"parent segment", zipOf(t, map[string]string{"a.nuspec": ns, "../evil": "x"}), "The package contains the entry '../evil', which points outside the package; entry names may not contain '..'.", false},
		{"inner parent segment", zipOf(t, map[string]string{"a.nuspec": ns, "lib/../../evil": "x"}), "points outside the package", false},
		{"backslash parent", zipOf(t, map[string]string{"a.nuspec": ns, `lib\..\..\evil`: "x"}), "points outside the package", false},
		{"percent-encoded parent", zipOf(t, map[string]string{"a.nuspec": ns, "%2e%2e/evil": "x"}), "points outside the package", false},
		{"absolute", zipOf(t, map[string]string{"a.nuspec": ns, "/abs": "x"}), "The package contains the entry '/abs', an absolute path", false},
		{"backslash absolute", zipOf(t, map[string]string{"a.nuspec": ns, `\abs`: "x"}), "an absolute path", false},
		{"drive letter", zipOf(t, map[string]string{"a.nuspec": ns, "C:/Windows/x": "x"}), "an absolute path", false},
		{"drive letter backslash", zipOf(t, map[string]string{"a.nuspec": ns, `d:\x`: "x"}), "an absolute path", false},
		{"empty name", zipEntries(t, zipEntry{"a.nuspec", []byte(ns)}, zipEntry{"", nil}), "an entry with an empty name", false},
		{"NUL in name", zipOf(t, map[string]string{"a.nuspec": ns, "a\x00b": "x"}), "has a NUL character", false},
		{"exact duplicate", zipEntries(t, zipEntry{"a.nuspec", []byte(ns)}, zipEntry{"lib/a.dll", nil}, zipEntry{"lib/a.dll", nil}),
			"The package contains the file 'lib/a.dll' more than once", false},
		{"case duplicate", zipOf(t, map[string]string{"a.nuspec": ns, "lib/a.dll": "", "LIB/A.DLL": ""}), "more than once (names are compared case-insensitively)", false},
		{"slash duplicate", zipOf(t, map[string]string{"a.nuspec": ns, "lib/a.dll": "", `lib\a.dll`: ""}), "more than once", false},
		{"escaped duplicate", zipOf(t, map[string]string{"a.nuspec": ns, "a b.txt": "", "a%20b.txt": ""}), "more than once", false},
		{"duplicate nuspec", zipEntries(t, zipEntry{"a.nuspec", []byte(ns)}, zipEntry{"A.nuspec", []byte(ns)}), "more than once", false},
		{"readme missing", withNuspec(`<readme>docs/README.md</readme>`, map[string]string{"README.md": "r"}),
			"The package's nuspec declares readme 'docs/README.md' but the package does not contain that file.", false},
		{"readme is a directory", withNuspec(`<readme>docs/</readme>`, map[string]string{"docs/": ""}), "does not contain that file", false},
		{"readme wrong extension", withNuspec(`<readme>README.txt</readme>`, map[string]string{"README.txt": "r"}),
			"The package's readme 'README.txt' must have the extension .md.", false},
		{"readme too large", withNuspec(`<readme>README.md</readme>`, map[string]string{"README.md": big}),
			"The package's readme 'README.md' is larger than the 1 MiB limit.", true},
		{"icon missing", withNuspec(`<icon>icon.png</icon>`, map[string]string{}), "declares icon 'icon.png' but the package does not contain that file", false},
		{"icon wrong extension", withNuspec(`<icon>icon.gif</icon>`, map[string]string{"icon.gif": "GIF89a"}),
			"The package's icon 'icon.gif' must have one of the extensions .png, .jpg, .jpeg.", false},
		{"icon not an image", withNuspec(`<icon>icon.png</icon>`, map[string]string{"icon.png": "<svg/>"}),
			"The package's icon 'icon.png' is not a PNG or JPEG image.", false},
		{"icon too large", withNuspec(`<icon>icon.png</icon>`, map[string]string{"icon.png": pngIcon + big}), "The package's icon 'icon.png' is larger than the 1 MiB limit.", true},
		{"license file missing", withNuspec(`<license type="file">LICENSE.txt</license>`, map[string]string{}),
			"declares license file 'LICENSE.txt' but the package does not contain that file", false},
		{"license file extension", withNuspec(`<license type="file">LICENSE.rtf</license>`, map[string]string{"LICENSE.rtf": "x"}),
			"The package's license file 'LICENSE.rtf' must have one of the extensions .txt, .md, or no extension.", false},
		{"license file binary", withNuspec(`<license type="file">LICENSE</license>`, map[string]string{"LICENSE": "MZ\x00\x01"}),
			"The package's license file 'LICENSE' is not UTF-8 text.", false},
		{"license file latin-1", withNuspec(`<license type="file">LICENSE</license>`, map[string]string{"LICENSE": "Copyright \xa9"}), "is not UTF-8 text", false},
		{"license file too large", withNuspec(`<license type="file">LICENSE</license>`, map[string]string{"LICENSE": big}), "license file 'LICENSE' is larger than the 1 MiB limit", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := open(t, tt.data, DefaultLimits())
			checkPackageError(t, p, err, tt.msg, tt.tooLarge)
		})
	}
}

// checkPackageError asserts that OpenPackage failed with a validation error
// containing msg, matching ErrTooLarge exactly when tooLarge.
func checkPackageError(t *testing.T, p *Package, err error, msg string, tooLarge bool) {
	t.Helper()
	if err == nil {
		t.Fatalf("OpenPackage = %+v, want an error", p)
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T (%v) is not a *ValidationError", err, err)
	}
	if !strings.Contains(err.Error(), msg) {
		t.Errorf("error = %q\nwant it to contain %q", err, msg)
	}
	if errors.Is(err, ErrTooLarge) != tooLarge {
		t.Errorf("errors.Is(%q, ErrTooLarge) = %v, want %v", err, !tooLarge, tooLarge)
	}
}

func TestOpenPackageLimits(t *testing.T) {
	ns := minimalNuspec("")
	files := map[string]string{"a.nuspec": ns, "b": "1", "c": "2", "d": "3", "e": "4", "f": strings.Repeat("x", 5000)}
	tests := []struct {
		name string
		lim  Limits
		msg  string
	}{
		{"entries", Limits{MaxEntries: 5}, "The package has too many files: a .nupkg may have at most 5 zip entries."},
		{"total", Limits{MaxUncompressedBytes: 5000}, "The package's files add up to more than 5000 bytes uncompressed, the limit."},
		{"nuspec", Limits{MaxNuspecBytes: 100}, "The package's nuspec 'a.nuspec' is larger than the 100 bytes limit."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := open(t, zipOf(t, files), tt.lim)
			checkPackageError(t, p, err, tt.msg, true)
		})
	}
	t.Run("within limits", func(t *testing.T) {
		if _, err := open(t, zipOf(t, files), Limits{MaxEntries: 6, MaxUncompressedBytes: 6000}); err != nil {
			t.Error(err)
		}
	})
}

// TestOpenPackageZipBomb checks that entries are never decompressed past
// their limit, whatever their headers declare, and that no entry may
// expand past what its header declares.
func TestOpenPackageZipBomb(t *testing.T) {
	ns := minimalNuspec(`<readme>README.md</readme>`)
	// 64 MiB of zeros deflated to 64 KiB; nugettest builds the stream
	// without compressing 64 MiB (seconds under the race detector).
	const zeros = 64 << 20
	nuspec := nugettest.Entry{Name: "a.nuspec", Data: []byte(ns)}

	t.Run("honest header", func(t *testing.T) {
		data := nugettest.Zip(nuspec, nugettest.Entry{Name: "README.md", Zeros: zeros})
		if len(data) > 1<<20 {
			t.Fatalf("test archive is %d bytes; it should be small", len(data))
		}
		p, err := open(t, data, DefaultLimits())
		checkPackageError(t, p, err, "The package's readme 'README.md' is larger than the 1 MiB limit.", true)
	})
	t.Run("lying header", func(t *testing.T) {
		data := nugettest.Zip(nuspec, nugettest.Entry{Name: "README.md", Zeros: zeros, Declared: 10})
		p, err := open(t, data, DefaultLimits())
		checkPackageError(t, p, err, "The package is not a valid .nupkg (zip) file: the entry 'README.md' is damaged", false)
	})
	t.Run("lying nuspec header", func(t *testing.T) {
		data := rawZip(t, rawEntry{name: "a.nuspec", data: append([]byte(ns), make([]byte, 2<<20)...), declared: uint64(len(ns))})
		p, err := open(t, data, DefaultLimits())
		checkPackageError(t, p, err, "the entry 'a.nuspec' is damaged", false)
	})
	t.Run("bad checksum", func(t *testing.T) {
		data := rawZip(t, rawEntry{name: "a.nuspec", data: []byte(ns), badCRC: true})
		p, err := open(t, data, DefaultLimits())
		checkPackageError(t, p, err, "the entry 'a.nuspec' is damaged (checksum error)", false)
	})
	t.Run("unknown compression method", func(t *testing.T) {
		data := rawZip(t, rawEntry{name: "a.nuspec", data: []byte(ns), method: 99})
		p, err := open(t, data, DefaultLimits())
		checkPackageError(t, p, err, "The package's entry 'a.nuspec' uses an unsupported compression method", false)
	})
	// Entries the nuspec does not name are checked too: a client extracts
	// them all.
	ok := zipEntry{"a.nuspec", []byte(minimalNuspec(""))}
	lib := func(e rawEntry) []byte {
		e.name = "lib/net8.0/a.dll"
		return rawZip(t, rawEntry{name: ok.name, data: ok.data}, e)
	}
	for _, tc := range []struct {
		name string
		data []byte
		msg  string
	}{
		{"lying header on a library", nugettest.Zip(nugettest.Entry{Name: ok.name, Data: ok.data},
			nugettest.Entry{Name: "lib/net8.0/a.dll", Zeros: zeros, Declared: 10}),
			"The package's entry 'lib/net8.0/a.dll' expands to more than the 10 bytes its zip header declares: the package is damaged or a zip bomb."},
		{"library shorter than declared", lib(rawEntry{data: []byte("MZ"), declared: 1000}),
			"The package is not a valid .nupkg (zip) file: the entry 'lib/net8.0/a.dll' is damaged (unexpected EOF)."},
		{"library with a bad checksum", lib(rawEntry{data: []byte("MZ"), badCRC: true}), "the entry 'lib/net8.0/a.dll' is damaged (checksum error)"},
		{"library with an unknown method", lib(rawEntry{data: []byte("MZ"), method: 99}),
			"The package's entry 'lib/net8.0/a.dll' uses an unsupported compression method; use deflate or no compression."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := open(t, tc.data, DefaultLimits())
			checkPackageError(t, p, err, tc.msg, false)
		})
	}
	t.Run("honest library", func(t *testing.T) {
		data := nugettest.Zip(nugettest.Entry{Name: ok.name, Data: ok.data}, nugettest.Entry{Name: "lib/net8.0/a.dll", Zeros: zeros})
		if _, err := open(t, data, DefaultLimits()); err != nil {
			t.Fatalf("a package whose headers tell the truth: %v", err)
		}
	})
}

// rawEntry is an entry whose header may lie.
type rawEntry struct {
	name     string
	data     []byte
	declared uint64 // uncompressed size written in the headers; 0: the real size
	badCRC   bool
	method   uint16 // 0: deflate
}

// rawZip writes entries with zip.Writer.CreateRaw, so the headers say
// whatever the entries ask for.
func rawZip(t *testing.T, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		var comp bytes.Buffer
		fw, _ := flate.NewWriter(&comp, flate.BestCompression)
		fw.Write(e.data)
		fw.Close()
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(e.data),
			CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(len(e.data))}
		if e.declared != 0 {
			h.UncompressedSize64 = e.declared
		}
		if e.badCRC {
			h.CRC32++
		}
		if e.method != 0 {
			h.Method = e.method
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
