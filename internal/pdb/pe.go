package pdb

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// CodeView is one CodeView entry of an assembly's debug directory: the PDB
// the assembly was built with.
type CodeView struct {
	ID       ID     // GUID from the RSDS record, stamp from the entry's TimeDateStamp
	Age      uint32 // 1 for portable PDBs
	Path     string // the PDB's path as the compiler wrote it
	Portable bool   // MinorVersion "PM" (0x504d): the PDB is portable
}

// ErrNotPE: the file is not a PE image (an assembly), or its headers are
// damaged.
var ErrNotPE = errors.New("not a PE image")

// Debug directory layout (PE/COFF specification 5.1.1; PE-COFF.md).
const (
	debugDirIndex     = 6 // IMAGE_DIRECTORY_ENTRY_DEBUG
	debugEntryLen     = 28
	maxDebugEntries   = 64
	typeCodeView      = 2
	portableMinor     = 0x504d // "PM"
	maxCodeViewLen    = 24 + 1024
	codeViewSignature = "RSDS"
)

// CodeViews returns the CodeView entries of the debug directory of the PE
// image in r, in order; none when the image has no debug directory. It
// reads the PE headers, at most 64 debug directory entries and 1 KB of
// each CodeView record. Errors: ErrNotPE (wrapped with the reason), or
// r's error.
func CodeViews(r io.ReaderAt, size int64) ([]CodeView, error) {
	f, err := pe.NewFile(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPE, err)
	}
	var dd pe.DataDirectory
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		if oh.NumberOfRvaAndSizes > debugDirIndex {
			dd = oh.DataDirectory[debugDirIndex]
		}
	case *pe.OptionalHeader64:
		if oh.NumberOfRvaAndSizes > debugDirIndex {
			dd = oh.DataDirectory[debugDirIndex]
		}
	default:
		return nil, fmt.Errorf("%w: it has no optional header", ErrNotPE)
	}
	if dd.VirtualAddress == 0 || dd.Size == 0 {
		return nil, nil
	}
	n := int(dd.Size / debugEntryLen)
	if n > maxDebugEntries {
		return nil, fmt.Errorf("%w: its debug directory has more than %d entries", ErrNotPE, maxDebugEntries)
	}
	dir, err := readRVA(f, dd.VirtualAddress, n*debugEntryLen)
	if err != nil {
		return nil, err
	}
	var out []CodeView
	for i := range n {
		e := dir[i*debugEntryLen : (i+1)*debugEntryLen]
		le := binary.LittleEndian
		stamp, minor, typ := le.Uint32(e[4:8]), le.Uint16(e[10:12]), le.Uint32(e[12:16])
		dataLen, filePtr := le.Uint32(e[16:20]), le.Uint32(e[24:28])
		if typ != typeCodeView {
			continue
		}
		if dataLen < 24 || dataLen > maxCodeViewLen || int64(filePtr)+int64(dataLen) > size {
			return nil, fmt.Errorf("%w: its CodeView debug entry is damaged", ErrNotPE)
		}
		data := make([]byte, dataLen)
		if _, err := r.ReadAt(data, int64(filePtr)); err != nil && err != io.EOF {
			return nil, err
		}
		if string(data[:4]) != codeViewSignature {
			continue // an older CodeView format, which no .NET compiler writes
		}
		cv := CodeView{Age: le.Uint32(data[20:24]), Portable: minor == portableMinor}
		copy(cv.ID.GUID[:], data[4:20])
		cv.ID.Stamp = stamp
		path := data[24:]
		if i := bytes.IndexByte(path, 0); i >= 0 {
			path = path[:i]
		}
		cv.Path = string(path)
		out = append(out, cv)
	}
	return out, nil
}

// readRVA reads n bytes at a relative virtual address, from the section
// that holds it.
func readRVA(f *pe.File, rva uint32, n int) ([]byte, error) {
	for _, s := range f.Sections {
		if rva < s.VirtualAddress || uint64(rva)+uint64(n) > uint64(s.VirtualAddress)+uint64(s.Size) {
			continue
		}
		b := make([]byte, n)
		if _, err := s.ReadAt(b, int64(rva-s.VirtualAddress)); err != nil && err != io.EOF {
			return nil, fmt.Errorf("%w: reading its debug directory: %v", ErrNotPE, err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%w: its debug directory lies outside its sections", ErrNotPE)
}
