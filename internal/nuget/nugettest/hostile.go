package nugettest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"strconv"
	"sync"
)

// This file builds the hostile packages that the fuzz seeds and the
// hostile-input tests send: archives with entry names a writer of .nupkg
// files never produces, zip bombs and nuspecs that attack the XML parser.

// Entry is one entry of a hostile archive: its name exactly as written
// (duplicates, '..', absolute paths and backslashes included) and its
// content. With Zeros > 0 the content is instead that many zero bytes,
// deflated about a thousandfold: a zip bomb. Declared, when not zero, is
// the uncompressed size the entry's headers claim instead of the real one.
type Entry struct {
	Name     string
	Data     []byte
	Zeros    int64 // a multiple of 1 MiB
	Declared int64
}

// Zip returns a zip archive of entries in order, deflated. It panics on
// entries zip.Writer refuses (a name longer than 65535 bytes) and on Zeros
// that are not a multiple of 1 MiB.
func Zip(entries ...Entry) []byte {
	var buf, entry bytes.Buffer
	zw := zip.NewWriter(&buf)
	fw, _ := flate.NewWriter(&entry, flate.BestCompression)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: fixedTime}
		data, size, crc := deflated(e, fw, &entry)
		h.CRC32, h.CompressedSize64, h.UncompressedSize64 = crc, uint64(len(data)), uint64(size)
		if e.Declared != 0 {
			h.UncompressedSize64 = uint64(e.Declared)
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			panic(err)
		}
		if _, err := w.Write(data); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// deflated returns an entry's compressed content, real size and CRC-32,
// compressing with fw into buf (a flate.Writer costs a megabyte to make).
func deflated(e Entry, fw *flate.Writer, buf *bytes.Buffer) ([]byte, int64, uint32) {
	if e.Zeros > 0 {
		data, crc := zeroStream(e.Zeros)
		return data, e.Zeros, crc
	}
	buf.Reset()
	fw.Reset(buf)
	fw.Write(e.Data)
	fw.Close()
	return buf.Bytes(), int64(len(e.Data)), crc32.ChecksumIEEE(e.Data)
}

const mib = 1 << 20

// zeroStreams caches zeroStream's results by size: building the stream is
// cheap, but its CRC-32 reads every byte it expands to.
var zeroStreams sync.Map // int64 -> zeroResult

type zeroResult struct {
	data []byte
	crc  uint32
}

// zeroStream returns a deflate stream that expands to n zero bytes (n a
// multiple of 1 MiB) in about n/1000 bytes, and the CRC-32 of those bytes.
// A block that deflates 1 MiB of zeros while the window already holds
// zeros refers back only to zeros, so repeating it extends the output by
// 1 MiB each time without compressing the whole output.
func zeroStream(n int64) ([]byte, uint32) {
	if n <= 0 || n%mib != 0 {
		panic("nugettest: Zeros must be a positive multiple of 1 MiB")
	}
	if r, ok := zeroStreams.Load(n); ok {
		return r.(zeroResult).data, r.(zeroResult).crc
	}
	zeros := make([]byte, mib)
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(zeros)
	fw.Flush()
	first := buf.Len()
	fw.Write(zeros)
	fw.Flush()
	block := bytes.Clone(buf.Bytes()[first:])
	var out bytes.Buffer
	out.Write(buf.Bytes()[:first])
	crc := crc32.Update(0, crc32.IEEETable, zeros)
	for i := int64(1); i < n/mib; i++ {
		out.Write(block)
		crc = crc32.Update(crc, crc32.IEEETable, zeros)
	}
	buf.Reset()
	fw.Reset(&buf)
	fw.Close() // an empty final block
	out.Write(buf.Bytes())
	zeroStreams.Store(n, zeroResult{out.Bytes(), crc})
	return out.Bytes(), crc
}

// ManyEntries returns n entries named e0, e1, ... with no content, for
// archives with more entries than a .nupkg may have.
func ManyEntries(n int) []Entry {
	out := make([]Entry, n)
	for i := range out {
		out[i] = Entry{Name: "e" + strconv.Itoa(i)}
	}
	return out
}

// BillionLaughs is a nuspec whose entities would expand to 10^9 "lol"s
// (3 GB) in a parser that expands them.
const BillionLaughs = `<?xml version="1.0"?>
<!DOCTYPE package [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<package><metadata><id>Lol.Bomb</id><version>1.0.0</version><authors>a</authors><description>&lol9;</description></metadata></package>
`

// ExternalEntity is a nuspec whose description would be the server's
// /etc/passwd in a parser that resolves external entities (XXE).
const ExternalEntity = `<?xml version="1.0"?>
<!DOCTYPE package [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<package><metadata><id>Xxe.Probe</id><version>1.0.0</version><authors>a</authors><description>&xxe;</description></metadata></package>
`
