package nuget

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"io"
	"strings"
)

// This file checks the structure of a package's zip archive: the number of
// entries, their names, and an index to find the files a nuspec declares.

// entryIndex finds zip entries by path, case-insensitively.
type entryIndex struct {
	byName  map[string]*zip.File // by canonicalName: decoded as clients read them, folded
	nuspecs []*zip.File          // *.nuspec files at the root
}

// indexEntries checks every entry name and the declared total size.
func indexEntries(files []*zip.File, lim Limits) (*entryIndex, error) {
	if len(files) > lim.MaxEntries {
		return nil, tooManyEntries(lim.MaxEntries)
	}
	idx := &entryIndex{byName: make(map[string]*zip.File, len(files))}
	var total uint64
	for _, f := range files {
		if err := checkEntryName(f.Name); err != nil {
			return nil, err
		}
		key := canonicalName(f.Name)
		if other := idx.byName[key]; other != nil {
			return nil, duplicateEntry(other.Name, f.Name)
		}
		idx.byName[key] = f
		if total += f.UncompressedSize64; total > uint64(lim.MaxUncompressedBytes) || total < f.UncompressedSize64 {
			return nil, tooLargef("The package's files add up to more than %s uncompressed, the limit.", sizeText(lim.MaxUncompressedBytes))
		}
		if name, _ := clientName(f.Name); isManifestName(name) {
			idx.nuspecs = append(idx.nuspecs, f)
		}
	}
	return idx, nil
}

// rootNuspec returns the one .nuspec at the package root.
func (idx *entryIndex) rootNuspec() (*zip.File, error) {
	switch len(idx.nuspecs) {
	case 0:
		return nil, invalidf("The package has no .nuspec file at its root; a .nupkg must contain exactly one, such as 'Contoso.Utilities.nuspec'.")
	case 1:
		return idx.nuspecs[0], nil
	}
	names := make([]string, len(idx.nuspecs))
	for i, f := range idx.nuspecs {
		names[i] = "'" + display(f.Name) + "'"
	}
	return nil, invalidf("The package has %d .nuspec files at its root (%s); it must have exactly one.", len(names), strings.Join(names, ", "))
}

// find returns the entry a nuspec path names, or nil. As in NuGet.Client's
// GetStream, the path is compared with the entries' decoded names, never
// decoded itself; unlike it, case and Unicode normalization are ignored.
func (idx *entryIndex) find(p string) *zip.File {
	return idx.byName[foldName(strings.TrimPrefix(packagePath(p), "./"))]
}

// Counting entries before archive/zip does: it builds a *zip.File for every
// record of the central directory before the caller can look at the count,
// and reads records until one fails to parse, checking the declared count
// only modulo 65536. A small archive can therefore make zip.NewReader
// allocate millions of entries. checkEntryCount finds the central directory
// the way archive/zip does and counts its records in constant memory first,
// so that OpenPackage rejects such archives before zip.NewReader runs.

// Zip record layouts (APPNOTE.TXT 4.3.12-4.3.16).
const (
	dirEndLen       = 22
	dirEndSig       = 0x06054b50
	dir64LocatorLen = 20
	dir64LocatorSig = 0x07064b50
	dir64EndLen     = 56
	dir64EndSig     = 0x06064b50
	dirHeaderLen    = 46
	dirHeaderSig    = 0x02014b50
	dirEndSearchLen = 65 * 1024 // how far from the end archive/zip looks
)

// centralDir is what the end-of-central-directory records declare.
type centralDir struct {
	records, size, offset uint64
	end                   int64 // offset of the (zip64) end record
}

// checkEntryCount returns an ErrTooLarge error if the archive declares, or
// its central directory holds, more than max records. Damage it cannot make
// sense of is left for zip.NewReader to report.
func checkEntryCount(r io.ReaderAt, size int64, max int) error {
	d, ok := findCentralDir(r, size)
	if !ok {
		return nil
	}
	if d.records > uint64(max) {
		return tooManyEntries(max)
	}
	if d.size > 1<<62 || d.offset > 1<<62 {
		return nil
	}
	// archive/zip starts at offset+base, or at offset when a record is there.
	starts := []int64{int64(d.offset)}
	if base := d.end - int64(d.size) - int64(d.offset); base > 0 {
		starts = append(starts, base+int64(d.offset))
	}
	for _, s := range starts {
		if countDirRecords(r, size, s, max+1) > max {
			return tooManyEntries(max)
		}
	}
	return nil
}

func tooManyEntries(max int) error {
	return tooLargef("The package has too many files: a .nupkg may have at most %d zip entries.", max)
}

// findCentralDir reads the end-of-central-directory record (and its zip64
// counterpart) exactly where archive/zip would find it.
func findCentralDir(r io.ReaderAt, size int64) (centralDir, bool) {
	n := min(size, dirEndSearchLen)
	if n < dirEndLen {
		return centralDir{}, false
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return centralDir{}, false
	}
	p := -1
	for i := len(buf) - dirEndLen; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == dirEndSig {
			if i+dirEndLen+int(binary.LittleEndian.Uint16(buf[i+20:])) <= len(buf) {
				p = i
			}
			break
		}
	}
	if p < 0 {
		return centralDir{}, false
	}
	e := buf[p:]
	d := centralDir{
		records: uint64(binary.LittleEndian.Uint16(e[10:])),
		size:    uint64(binary.LittleEndian.Uint32(e[12:])),
		offset:  uint64(binary.LittleEndian.Uint32(e[16:])),
		end:     size - n + int64(p),
	}
	if d.records == 0xffff || d.size == 0xffff || d.offset == 0xffffffff {
		return readZip64End(r, d)
	}
	return d, true
}

// readZip64End replaces d's values with those of the zip64 end record when
// a valid zip64 locator precedes the end record.
func readZip64End(r io.ReaderAt, d centralDir) (centralDir, bool) {
	at := d.end - dir64LocatorLen
	if at < 0 {
		return d, true
	}
	loc := make([]byte, dir64LocatorLen)
	if _, err := r.ReadAt(loc, at); err != nil {
		return centralDir{}, false
	}
	le := binary.LittleEndian
	if le.Uint32(loc) != dir64LocatorSig || le.Uint32(loc[4:]) != 0 || le.Uint32(loc[16:]) != 1 {
		return d, true
	}
	off := le.Uint64(loc[8:])
	if off > 1<<62 {
		return centralDir{}, false
	}
	rec := make([]byte, dir64EndLen)
	if _, err := r.ReadAt(rec, int64(off)); err != nil || le.Uint32(rec) != dir64EndSig {
		return centralDir{}, false
	}
	return centralDir{records: le.Uint64(rec[32:]), size: le.Uint64(rec[40:]), offset: le.Uint64(rec[48:]), end: int64(off)}, true
}

// countDirRecords counts consecutive central directory records from start,
// as archive/zip reads them, stopping once it reaches limit.
func countDirRecords(r io.ReaderAt, size, start int64, limit int) int {
	if start < 0 || start >= size {
		return 0
	}
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), 64<<10)
	var hdr [dirHeaderLen]byte
	n := 0
	for n < limit {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			break
		}
		if binary.LittleEndian.Uint32(hdr[:]) != dirHeaderSig {
			break
		}
		vlen := int(binary.LittleEndian.Uint16(hdr[28:])) + int(binary.LittleEndian.Uint16(hdr[30:])) + int(binary.LittleEndian.Uint16(hdr[32:]))
		if _, err := br.Discard(vlen); err != nil {
			break
		}
		n++
	}
	return n
}
