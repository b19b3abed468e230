package nuget

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

func openSnupkg(b []byte) (*SymbolPackage, error) {
	return OpenSymbolPackage(bytes.NewReader(b), int64(len(b)), Limits{})
}

// TestOpenSymbolPackage: a .snupkg shaped as dotnet pack writes it opens
// with its ID, version and PDBs; IsSymbolPackage tells it from a .nupkg.
func TestOpenSymbolPackage(t *testing.T) {
	b := nugettest.Snupkg("Contoso.Widget", "1.2.0-Beta", map[string][]byte{
		"lib/net8.0/Contoso.Widget.pdb": []byte("BSJB"), "lib/netstandard2.0/Contoso.Widget.PDB": []byte("BSJB"),
	})
	p, err := openSnupkg(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "Contoso.Widget" || p.Version.String() != "1.2.0-Beta" || len(p.PDBs) != 2 || p.PDBs[0].Path != "lib/net8.0/Contoso.Widget.pdb" {
		t.Errorf("opened %+v", p)
	}
	if !IsSymbolPackage(bytes.NewReader(b), int64(len(b))) {
		t.Error("IsSymbolPackage(.snupkg) = false")
	}
	nupkg := nugettest.Spec{ID: "Contoso.Widget", Version: "1.0.0"}.Build()
	if IsSymbolPackage(bytes.NewReader(nupkg), int64(len(nupkg))) {
		t.Error("IsSymbolPackage(.nupkg) = true")
	}
	if IsSymbolPackage(bytes.NewReader([]byte("not a zip")), 9) {
		t.Error("IsSymbolPackage(text) = true")
	}
}

// TestOpenSymbolPackageInvalid: each refusal is a sentence naming the
// problem.
func TestOpenSymbolPackageInvalid(t *testing.T) {
	nuspec := func(types string) []byte {
		return []byte(`<package><metadata><id>Contoso.Widget</id><version>1.0.0</version>` + types + `</metadata></package>`)
	}
	symbols := `<packageTypes><packageType name="SymbolsPackage" /></packageTypes>`
	for _, c := range []struct {
		name    string
		entries []nugettest.Entry
		want    string
	}{
		{"no package type", []nugettest.Entry{{Name: "Contoso.Widget.nuspec", Data: nuspec("")}, {Name: "a.pdb", Data: []byte("x")}},
			"exactly one package type, SymbolsPackage"},
		{"two package types", []nugettest.Entry{{Name: "Contoso.Widget.nuspec", Data: nuspec(`<packageTypes><packageType name="SymbolsPackage" /><packageType name="Dependency" /></packageTypes>`)}, {Name: "a.pdb", Data: []byte("x")}},
			"exactly one package type, SymbolsPackage"},
		{"an assembly", []nugettest.Entry{{Name: "Contoso.Widget.nuspec", Data: nuspec(symbols)}, {Name: "a.pdb", Data: []byte("x")}, {Name: "lib/net8.0/a.dll", Data: []byte("MZ")}},
			"contains 'lib/net8.0/a.dll'; a .snupkg may contain only .pdb files"},
		{"no PDB", []nugettest.Entry{{Name: "Contoso.Widget.nuspec", Data: nuspec(symbols)}, {Name: "[Content_Types].xml", Data: []byte("<Types/>")}},
			"contains no .pdb file"},
		{"no version", []nugettest.Entry{{Name: "Contoso.Widget.nuspec", Data: []byte(`<package><metadata><id>Contoso.Widget</id>` + symbols + `</metadata></package>`)}, {Name: "a.pdb", Data: []byte("x")}},
			"exactly one <id> and one <version>"},
		{"an escaping path", []nugettest.Entry{{Name: "Contoso.Widget.nuspec", Data: nuspec(symbols)}, {Name: "../a.pdb", Data: []byte("x")}},
			".."},
		{"a zip bomb", []nugettest.Entry{{Name: "Contoso.Widget.nuspec", Data: nuspec(symbols)}, {Name: "a.pdb", Zeros: 8 << 20, Declared: 1024}},
			"expands to more than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := openSnupkg(nugettest.Zip(c.entries...))
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want a ValidationError saying %q", err, c.want)
			}
		})
	}
}
