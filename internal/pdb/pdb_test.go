package pdb

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readID(b []byte) (ID, error) { return ReadID(bytes.NewReader(b), int64(len(b))) }

func codeViews(b []byte) ([]CodeView, error) { return CodeViews(bytes.NewReader(b), int64(len(b))) }

// TestAssemblyNamesItsPDB: the DLL that Mono.Cecil wrote names, in its
// CodeView entry, the very ID its portable PDB carries; the DLL built again
// names another.
func TestAssemblyNamesItsPDB(t *testing.T) {
	id, err := readID(read(t, "greeter/Greeter.pdb"))
	if err != nil {
		t.Fatal(err)
	}
	cvs, err := codeViews(read(t, "greeter/Greeter.dll"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cvs) != 1 {
		t.Fatalf("CodeView entries = %+v, want one", cvs)
	}
	cv := cvs[0]
	if cv.ID != id || !cv.Portable || cv.Age != 1 || !strings.HasSuffix(cv.Path, "Greeter.pdb") {
		t.Errorf("CodeView = %+v (ID %s), want portable, age 1, path ending Greeter.pdb, ID %s", cv, cv.ID, id)
	}
	other, err := readID(read(t, "rebuilt/Greeter.pdb"))
	if err != nil {
		t.Fatal(err)
	}
	if other == id || other.GUID == id.GUID {
		t.Errorf("the rebuilt PDB has the same ID %s", id)
	}
}

// TestKey follows the SSQP Portable-Pdb-Signature example: GUID
// {0x497B72F6, 0x390A, 0x44FC, {0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B}}
// of Foo.pdb is foo.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/foo.pdb
// (lower-cased here: servers compare keys without case).
func TestKey(t *testing.T) {
	id := ID{GUID: [16]byte{0xF6, 0x72, 0x7B, 0x49, 0x0A, 0x39, 0xFC, 0x44, 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B}, Stamp: 7}
	if got, want := Key("Foo.pdb", id), "foo.pdb/497b72f6390a44fc878e5a2d63b6cc4bffffffff/foo.pdb"; got != want {
		t.Errorf("Key = %s, want %s", got, want)
	}
	if got, want := id.String(), "497b72f6-390a-44fc-878e-5a2d63b6cc4b stamp 00000007"; got != want {
		t.Errorf("String = %s, want %s", got, want)
	}
}

// TestNotPortable: a Windows PDB is named as such; an assembly, text and
// every truncation of a real PDB are not portable PDBs, without a panic.
func TestNotPortable(t *testing.T) {
	windows := append([]byte("Microsoft C/C++ MSF 7.00\r\n\x1aDS\x00\x00\x00"), make([]byte, 4096)...)
	if _, err := readID(windows); !errors.Is(err, ErrWindowsPDB) {
		t.Errorf("Windows PDB: err = %v, want ErrWindowsPDB", err)
	}
	for name, b := range map[string][]byte{"dll": read(t, "greeter/Greeter.dll"), "text": []byte("not a pdb"), "empty": nil} {
		if _, err := readID(b); !errors.Is(err, ErrNotPDB) {
			t.Errorf("%s: err = %v, want ErrNotPDB", name, err)
		}
	}
	good := read(t, "greeter/Greeter.pdb")
	for n := range len(good) {
		if _, err := readID(good[:n]); err == nil && n < 0x70+20 {
			t.Errorf("truncated to %d bytes: read an ID", n)
		}
	}
	if _, err := codeViews(good); !errors.Is(err, ErrNotPE) {
		t.Errorf("CodeViews of a PDB: err = %v, want ErrNotPE", err)
	}
	dll := read(t, "greeter/Greeter.dll")
	for n := range len(dll) {
		codeViews(dll[:n]) // must not panic
	}
}
