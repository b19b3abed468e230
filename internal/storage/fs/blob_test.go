package fs

import (
	"io"
	"os"
	"syscall"
	"testing"
)

// TestBlobSendfile checks the Blob from Open keeps what the zero-copy
// paths look for. Whether the kernel then uses sendfile is not observable
// from a test; these are the type checks those paths make: net/http hands
// the body (inside an io.LimitedReader) to (*net.TCPConn).ReadFrom, whose
// sendfile path asserts syscall.Conn (net/sendfile.go); io.Copy prefers
// the source's io.WriterTo, which *os.File implements with sendfile/splice.
func TestBlobSendfile(t *testing.T) {
	s := newStore(t)
	if err := put(t, s, "k", "content"); err != nil {
		t.Fatal(err)
	}
	b, err := s.Open(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fb, ok := b.(*blob)
	if !ok || fb.File == nil {
		t.Fatalf("Open returned %T; want *blob embedding a non-nil *os.File", b)
	}
	var _ *os.File = fb.File
	if _, ok := b.(syscall.Conn); !ok {
		t.Errorf("%T is not a syscall.Conn: net's sendfile path would fall back to copying", b)
	}
	if _, ok := b.(io.WriterTo); !ok {
		t.Errorf("%T is not an io.WriterTo", b)
	}
	if _, ok := b.(io.ReaderAt); !ok {
		t.Errorf("%T is not an io.ReaderAt", b)
	}
}
