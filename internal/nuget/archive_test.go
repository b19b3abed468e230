package nuget

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"
)

// manyEntries builds a stored archive with a root nuspec and n-1 empty files.
func manyEntries(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "a.nuspec", Method: zip.Store})
	w.Write([]byte(minimalNuspec("")))
	for i := 1; i < n; i++ {
		if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f/%d", i), Method: zip.Store}); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// patchCount rewrites the entry count the end-of-central-directory records
// declare (both the classic and, when present, the zip64 one).
func patchCount(t *testing.T, data []byte, count uint64) {
	t.Helper()
	end := bytes.LastIndex(data, []byte{'P', 'K', 5, 6})
	if end < 0 {
		t.Fatal("no end record")
	}
	if binary.LittleEndian.Uint16(data[end+10:]) != 0xffff {
		binary.LittleEndian.PutUint16(data[end+8:], uint16(count))
		binary.LittleEndian.PutUint16(data[end+10:], uint16(count))
		return
	}
	z64 := bytes.LastIndex(data, []byte{'P', 'K', 6, 6})
	if z64 < 0 {
		t.Fatal("no zip64 end record")
	}
	binary.LittleEndian.PutUint64(data[z64+24:], count)
	binary.LittleEndian.PutUint64(data[z64+32:], count)
}

func TestCheckEntryCount(t *testing.T) {
	tests := []struct {
		name     string
		entries  int
		declared int // 0: honest
		max      int
		tooLarge bool
	}{
		{"under", 5, 0, 5, false},
		{"over", 6, 0, 5, true},
		{"declared over", 3, 9, 5, true},
		{"declared under, directory over", 10, 3, 5, true},
		{"declared under, directory under", 4, 2, 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := manyEntries(t, tt.entries)
			if tt.declared != 0 {
				patchCount(t, data, uint64(tt.declared))
			}
			err := checkEntryCount(bytes.NewReader(data), int64(len(data)), tt.max)
			if errors.Is(err, ErrTooLarge) != tt.tooLarge {
				t.Errorf("checkEntryCount = %v, want too large: %v", err, tt.tooLarge)
			}
		})
	}
	t.Run("not a zip", func(t *testing.T) {
		for _, data := range [][]byte{nil, []byte("PK\x05\x06"), bytes.Repeat([]byte("PK\x01\x02"), 100)} {
			if err := checkEntryCount(bytes.NewReader(data), int64(len(data)), 1); err != nil {
				t.Errorf("checkEntryCount(%q) = %v, want nil (left to archive/zip)", data, err)
			}
		}
	})
}

// TestOpenPackageEntryCountLie covers an archive whose zip64 end record
// declares 2 entries while its directory holds 65,538: archive/zip accepts
// it (it compares counts modulo 65536) and would allocate every entry.
func TestOpenPackageEntryCountLie(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 65,538-entry archive")
	}
	data := manyEntries(t, 65538)
	patchCount(t, data, 2)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil || len(zr.File) != 65538 {
		t.Fatalf("archive/zip no longer accepts the lie (%v, %d entries): the test needs a new archive", err, len(zr.File))
	}
	if err := checkEntryCount(bytes.NewReader(data), int64(len(data)), 65534); !errors.Is(err, ErrTooLarge) {
		t.Errorf("checkEntryCount = %v: the lie must be caught before zip.NewReader runs", err)
	}
	p, err := open(t, data, DefaultLimits())
	checkPackageError(t, p, err, "a .nupkg may have at most 65534 zip entries", true)

	honest := manyEntries(t, 65535)
	p, err = open(t, honest, DefaultLimits())
	checkPackageError(t, p, err, "a .nupkg may have at most 65534 zip entries", true)
}

// failingReaderAt fails every read past a byte offset.
type failingReaderAt struct {
	data []byte
	from int64
}

var errDisk = errors.New("disk on fire")

func (f failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.from {
		return 0, errDisk
	}
	return bytes.NewReader(f.data).ReadAt(p, off)
}

func TestOpenPackageReadError(t *testing.T) {
	data := zipOf(t, map[string]string{"a.nuspec": minimalNuspec(`<readme>README.md</readme>`), "README.md": "r"})
	for _, from := range []int64{0, 40, int64(len(data) - 30)} {
		t.Run(fmt.Sprint(from), func(t *testing.T) {
			_, err := OpenPackage(failingReaderAt{data, from}, int64(len(data)), DefaultLimits())
			var ve *ValidationError
			if !errors.Is(err, errDisk) || errors.As(err, &ve) {
				t.Errorf("OpenPackage = %v, want the read error, not a validation error", err)
			}
		})
	}
	t.Run("EOF is not a read error", func(t *testing.T) {
		_, err := OpenPackage(bytes.NewReader(data[:len(data)-10]), int64(len(data)), DefaultLimits())
		var ve *ValidationError
		if !errors.As(err, &ve) || errors.Is(err, io.EOF) {
			t.Errorf("OpenPackage(short reader) = %v, want a validation error", err)
		}
	})
}
