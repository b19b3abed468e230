package nuget

import (
	"archive/zip"
	"bytes"
	"slices"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// zipEntry is one file of a test archive.
type zipEntry struct {
	name string
	data []byte
}

// zipOf builds a .nupkg from a map of entry names to contents, in name order.
func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	entries := make([]zipEntry, len(names))
	for i, name := range names {
		entries[i] = zipEntry{name, []byte(files[name])}
	}
	return zipEntries(t, entries...)
}

// zipEntries builds an archive from entries in the given order, so that it
// may hold the same name twice.
func zipEntries(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// minimalNuspec is a valid nuspec with extra metadata XML.
func minimalNuspec(extra string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata>
<id>Contoso.Widget</id><version>1.2.3</version><authors>Contoso</authors><description>A widget.</description>` +
		extra + `</metadata></package>`
}

var (
	pngIcon  = string(nugettest.PNG)
	jpegIcon = "\xff\xd8\xff\xe0\x00\x10JFIF\x00"
)

func open(t testing.TB, data []byte, lim Limits) (*Package, error) {
	t.Helper()
	return OpenPackage(bytes.NewReader(data), int64(len(data)), lim)
}

func TestOpenPackage(t *testing.T) {
	nuspec := minimalNuspec(`<readme>docs\README.md</readme><icon>images/icon.png</icon><license type="file">LICENSE</license>`)
	data := zipOf(t, map[string]string{
		"Contoso.Widget.nuspec":              nuspec,
		"docs/README.md":                     "# Widget",
		"images/icon.png":                    pngIcon,
		"LICENSE":                            "\xef\xbb\xbfMIT License ©",
		"lib/net8.0/Contoso.Widget.dll":      "MZ",
		"lib\\net45\\Contoso.Widget.dll":     "MZ", // old packers wrote backslashes
		"[Content_Types].xml":                "<Types/>",
		"_rels/.rels":                        "<Relationships/>",
		"package/services/metadata/x.psmdcp": "<coreProperties/>",
		"content/sub/Other.nuspec":           "not a manifest, and not at the root",
		"lib/net8.0/":                        "",
		"content/My%20File.txt":              "escaped name",
	})
	p, err := open(t, data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if p.Manifest.ID != "Contoso.Widget" || p.Manifest.Version.String() != "1.2.3" {
		t.Errorf("Manifest = %+v", p.Manifest)
	}
	if string(p.Nuspec) != nuspec || p.NuspecName != "Contoso.Widget.nuspec" {
		t.Errorf("Nuspec %q = %q", p.NuspecName, p.Nuspec)
	}
	if string(p.Readme) != "# Widget" {
		t.Errorf("Readme = %q", p.Readme)
	}
	if string(p.Icon) != pngIcon || p.IconContentType != "image/png" {
		t.Errorf("Icon = %q (%s)", p.Icon, p.IconContentType)
	}
	if string(p.LicenseFile) != "\xef\xbb\xbfMIT License ©" {
		t.Errorf("LicenseFile = %q", p.LicenseFile)
	}
}

func TestOpenPackageOptionalFiles(t *testing.T) {
	p, err := open(t, zipOf(t, map[string]string{"a.nuspec": minimalNuspec(`<license type="expression">MIT</license>`)}), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Readme != nil || p.Icon != nil || p.IconContentType != "" || p.LicenseFile != nil {
		t.Errorf("undeclared files were read: %+v", p)
	}
}

func TestOpenPackageNugettest(t *testing.T) {
	spec := nugettest.Spec{
		ID: "Contoso.Core", Version: "2.0.0-rc.1", License: "MIT", Readme: []byte("# Core"), Icon: nugettest.PNG,
		Dependencies: map[string][]nugettest.Dep{"": {{ID: "A", Range: ""}}, "net8.0": {{ID: "B", Range: "[1.0, 2.0)"}}},
		PackageTypes: []string{"Dependency"}, Files: map[string][]byte{"tools/x.ps1": []byte("x")},
	}
	p, err := open(t, spec.Build(), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := []DependencyGroup{
		{Dependencies: []Dependency{{ID: "A"}}},
		{TargetFramework: "net8.0", Dependencies: []Dependency{{ID: "B", Range: "[1.0.0, 2.0.0)"}}},
	}
	if !slices.EqualFunc(p.Manifest.DependencyGroups, want, func(a, b DependencyGroup) bool {
		return a.TargetFramework == b.TargetFramework && slices.Equal(a.Dependencies, b.Dependencies)
	}) {
		t.Errorf("DependencyGroups = %+v", p.Manifest.DependencyGroups)
	}
	if !p.Manifest.Version.IsSemVer2() || string(p.Readme) != "# Core" || p.IconContentType != "image/png" {
		t.Errorf("Package = %+v", p)
	}
}

func TestOpenPackageLookups(t *testing.T) {
	tests := []struct {
		name   string
		extra  string
		files  map[string]string
		readme string
	}{
		{"case-insensitive", `<readme>Docs/ReadMe.md</readme>`, map[string]string{"docs/README.MD": "r"}, "r"},
		{"backslash in nuspec", `<readme>docs\readme.md</readme>`, map[string]string{"docs/readme.md": "r"}, "r"},
		{"backslash in entry", `<readme>docs/readme.md</readme>`, map[string]string{"docs\\readme.md": "r"}, "r"},
		{"percent-encoded entry", `<readme>my readme.md</readme>`, map[string]string{"my%20readme.md": "r"}, "r"},
		{"literal percent", `<readme>100%.md</readme>`, map[string]string{"100%25.md": "r"}, "r"}, // as dotnet pack writes it
		{"leading ./", `<readme>./README.md</readme>`, map[string]string{"README.md": "r"}, "r"},
		{"empty readme", `<readme>README.md</readme>`, map[string]string{"README.md": ""}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.files["x.nuspec"] = minimalNuspec(tt.extra)
			p, err := open(t, zipOf(t, tt.files), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if p.Readme == nil || string(p.Readme) != tt.readme {
				t.Errorf("Readme = %#v, want %q", p.Readme, tt.readme)
			}
		})
	}
}

func TestOpenPackageIconTypes(t *testing.T) {
	for _, tt := range []struct{ file, content, ctype string }{
		{"icon.png", pngIcon, "image/png"},
		{"icon.jpg", jpegIcon, "image/jpeg"},
		{"ICON.JPEG", jpegIcon, "image/jpeg"},
		{"icon.png", jpegIcon, "image/jpeg"}, // nuget.org accepts either format under either extension
	} {
		t.Run(tt.file+"/"+tt.ctype, func(t *testing.T) {
			data := zipOf(t, map[string]string{"x.nuspec": minimalNuspec("<icon>" + tt.file + "</icon>"), tt.file: tt.content})
			p, err := open(t, data, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if p.IconContentType != tt.ctype {
				t.Errorf("IconContentType = %q, want %q", p.IconContentType, tt.ctype)
			}
		})
	}
}
