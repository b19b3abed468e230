package nugettest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
)

// Snupkg builds a symbol package for id and version holding files (path
// in the package → content), shaped as dotnet pack writes them: a nuspec
// with the SymbolsPackage package type and no authors, the files, and
// [Content_Types].xml.
func Snupkg(id, version string, files map[string][]byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: fixedTime})
		if err != nil {
			panic(err)
		}
		w.Write(data)
	}
	e := html.EscapeString
	add(id+".nuspec", []byte(fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2012/06/nuspec.xsd">
  <metadata>
    <id>%s</id>
    <version>%s</version>
    <description>Symbols of %s.</description>
    <packageTypes>
      <packageType name="SymbolsPackage" />
    </packageTypes>
  </metadata>
</package>
`, e(id), e(version), e(id))))
	for _, name := range sortedKeys(files) {
		add(name, files[name])
	}
	add("[Content_Types].xml", []byte(`<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="pdb" ContentType="application/octet" /><Default Extension="nuspec" ContentType="application/octet" /></Types>`))
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
