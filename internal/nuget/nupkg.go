package nuget

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits bounds what OpenPackage accepts. A zero or negative field takes
// its value from DefaultLimits.
type Limits struct {
	MaxEntries           int   // zip entries, directories included
	MaxNuspecBytes       int64 // the .nuspec, uncompressed
	MaxReadmeBytes       int64 // the embedded readme, uncompressed
	MaxIconBytes         int64 // the embedded icon, uncompressed
	MaxLicenseBytes      int64 // the embedded license file, uncompressed
	MaxUncompressedBytes int64 // all entries together, as their headers declare
}

// DefaultLimits returns nuget.org's limits where it has them: fewer than
// 65,535 zip entries, and 1 MiB each for the readme, icon and license file.
// The nuspec may have 1 MiB (DefaultMaxNuspecBytes) and all entries
// together 2 GiB uncompressed, which bounds what a client extracts
// (OpenPackage checks that no entry expands past its declared size).
func DefaultLimits() Limits {
	return Limits{
		MaxEntries:           65534,
		MaxNuspecBytes:       DefaultMaxNuspecBytes,
		MaxReadmeBytes:       1 << 20,
		MaxIconBytes:         1 << 20,
		MaxLicenseBytes:      1 << 20,
		MaxUncompressedBytes: 2 << 30,
	}
}

// withDefaults fills unset fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	for _, f := range []struct{ v, d *int64 }{
		{&l.MaxNuspecBytes, &d.MaxNuspecBytes}, {&l.MaxReadmeBytes, &d.MaxReadmeBytes},
		{&l.MaxIconBytes, &d.MaxIconBytes}, {&l.MaxLicenseBytes, &d.MaxLicenseBytes},
		{&l.MaxUncompressedBytes, &d.MaxUncompressedBytes},
	} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	return l
}

// Package is an opened, validated .nupkg.
type Package struct {
	Manifest   *Manifest
	Nuspec     []byte // the .nuspec exactly as stored in the zip
	NuspecName string // its entry name, e.g. "Contoso.Utils.nuspec"

	Readme []byte // content of the file <readme> names; nil if none is declared

	Icon            []byte // content of the file <icon> names; nil if none is declared
	IconContentType string // "image/png" or "image/jpeg", from the content; "" without icon

	LicenseFile []byte // content of the license file when License.Type is "file"; else nil
}

// OpenPackage reads and validates a .nupkg of size bytes. It requires a zip
// archive with exactly one .nuspec at its root (nuspec files in folders are
// ignored), validated by the rules of ParseManifest; entry names that are
// relative and stay inside the package (no ".." segment, no leading '/' or
// '\', no drive letter, also after percent-decoding); no two entries with
// the same name, compared after percent-decoding, turning '\' into '/' (old
// packers wrote backslashes; nuget.org accepts them), Unicode normalization
// and case folding, as macOS and Windows compare file names; and the readme,
// icon and license file the nuspec declares to exist in the package with
// the extensions nuget.org allows (readme .md; icon .png, .jpg or .jpeg
// holding a PNG or JPEG image; license file .txt, .md or none, UTF-8 text).
// The package's file name is not known here and not checked.
//
// Entry names are read as NuGet clients read them (see names.go): the
// manifest is chosen by the percent-decoded names, and a name whose escapes
// hide a folder separator, are not UTF-8, or make it the manifest for one
// reader and not another is refused, so Wharf and clients read one manifest.
//
// Every entry is decompressed once, never past the size its headers
// declare: an entry with more data than declared (a zip bomb hiding its
// size), less, a wrong CRC-32 or a compression method other than store and
// deflate is refused, so MaxUncompressedBytes bounds what extracting the
// package writes. The nuspec and embedded files are read up to their own
// limits first.
//
// Errors: *ValidationError with a sentence for the user; those caused by a
// size limit (see Limits) also match ErrTooLarge. An error from r other than
// io.EOF is returned wrapped ("read package: %w"), never as a
// ValidationError, whatever it made the archive look like.
func OpenPackage(r io.ReaderAt, size int64, lim Limits) (*Package, error) {
	rr := &recordingReader{r: r}
	p, err := openPackage(rr, size, lim.withDefaults())
	if rr.err != nil { // whatever went wrong next, the cause is the reader
		return nil, fmt.Errorf("read package: %w", rr.err)
	}
	return p, err
}

// openPackage does OpenPackage's work with limits already defaulted.
func openPackage(r io.ReaderAt, size int64, lim Limits) (*Package, error) {
	if err := checkEntryCount(r, size, lim.MaxEntries); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // names are checked below
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
	m, err := parseManifest(data)
	if err != nil {
		return nil, err
	}
	p := &Package{Manifest: m, Nuspec: data, NuspecName: nuspec.Name}
	if err := p.readEmbedded(idx, lim); err != nil {
		return nil, err
	}
	if err := checkEntryData(zr.File); err != nil {
		return nil, err
	}
	return p, nil
}

// recordingReader remembers the first error of the underlying reader other
// than io.EOF, so that storage failures are not reported as bad packages.
// A damaged archive can make archive/zip read at a negative offset; that is
// refused here rather than passed on as a storage failure.
type recordingReader struct {
	r   io.ReaderAt
	err error
}

var errNegativeOffset = errors.New("an offset points before the start of the file")

// ReadAt reads from the underlying reader, recording its first real error.
func (rr *recordingReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	n, err := rr.r.ReadAt(p, off)
	if err != nil && err != io.EOF && rr.err == nil {
		rr.err = err
	}
	return n, err
}

// notZip explains an archive/zip error.
func notZip(err error) error {
	why := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "archive/"), "zip: ")
	if errors.Is(err, zip.ErrFormat) {
		why = "its zip directory is missing or damaged"
	}
	return invalidf("The package is not a valid .nupkg (zip) file: %s.", display(why))
}

// readEntry decompresses an entry, reading at most limit bytes whatever its
// header declares; what names the file in messages.
func readEntry(f *zip.File, limit int64, what string) ([]byte, error) {
	tooBig := func() error {
		return tooLargef("The package's %s '%s' is larger than the %s limit.", what, display(f.Name), sizeText(limit))
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, tooBig()
	}
	rc, err := f.Open()
	if err != nil {
		return nil, damaged(f, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, damaged(f, err)
	}
	if int64(len(data)) > limit {
		return nil, tooBig()
	}
	return data, nil
}

// damaged explains an error met while decompressing an entry.
func damaged(f *zip.File, err error) error {
	if errors.Is(err, zip.ErrAlgorithm) {
		return invalidf("The package's entry '%s' uses an unsupported compression method; use deflate or no compression.", display(f.Name))
	}
	why := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "archive/"), "zip: ")
	return invalidf("The package is not a valid .nupkg (zip) file: the entry '%s' is damaged (%s).", display(f.Name), display(why))
}

// readEmbedded loads and checks the readme, icon and license file the
// nuspec declares.
func (p *Package) readEmbedded(idx *entryIndex, lim Limits) error {
	m := p.Manifest
	var err error
	if m.Readme != "" {
		if p.Readme, err = embedded(idx, m.Readme, "readme", lim.MaxReadmeBytes, ".md"); err != nil {
			return err
		}
	}
	if m.Icon != "" {
		if p.Icon, err = embedded(idx, m.Icon, "icon", lim.MaxIconBytes, ".png", ".jpg", ".jpeg"); err != nil {
			return err
		}
		if p.IconContentType = imageType(p.Icon); p.IconContentType == "" {
			return invalidf("The package's icon '%s' is not a PNG or JPEG image.", display(m.Icon))
		}
	}
	if m.License != nil && m.License.Type == "file" {
		if p.LicenseFile, err = embedded(idx, m.License.Value, "license file", lim.MaxLicenseBytes, "", ".txt", ".md"); err != nil {
			return err
		}
		if text := bytes.TrimPrefix(p.LicenseFile, []byte{0xEF, 0xBB, 0xBF}); !utf8.Valid(text) || bytes.IndexByte(text, 0) >= 0 {
			return invalidf("The package's license file '%s' is not UTF-8 text.", display(m.License.Value))
		}
	}
	return nil
}

// embedded reads the file the nuspec declares at name, checking that it
// exists, has one of the extensions and fits the limit. It never returns a
// nil slice without an error.
func embedded(idx *entryIndex, name, what string, limit int64, exts ...string) ([]byte, error) {
	f := idx.find(name)
	if f == nil || strings.HasSuffix(f.Name, "/") {
		return nil, invalidf("The package's nuspec declares %s '%s' but the package does not contain that file.", what, display(name))
	}
	if ext := strings.ToLower(path.Ext(name)); !slices.Contains(exts, ext) {
		return nil, invalidf("The package's %s '%s' must have %s.", what, display(name), extensionsText(exts))
	}
	data, err := readEntry(f, limit, what)
	if err != nil {
		return nil, err
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// extensionsText words a list of allowed extensions, "" meaning none:
// "the extension .md", "one of the extensions .png, .jpg, .jpeg",
// "the extension .txt or .md, or no extension".
func extensionsText(exts []string) string {
	named := slices.DeleteFunc(slices.Clone(exts), func(e string) bool { return e == "" })
	s := "the extension " + named[0]
	if len(named) > 1 {
		s = "one of the extensions " + strings.Join(named, ", ")
	}
	if len(named) < len(exts) {
		s += ", or no extension"
	}
	return s
}

// imageType recognizes PNG and JPEG content by its signature.
func imageType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	}
	return ""
}
