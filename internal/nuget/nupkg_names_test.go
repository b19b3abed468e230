package nuget

import (
	"testing"
)

// NuGet.Client reads entry names through Uri.UnescapeDataString when they
// hold a '%' (ZipArchiveExtensions.GetFiles) and takes as manifest the one
// decoded name without '/' or '\' that ends in .nuspec
// (PackageReaderBase.GetNuspecFile, PackageHelper.IsManifest). These tests
// hold Wharf to the same reading, and refuse packages it would read
// differently from a client.

func TestClientName(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"lib/a.dll", "lib/a.dll"},
		{"My%20File.txt", "My File.txt"},
		{"X%2Enuspec", "X.nuspec"},
		{"lib%2FX.nuspec", "lib/X.nuspec"},
		{"caf%C3%A9.txt", "café.txt"},
		{"100%zz.txt", "100%zz.txt"}, // not an escape: kept as written
		{"trailing%", "trailing%"},
		{"short%2", "short%2"},
		{"%%41", "%A"},   // the first '%' starts no escape
		{"%2541", "%41"}, // decoded once, not twice
	}
	for _, tt := range tests {
		got, ok := clientName(tt.raw)
		if !ok || got != tt.want {
			t.Errorf("clientName(%q) = %q, %v; want %q, true", tt.raw, got, ok, tt.want)
		}
	}
	for _, raw := range []string{"a%FF.txt", "caf%E9.txt", "%C3"} {
		if got, ok := clientName(raw); ok {
			t.Errorf("clientName(%q) = %q, true; want false: the escapes are not UTF-8", raw, got)
		}
	}
}

func TestOpenPackageClientView(t *testing.T) {
	clean := minimalNuspec("")
	hidden := minimalNuspec(`<dependencies><dependency id="Evil.Payload" version="1.0.0"/></dependencies>`)
	tests := []struct {
		name  string
		files map[string]string
		msg   string
	}{
		{"manifest hidden behind escapes", map[string]string{"lib%2FX.nuspec": clean, "X%2Enuspec": hidden},
			"The package contains the entry 'X%2Enuspec', which NuGet clients read as 'X.nuspec'"},
		{"escaped dot makes a manifest", map[string]string{"a.nuspec": clean, "X%2Enuspec": hidden},
			"The package contains the entry 'X%2Enuspec', which NuGet clients read as 'X.nuspec'; one of those names is a .nuspec at the package root and the other is not"},
		{"escaped slash hides the manifest", map[string]string{"lib%2FX.nuspec": clean},
			"The package contains the entry 'lib%2FX.nuspec', which NuGet clients read as 'lib/X.nuspec'"},
		{"escaped slash inside a folder", map[string]string{"a.nuspec": clean, "lib/a%2Fb.dll": ""},
			"an escaped '/' or '\\' (%2F, %5C)"},
		{"escaped backslash", map[string]string{"a.nuspec": clean, "lib%5Cx.dll": ""}, "an escaped '/' or '\\' (%2F, %5C)"},
		{"escaped absolute", map[string]string{"a.nuspec": clean, "%2Fetc%2Fpasswd": ""}, "an absolute path"},
		{"escaped drive letter", map[string]string{"a.nuspec": clean, "C%3A%5Cx.dll": ""}, "an absolute path"},
		{"escaped backslash parent", map[string]string{"a.nuspec": clean, "lib%5C..%5C..%5Cevil": ""}, "points outside the package"},
		{"escaped duplicate name", map[string]string{"a.nuspec": clean, "lib/a.dll": "", "lib/a%2Edll": ""}, "more than once"},
		{"readme named by its escaped name", map[string]string{"a.nuspec": minimalNuspec(`<readme>100%25.md</readme>`), "100%25.md": "r"},
			"The package's nuspec declares readme '100%25.md' but the package does not contain that file."},
		{"escapes that are not UTF-8", map[string]string{"a.nuspec": clean, "lib/a%FF.dll": ""},
			"The package contains the entry 'lib/a%FF.dll', whose percent escapes do not decode to UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := open(t, zipOf(t, tt.files), DefaultLimits())
			checkPackageError(t, p, err, tt.msg, false)
		})
	}
}

// TestOpenPackageReadmeByDecodedName finds the readme as the client's
// GetStream does, among decoded names: "a%41.md" names the entry written
// "a%2541.md", not the entry written "a%41.md" (read as "aA.md"), whatever
// their order.
func TestOpenPackageReadmeByDecodedName(t *testing.T) {
	ns := zipEntry{"a.nuspec", []byte(minimalNuspec(`<readme>a%41.md</readme>`))}
	for _, order := range [][]zipEntry{
		{ns, {"a%41.md", []byte("aA")}, {"a%2541.md", []byte("a%41")}},
		{ns, {"a%2541.md", []byte("a%41")}, {"a%41.md", []byte("aA")}},
	} {
		p, err := open(t, zipEntries(t, order...), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Readme) != "a%41" {
			t.Errorf("entries %q, %q: Readme = %q, want the entry clients read as 'a%%41.md'", order[1].name, order[2].name, p.Readme)
		}
	}
}

// TestOpenPackageClientViewAccepted keeps the names real packers write.
func TestOpenPackageClientViewAccepted(t *testing.T) {
	p, err := open(t, zipOf(t, map[string]string{
		"Contoso.Widget.nuspec": minimalNuspec(""),
		"content/My%20File.txt": "", "content/100%zz.txt": "", "content/caf%C3%A9.txt": "",
	}), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if p.NuspecName != "Contoso.Widget.nuspec" {
		t.Errorf("NuspecName = %q", p.NuspecName)
	}
}

func TestOpenPackageUnicodeCollisions(t *testing.T) {
	ns := minimalNuspec("")
	tests := []struct {
		name string
		a, b string
	}{
		{"NFC and NFD", "content/caf\u00e9.txt", "content/cafe\u0301.txt"},
		{"long s", "content/\u017f.txt", "content/s.txt"},
		{"escaped NFD", "content/caf\u00e9.txt", "content/cafe%CC%81.txt"},
		{"folder", "caf\u00e9/a.txt", "CAFE\u0301/a.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := open(t, zipOf(t, map[string]string{"a.nuspec": ns, tt.a: "", tt.b: ""}), DefaultLimits())
			checkPackageError(t, p, err, "differ only in Unicode normalization or case; they would be the same file on macOS and Windows", false)
		})
	}
	t.Run("nuspec look-alike", func(t *testing.T) {
		p, err := open(t, zipOf(t, map[string]string{"a.nuspec": ns, "b.nu\u017fpec": ns}), DefaultLimits())
		checkPackageError(t, p, err, "The package contains the entry 'b.nu\u017fpec', which some readers take for a .nuspec and others do not", false)
	})
}
