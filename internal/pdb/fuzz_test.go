package pdb

import (
	"bytes"
	"os"
	"testing"
)

// FuzzReadID: no input makes ReadID panic or read past its bounds; an ID
// is only read from a file with the metadata signature.
func FuzzReadID(f *testing.F) {
	for _, name := range []string{"greeter/Greeter.pdb", "rebuilt/Greeter.pdb", "greeter/Greeter.dll"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("Microsoft C/C++ MSF 7.00\r\n\x1aDS\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := ReadID(bytes.NewReader(b), int64(len(b))); err == nil && !bytes.HasPrefix(b, []byte("BSJB")) {
			t.Errorf("read an ID from a file without the BSJB signature")
		}
	})
}

// FuzzCodeViews: no input makes CodeViews panic.
func FuzzCodeViews(f *testing.F) {
	for _, name := range []string{"greeter/Greeter.dll", "rebuilt/Greeter.dll"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		CodeViews(bytes.NewReader(b), int64(len(b)))
	})
}
