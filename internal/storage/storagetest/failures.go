package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wharf-registry/wharf/internal/storage"
)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func testShortReader(t *testing.T, s storage.Blobs) {
	err := s.Put(t.Context(), "k", bytes.NewReader(pattern(1, 50)), 100)
	if !errors.Is(err, storage.ErrSizeMismatch) {
		t.Fatalf("Put of 50 bytes declared as 100 = %v; want ErrSizeMismatch", err)
	}
	wantAbsent(t, s, "k")
	wantEmpty(t, s)
}

func testLongReader(t *testing.T, s storage.Blobs) {
	for _, size := range []int64{0, 10, 100_000} {
		src := &countingReader{r: bytes.NewReader(pattern(2, 1<<20))}
		err := s.Put(t.Context(), "a/k", src, size)
		if !errors.Is(err, storage.ErrSizeMismatch) {
			t.Fatalf("Put of 1 MB declared as %d = %v; want ErrSizeMismatch", size, err)
		}
		if src.n > size+1 {
			t.Errorf("Put declared as %d read %d bytes; want at most size+1", size, src.n)
		}
	}
	wantAbsent(t, s, "a/k")
	wantEmpty(t, s)
}

func testNegativeSize(t *testing.T, s storage.Blobs) {
	if err := s.Put(t.Context(), "k", strings.NewReader(""), -1); !errors.Is(err, storage.ErrSizeMismatch) {
		t.Fatalf("Put with size -1 = %v; want ErrSizeMismatch", err)
	}
	wantEmpty(t, s)
}

var errBoom = errors.New("boom: connection reset by client")

func testFailingReader(t *testing.T, s storage.Blobs) {
	src := io.MultiReader(bytes.NewReader(pattern(3, 300_000)), iotest.ErrReader(errBoom))
	err := s.Put(t.Context(), "p/q/k", src, 1<<20)
	if !errors.Is(err, errBoom) {
		t.Fatalf("Put from a failing reader = %v; want it to wrap the reader's error", err)
	}
	wantAbsent(t, s, "p/q/k")
	wantEmpty(t, s)
}

func testFailedOverwrite(t *testing.T, s storage.Blobs) {
	old := pattern(4, 20_000)
	mustPut(t, s, "k", old)
	src := io.MultiReader(bytes.NewReader(pattern(5, 10_000)), iotest.ErrReader(errBoom))
	if err := s.Put(t.Context(), "k", src, 30_000); !errors.Is(err, errBoom) {
		t.Fatalf("failing overwrite = %v; want the reader's error", err)
	}
	if err := s.Put(t.Context(), "k", bytes.NewReader(pattern(5, 10)), 20); !errors.Is(err, storage.ErrSizeMismatch) {
		t.Fatalf("short overwrite = %v; want ErrSizeMismatch", err)
	}
	wantContent(t, s, "k", old)
	wantKeys(t, s, "", "k")
}

func testCancelledBefore(t *testing.T, s storage.Blobs) {
	err := s.Put(cancelledContext(t), "k", bytes.NewReader([]byte("x")), 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a cancelled context = %v; want context.Canceled", err)
	}
	wantAbsent(t, s, "k")
	wantEmpty(t, s)
}

// cancellingReader cancels its context once after bytes have been read, then
// keeps supplying data.
type cancellingReader struct {
	r      io.Reader
	after  int64
	read   int64
	cancel context.CancelFunc
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	if c.read >= c.after {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

func testCancelledMid(t *testing.T, s storage.Blobs) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	const size = 2 << 20
	src := &cancellingReader{r: bytes.NewReader(pattern(6, size)), after: 100_000, cancel: cancel}
	err := s.Put(ctx, "x/k", src, size)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put cancelled mid-way = %v; want context.Canceled", err)
	}
	wantAbsent(t, s, "x/k")
	wantEmpty(t, s)
}
