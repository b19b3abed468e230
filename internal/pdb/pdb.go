// Package pdb reads the identity of .NET debug symbols: the ID of a
// portable PDB (its #Pdb stream) and the CodeView entries of an assembly's
// debug directory, which name the PDB that belongs to it. It also builds
// the Simple Symbol Query Protocol (SSQP) keys under which symbol servers
// serve PDBs. It reads only what identifies a file, within fixed bounds,
// and imports only the standard library.
//
// Specifications:
//   - Portable PDB v1.0: https://github.com/dotnet/runtime/blob/main/docs/design/specs/PortablePdb-Metadata.md
//   - Metadata root (ECMA-335 II.24.2.1) and stream headers (II.24.2.2).
//   - Debug directory entries of .NET assemblies: https://github.com/dotnet/runtime/blob/main/docs/design/specs/PE-COFF.md
//   - SSQP keys: https://github.com/dotnet/symstore/blob/main/docs/specs/SSQP_Key_Conventions.md
package pdb

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ID identifies a portable PDB: the GUID and stamp of its #Pdb stream. An
// assembly's CodeView debug directory entry carries the same GUID, and the
// entry's TimeDateStamp the same stamp.
type ID struct {
	GUID  [16]byte // as stored: the first three fields little-endian
	Stamp uint32
}

// String is the GUID in its usual text form followed by the stamp, for
// messages: "3f5162f8-07c6-11d3-9053-00c04fa302a1 stamp 5d390f40".
func (id ID) String() string {
	g := id.GUID
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x stamp %08x",
		binary.LittleEndian.Uint32(g[0:4]), binary.LittleEndian.Uint16(g[4:6]), binary.LittleEndian.Uint16(g[6:8]),
		g[8:10], g[10:16], id.Stamp)
}

// Errors of ReadID. Each says what the file is, for a sentence to the user.
var (
	// ErrWindowsPDB: the file is a Windows (MSF) PDB, which only Windows
	// tools read; symbol packages carry portable PDBs.
	ErrWindowsPDB = errors.New("a Windows PDB")
	// ErrNotPDB: the file is neither a portable nor a Windows PDB, or its
	// header is damaged.
	ErrNotPDB = errors.New("not a portable PDB")
)

// msfMagic starts every Windows PDB (the MSF 7.00 container).
var msfMagic = []byte("Microsoft C/C++ MSF 7.00\r\n\x1aDS\x00\x00\x00")

// Bounds of the metadata root: the version string is at most 255 bytes
// (II.24.2.1), and a portable PDB has a handful of streams.
const (
	maxVersionLen = 256
	maxStreams    = 16
	maxHeaderLen  = 16 + maxVersionLen + 4 + maxStreams*(8+32)
	pdbIDLen      = 20
)

// ReadID reads the ID of the portable PDB in r, of size bytes. It reads
// the metadata root and stream headers (at most a few hundred bytes) and
// the first 20 bytes of the #Pdb stream. Errors: ErrWindowsPDB, ErrNotPDB
// (wrapped with the reason), or r's error.
func ReadID(r io.ReaderAt, size int64) (ID, error) {
	head := make([]byte, min(size, maxHeaderLen))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return ID{}, err
	}
	if bytes.HasPrefix(head, msfMagic) {
		return ID{}, ErrWindowsPDB
	}
	bad := func(why string) (ID, error) { return ID{}, fmt.Errorf("%w: %s", ErrNotPDB, why) }
	if len(head) < 20 || string(head[0:4]) != "BSJB" {
		return bad("it does not start with the metadata signature BSJB")
	}
	vlen := int(binary.LittleEndian.Uint32(head[12:16]))
	if vlen > maxVersionLen || vlen%4 != 0 {
		return bad("its version string length is invalid")
	}
	p := 16 + vlen
	if p+4 > len(head) {
		return bad("its metadata header is cut short")
	}
	n := int(binary.LittleEndian.Uint16(head[p+2 : p+4]))
	if n > maxStreams {
		return bad("it declares too many streams")
	}
	p += 4
	for range n {
		if p+8 > len(head) {
			return bad("its stream headers are cut short")
		}
		off, sz := binary.LittleEndian.Uint32(head[p:p+4]), binary.LittleEndian.Uint32(head[p+4:p+8])
		p += 8
		end := bytes.IndexByte(head[p:min(p+32, len(head))], 0)
		if end < 0 {
			return bad("a stream name is not terminated")
		}
		name := string(head[p : p+end])
		p += (end + 4) &^ 3 // the name, its NUL and padding to 4 bytes
		if name != "#Pdb" {
			continue
		}
		if sz < pdbIDLen || int64(off)+pdbIDLen > size {
			return bad("its #Pdb stream lies outside the file")
		}
		b := make([]byte, pdbIDLen)
		if _, err := r.ReadAt(b, int64(off)); err != nil && !(err == io.EOF) {
			return ID{}, err
		}
		var id ID
		copy(id.GUID[:], b[:16])
		id.Stamp = binary.LittleEndian.Uint32(b[16:20])
		return id, nil
	}
	return bad("it has no #Pdb stream (an assembly's metadata is not a PDB)")
}

// Key is the SSQP key of a portable PDB named fileName with id:
// "{file}/{guid}ffffffff/{file}", the file name and every hex digit in
// lower case (the Portable-Pdb-Signature convention; the age of a Windows
// PDB is replaced by FFFFFFFF). Symbol servers compare keys without case.
func Key(fileName string, id ID) string {
	f := strings.ToLower(fileName)
	return f + "/" + guidHex(id.GUID) + "ffffffff/" + f
}

// guidHex formats a GUID as SSQP keys do: each field as a big-endian
// number with its leading zeros, the last eight bytes in order.
func guidHex(g [16]byte) string {
	var b [16]byte
	binary.BigEndian.PutUint32(b[0:4], binary.LittleEndian.Uint32(g[0:4]))
	binary.BigEndian.PutUint16(b[4:6], binary.LittleEndian.Uint16(g[4:6]))
	binary.BigEndian.PutUint16(b[6:8], binary.LittleEndian.Uint16(g[6:8]))
	copy(b[8:], g[8:])
	return hex.EncodeToString(b[:])
}
