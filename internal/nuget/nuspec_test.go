package nuget

import (
	"reflect"
	"strings"
	"testing"
)

// packNuspec is what dotnet pack writes for a modern SDK project.
const packNuspec = `<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata minClientVersion="2.12">
    <id>Contoso.Utilities</id>
    <version>2.1.0-Beta.3+sha.5114f85</version>
    <title>Contoso Utilities</title>
    <authors>Jane Doe, Contoso</authors>
    <owners>contoso</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <license type="expression">MIT OR Apache-2.0</license>
    <licenseUrl>https://licenses.nuget.org/MIT%20OR%20Apache-2.0</licenseUrl>
    <icon>images\icon.png</icon>
    <readme>docs/README.md</readme>
    <projectUrl>https://github.com/contoso/utilities</projectUrl>
    <description>
      Helpers for &lt;everything&gt; &amp; more.
    </description>
    <summary>Helpers.</summary>
    <releaseNotes>Fixed things.</releaseNotes>
    <copyright>© Contoso 2026</copyright>
    <language>en-US</language>
    <tags>utilities, helpers;contoso   tools|misc</tags>
    <developmentDependency>TRUE</developmentDependency>
    <serviceable>true</serviceable>
    <packageTypes>
      <packageType name="Dependency" />
      <packageType name="DotnetTool" version="1.0" />
    </packageTypes>
    <repository type="git" url="https://github.com/contoso/utilities.git" branch="refs/heads/main" commit="0123abc" />
    <dependencies>
      <group targetFramework=".NETStandard2.0">
        <dependency id="Newtonsoft.Json" version="13.0.1" exclude="Build,Analyzers" />
        <dependency id="System.Memory" version="[4.5.4, 5.0.0)" />
      </group>
      <group targetFramework="net8.0" />
      <group targetFramework="net6.0">
        <dependency id="Contoso.Core" version="[1.0.0]" />
        <dependency id="Contoso.Any" />
      </group>
    </dependencies>
    <frameworkAssemblies>
      <frameworkAssembly assemblyName="System.Net.Http" targetFramework="net45" />
    </frameworkAssemblies>
  </metadata>
</package>`

func TestParseManifestPackOutput(t *testing.T) {
	m := mustManifest(t, packNuspec)
	want := &Manifest{
		ID: "Contoso.Utilities", OriginalVersion: "2.1.0-Beta.3+sha.5114f85",
		Version: Version{Major: 2, Minor: 1, Release: []string{"Beta", "3"}, Metadata: "sha.5114f85"},
		Title:   "Contoso Utilities", Description: "Helpers for <everything> & more.", Summary: "Helpers.",
		ReleaseNotes: "Fixed things.", Copyright: "© Contoso 2026", Language: "en-US",
		Authors: "Jane Doe, Contoso", Owners: "contoso", Tags: "utilities helpers contoso tools misc",
		ProjectURL: "https://github.com/contoso/utilities", LicenseURL: "https://licenses.nuget.org/MIT%20OR%20Apache-2.0",
		License: &License{Type: "expression", Value: "MIT OR Apache-2.0"},
		Icon:    "images/icon.png", Readme: "docs/README.md",
		DevelopmentDependency: true, Serviceable: true, MinClientVersion: "2.12.0",
		Repository:   &Repository{Type: "git", URL: "https://github.com/contoso/utilities.git", Branch: "refs/heads/main", Commit: "0123abc"},
		PackageTypes: []PackageType{{Name: "Dependency"}, {Name: "DotnetTool", Version: "1.0"}},
		DependencyGroups: []DependencyGroup{
			{TargetFramework: ".NETStandard2.0", Dependencies: []Dependency{
				{ID: "Newtonsoft.Json", Range: "[13.0.1, )"}, {ID: "System.Memory", Range: "[4.5.4, 5.0.0)"}}},
			{TargetFramework: "net8.0"},
			{TargetFramework: "net6.0", Dependencies: []Dependency{
				{ID: "Contoso.Core", Range: "[1.0.0, 1.0.0]"}, {ID: "Contoso.Any"}}},
		},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("ParseManifest =\n%+v\nwant\n%+v", m, want)
	}
}

func TestParseManifestForms(t *testing.T) {
	tests := []struct {
		name  string
		xml   string
		check func(t *testing.T, m *Manifest)
	}{
		{"2010/07 flat dependencies", `<?xml version="1.0"?>
<package xmlns="http://schemas.microsoft.com/packaging/2010/07/nuspec.xsd"><metadata>
  <id>Old.Package</id><version>1.0</version><authors>a</authors><description>d</description>
  <licenseUrl>http://example.com/license</licenseUrl><requireLicenseAcceptance>true</requireLicenseAcceptance>
  <dependencies><dependency id="Dep.One" version="1.0"/><dependency id="Dep.Two"/></dependencies>
</metadata></package>`, func(t *testing.T, m *Manifest) {
			wantGroups(t, m, []DependencyGroup{{Dependencies: []Dependency{{ID: "Dep.One", Range: "[1.0.0, )"}, {ID: "Dep.Two"}}}})
			if !m.RequireLicenseAcceptance || m.Version.String() != "1.0.0" || m.OriginalVersion != "1.0" {
				t.Errorf("got %+v", m)
			}
		}},
		{"no namespace", `<package><metadata><id>A</id><version>1.0.0</version><authors>a</authors><description>d</description></metadata></package>`,
			func(t *testing.T, m *Manifest) {
				if m.ID != "A" || m.DependencyGroups != nil || m.PackageTypes != nil || m.License != nil || m.Repository != nil {
					t.Errorf("got %+v", m)
				}
			}},
		{"prefixed namespace", `<n:package xmlns:n="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd"><n:metadata>
  <n:id>P</n:id><n:version>1.0.0</n:version><n:authors>a</n:authors><n:description>d</n:description></n:metadata></n:package>`,
			func(t *testing.T, m *Manifest) {
				if m.ID != "P" {
					t.Errorf("ID = %q", m.ID)
				}
			}},
		{"groups win over flat dependencies", nuspecWith(`<dependencies><dependency id="Flat"/><group><dependency id="Grouped" version="(,2.0)"/></group></dependencies>`),
			func(t *testing.T, m *Manifest) {
				wantGroups(t, m, []DependencyGroup{{Dependencies: []Dependency{{ID: "Grouped", Range: "(, 2.0.0)"}}}})
			}},
		{"empty dependencies", nuspecWith(`<dependencies/>`), func(t *testing.T, m *Manifest) { wantGroups(t, m, nil) }},
		{"empty group kept", nuspecWith(`<dependencies><group targetFramework=" net472 "/></dependencies>`),
			func(t *testing.T, m *Manifest) { wantGroups(t, m, []DependencyGroup{{TargetFramework: "net472"}}) }},
		{"unicode dependency ID", nuspecWith(`<dependencies><dependency id="Ünïcode.Paket" version=" [1.0 , 2.0] "/></dependencies>`),
			func(t *testing.T, m *Manifest) {
				wantGroups(t, m, []DependencyGroup{{Dependencies: []Dependency{{ID: "Ünïcode.Paket", Range: "[1.0.0, 2.0.0]"}}}})
			}},
		{"license file", nuspecWith(`<license type="File" version="1.0.0">legal\LICENSE.txt</license>`),
			func(t *testing.T, m *Manifest) {
				if *m.License != (License{Type: "file", Value: "legal/LICENSE.txt", Version: "1.0.0"}) {
					t.Errorf("License = %+v", m.License)
				}
			}},
		{"license expression with WITH and parentheses", nuspecWith(`<license type="expression">(GPL-2.0-only WITH Classpath-exception-2.0 OR MIT) AND LGPL-2.1+</license>`),
			func(t *testing.T, m *Manifest) {
				if m.License.Value != "(GPL-2.0-only WITH Classpath-exception-2.0 OR MIT) AND LGPL-2.1+" {
					t.Errorf("License = %+v", m.License)
				}
			}},
		{"CDATA and whitespace", nuspecWith(`<summary><![CDATA[ a <b> & c ]]></summary><title>
   T   </title>`),
			func(t *testing.T, m *Manifest) {
				if m.Summary != "a <b> & c" || m.Title != "T" {
					t.Errorf("Summary %q Title %q", m.Summary, m.Title)
				}
			}},
		{"booleans like NuGet", nuspecWith(`<requireLicenseAcceptance>1</requireLicenseAcceptance><developmentDependency> True </developmentDependency><serviceable>yes</serviceable>`),
			func(t *testing.T, m *Manifest) {
				if m.RequireLicenseAcceptance || !m.DevelopmentDependency || m.Serviceable {
					t.Errorf("booleans = %v %v %v", m.RequireLicenseAcceptance, m.DevelopmentDependency, m.Serviceable)
				}
			}},
		{"git repository URL", nuspecWith(`<repository type="git" url="git://github.com/a/b.git"/>`),
			func(t *testing.T, m *Manifest) {
				if m.Repository == nil || m.Repository.URL != "git://github.com/a/b.git" {
					t.Errorf("Repository = %+v", m.Repository)
				}
			}},
		{"empty repository", nuspecWith(`<repository/>`), func(t *testing.T, m *Manifest) {
			if m.Repository != nil {
				t.Errorf("Repository = %+v, want nil", m.Repository)
			}
		}},
		{"unknown elements ignored", nuspecWith(`<references><reference file="a.dll"/></references><contentFiles><files include="**"/></contentFiles><futureThing>x</futureThing>`),
			func(t *testing.T, m *Manifest) {}},
		{"comments and processing instructions", `<?xml version="1.0"?><!-- c --><package><?pi x?><metadata><!-- c --><id>A</id><version>1.0.0</version><authors>a</authors><description>d<!-- c --></description></metadata></package>`,
			func(t *testing.T, m *Manifest) {
				if m.Description != "d" {
					t.Errorf("Description = %q", m.Description)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, mustManifest(t, tt.xml))
		})
	}
}

func TestParseManifestEncodings(t *testing.T) {
	doc := nuspecWith(`<title>Ünïcode ✓</title>`)
	tests := []struct {
		name string
		data []byte
	}{
		{"utf-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, doc...)},
		{"utf-16le BOM", utf16Bytes(strings.Replace(doc, `<package>`, `<?xml version="1.0" encoding="utf-16"?><package>`, 1), false)},
		{"utf-16be BOM", utf16Bytes(doc, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseManifest(strings.NewReader(string(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if m.Title != "Ünïcode ✓" {
				t.Errorf("Title = %q", m.Title)
			}
		})
	}
}

// nuspecWith returns a minimal valid nuspec with extra metadata XML.
func nuspecWith(extra string) string {
	return `<package><metadata><id>Test.Pkg</id><version>1.0.0</version><authors>Tester</authors><description>Desc</description>` +
		extra + `</metadata></package>`
}

func mustManifest(t *testing.T, doc string) *Manifest {
	t.Helper()
	m, err := ParseManifest(strings.NewReader(doc))
	if err != nil {
		t.Fatalf("ParseManifest: %v", err)
	}
	return m
}

func wantGroups(t *testing.T, m *Manifest, want []DependencyGroup) {
	t.Helper()
	if !reflect.DeepEqual(m.DependencyGroups, want) {
		t.Errorf("DependencyGroups = %+v, want %+v", m.DependencyGroups, want)
	}
}

func utf16Bytes(s string, bigEndian bool) []byte {
	out := []byte{0xFF, 0xFE}
	if bigEndian {
		out = []byte{0xFE, 0xFF}
	}
	for _, r := range s {
		units := []rune{r}
		if r > 0xFFFF {
			r -= 0x10000
			units = []rune{0xD800 + r>>10, 0xDC00 + r&0x3FF}
		}
		for _, u := range units {
			if bigEndian {
				out = append(out, byte(u>>8), byte(u))
			} else {
				out = append(out, byte(u), byte(u>>8))
			}
		}
	}
	return out
}
