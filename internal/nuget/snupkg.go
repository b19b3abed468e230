package nuget

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// SymbolsPackageType is the one package type of a symbol package (.snupkg).
// https://learn.microsoft.com/nuget/create-packages/symbol-packages-snupkg#symbol-package-constraints
const SymbolsPackageType = "SymbolsPackage"

// SymbolPackage is an opened, validated .snupkg.
type SymbolPackage struct {
	ID              string
	Version         Version
	OriginalVersion string
	PDBs            []Entry // every .pdb file, in archive order
}

// Entry is one file of a package: its path as clients read it ('/'
// separators, percent-decoded) and the zip entry, whose data OpenPackage
// or OpenSymbolPackage has checked against its declared size and CRC.
type Entry struct {
	Path string
	File *zip.File
}

// IsSymbolPackage reports whether the archive in r is a symbol package:
// a zip whose root nuspec declares the SymbolsPackage package type. It
// validates nothing else; OpenSymbolPackage does.
func IsSymbolPackage(r io.ReaderAt, size int64) bool {
	lim := DefaultLimits()
	if checkEntryCount(r, size, lim.MaxEntries) != nil {
		return false
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return false
	}
	var nuspec *zip.File
	for _, f := range zr.File {
		if name, _ := clientName(f.Name); isManifestName(name) {
			if nuspec != nil {
				return false
			}
			nuspec = f
		}
	}
	if nuspec == nil {
		return false
	}
	data, err := readEntry(nuspec, lim.MaxNuspecBytes, "nuspec")
	if err != nil {
		return false
	}
	meta, err := symbolMetadata(data)
	if err != nil {
		return false
	}
	for _, t := range meta.childrenNamed("packageTypes") {
		for _, c := range t.childrenNamed("packageType") {
			if name, _ := c.attr("name"); strings.EqualFold(strings.TrimSpace(name), SymbolsPackageType) {
				return true
			}
		}
	}
	return false
}

// OpenSymbolPackage reads and validates a .snupkg of size bytes as
// nuget.org does: a zip archive (checked like a .nupkg: entry count and
// names, sizes, CRCs, no duplicates) with one root nuspec giving a valid ID
// and version and exactly one package type, SymbolsPackage; and no files
// but .pdb files, besides the nuspec and the files packing tools add
// ([Content_Types].xml, _rels/, package/services/metadata/, a signature).
// At least one .pdb is required. What the PDBs contain is not read here.
//
// Errors: *ValidationError with a sentence for the user (ErrTooLarge for
// limits); r's errors wrapped ("read package: %w").
func OpenSymbolPackage(r io.ReaderAt, size int64, lim Limits) (*SymbolPackage, error) {
	rr := &recordingReader{r: r}
	p, err := openSymbolPackage(rr, size, lim.withDefaults())
	if rr.err != nil {
		return nil, fmt.Errorf("read package: %w", rr.err)
	}
	return p, err
}

func openSymbolPackage(r io.ReaderAt, size int64, lim Limits) (*SymbolPackage, error) {
	if err := checkEntryCount(r, size, lim.MaxEntries); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, notZip(err)
	}
	idx, err := indexEntries(zr.File, lim)
	if err != nil {
		return nil, err
	}
	nuspec, err := idx.rootNuspec()
	if err != nil {
		return nil, err
	}
	data, err := readEntry(nuspec, lim.MaxNuspecBytes, "nuspec")
	if err != nil {
		return nil, err
	}
	p, err := parseSymbolManifest(data)
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		name, _ := clientName(f.Name)
		name = packagePath(name)
		switch {
		case f == nuspec, strings.HasSuffix(name, "/") && f.UncompressedSize64 == 0, packagingFile(name):
		case strings.EqualFold(path.Ext(name), ".pdb"):
			p.PDBs = append(p.PDBs, Entry{Path: name, File: f})
		default:
			return nil, invalidf("The symbol package contains '%s'; a .snupkg may contain only .pdb files beside its nuspec. Pack it with dotnet pack or nuget pack -SymbolPackageFormat snupkg.", display(name))
		}
	}
	if len(p.PDBs) == 0 {
		return nil, invalidf("The symbol package %s %s contains no .pdb file; there is nothing to serve.", p.ID, p.Version)
	}
	if err := checkEntryData(zr.File); err != nil {
		return nil, err
	}
	return p, nil
}

// packagingFile reports the files that packing tools add to every package:
// the OPC parts and a repository signature.
func packagingFile(name string) bool {
	lower := strings.ToLower(name)
	return lower == "[content_types].xml" || lower == ".signature.p7s" ||
		strings.HasPrefix(lower, "_rels/") && strings.HasSuffix(lower, ".rels") ||
		strings.HasPrefix(lower, "package/services/metadata/")
}

// symbolMetadata parses a nuspec down to its one <metadata> element.
func symbolMetadata(data []byte) (*element, error) {
	root, err := parseXML(data)
	if err != nil {
		return nil, err
	}
	if root.name != "package" {
		return nil, invalidf("The nuspec's root element is <%s>; it must be <package>.", display(root.name))
	}
	metas := root.childrenNamed("metadata")
	if len(metas) != 1 {
		return nil, invalidf("The nuspec must have exactly one <metadata> element inside <package>.")
	}
	return metas[0], nil
}

// parseSymbolManifest reads what a symbol package's nuspec must give: ID,
// version and the SymbolsPackage type. Descriptions, authors and the
// other fields of a .nupkg's nuspec are not required (pack tools leave
// most of them out) and not kept.
func parseSymbolManifest(data []byte) (*SymbolPackage, error) {
	meta, err := symbolMetadata(data)
	if err != nil {
		return nil, err
	}
	id, version := meta.childrenNamed("id"), meta.childrenNamed("version")
	if len(id) != 1 || len(version) != 1 {
		return nil, invalidf("The symbol package's nuspec must have exactly one <id> and one <version>, those of the package it belongs to.")
	}
	if err := ValidateID(id[0].value()); err != nil {
		return nil, err
	}
	v, err := ParseVersion(version[0].value())
	if err != nil {
		return nil, invalidf("The symbol package's <version> is invalid: %s", err)
	}
	var types []PackageType
	for _, t := range meta.childrenNamed("packageTypes") {
		pt, err := readPackageTypes(t)
		if err != nil {
			return nil, err
		}
		types = append(types, pt...)
	}
	if len(types) != 1 || !strings.EqualFold(types[0].Name, SymbolsPackageType) {
		return nil, invalidf("A symbol package's nuspec must declare exactly one package type, %s; dotnet pack and nuget pack -SymbolPackageFormat snupkg write it.", SymbolsPackageType)
	}
	return &SymbolPackage{ID: id[0].value(), Version: v, OriginalVersion: version[0].value()}, nil
}

// PackageEntries lists the files of a .nupkg that OpenPackage accepted,
// with their paths as clients read them.
func PackageEntries(r io.ReaderAt, size int64) ([]Entry, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, notZip(err)
	}
	out := make([]Entry, 0, len(zr.File))
	for _, f := range zr.File {
		name, _ := clientName(f.Name)
		out = append(out, Entry{Path: packagePath(name), File: f})
	}
	return out, nil
}
