package storagetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/iotest"
	"time"

	"github.com/wharf-registry/wharf/internal/storage"
)

const nupkgKey = "packages/newtonsoft.json/13.0.3/0123456789abcdef/newtonsoft.json.13.0.3.nupkg"

func testRoundTrip(t *testing.T, s storage.Blobs) {
	data := pattern(1, 100_000)
	mustPut(t, s, nupkgKey, data)
	b, err := s.Open(t.Context(), nupkgKey)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	if got := b.Info(); got.Key != nupkgKey || got.Size != int64(len(data)) {
		t.Errorf("Blob.Info() = %+v; want key %q, size %d", got, nupkgKey, len(data))
	}
	got, err := io.ReadAll(b)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadAll = %d bytes, %v; want the %d bytes put", len(got), err, len(data))
	}
}

func testStat(t *testing.T, s storage.Blobs) {
	before := time.Now()
	mustPut(t, s, "a/b", pattern(2, 1234))
	info, err := s.Stat(t.Context(), "a/b")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if info.Key != "a/b" || info.Size != 1234 {
		t.Errorf("Stat = %+v; want key a/b, size 1234", info)
	}
	// Clocks and timestamp granularity differ between backends: only check
	// that ModTime is set and plausible.
	if d := info.ModTime.Sub(before); d < -5*time.Minute || d > 5*time.Minute {
		t.Errorf("Stat ModTime = %v, %v away from the Put; want within 5 minutes", info.ModTime, d)
	}
}

func testOverwrite(t *testing.T, s storage.Blobs) {
	mustPut(t, s, "k", pattern(3, 50_000))
	short := pattern(4, 1_000)
	mustPut(t, s, "k", short)
	wantContent(t, s, "k", short)
	long := pattern(5, 70_000)
	mustPut(t, s, "k", long)
	wantContent(t, s, "k", long)
	wantKeys(t, s, "", "k")
}

func testOpenSurvivesOverwrite(t *testing.T, s storage.Blobs) {
	v1, v2 := pattern(6, 300_000), pattern(7, 10_000)
	mustPut(t, s, "k", v1)
	b, err := s.Open(t.Context(), "k")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	mustPut(t, s, "k", v2)
	if b.Info().Size != int64(len(v1)) {
		t.Errorf("Info().Size = %d after overwrite; want the opened version's %d", b.Info().Size, len(v1))
	}
	got, err := io.ReadAll(b)
	if err == nil && !bytes.Equal(got, v1) {
		t.Errorf("a blob opened before an overwrite read %d bytes that are not the old version", len(got))
	}
	wantContent(t, s, "k", v2)
}

func testMissing(t *testing.T, s storage.Blobs) {
	wantAbsent(t, s, "nope")
	mustPut(t, s, "dir/file", []byte("x"))
	wantAbsent(t, s, "dir/file/below") // under a blob
	wantAbsent(t, s, "dir")            // a prefix is not a key
	wantAbsent(t, s, "dir/fil")
}

func testDelete(t *testing.T, s storage.Blobs) {
	ctx := t.Context()
	mustPut(t, s, "d/e/f", []byte("f"))
	mustPut(t, s, "d/g", []byte("g"))
	for range 2 {
		if err := s.Delete(ctx, "d/g"); err != nil {
			t.Fatalf("Delete(d/g): %v", err)
		}
	}
	wantAbsent(t, s, "d/g")
	for _, key := range []string{"never/was", "d/e", "d"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q) of a missing key = %v; want nil", key, err)
		}
	}
	wantContent(t, s, "d/e/f", []byte("f"))
	wantKeys(t, s, "", "d/e/f")
}

func testZeroBytes(t *testing.T, s storage.Blobs) {
	if err := s.Put(t.Context(), "empty", bytes.NewReader(nil), 0); err != nil {
		t.Fatalf("Put of 0 bytes: %v", err)
	}
	wantContent(t, s, "empty", []byte{})
	wantKeys(t, s, "", "empty")
}

// testLarge streams 5 MB of random bytes from a reader that is only an
// io.Reader and returns short reads.
func testLarge(t *testing.T, s storage.Blobs) {
	const size = 5 << 20
	seed := [32]byte{42}
	src := struct{ io.Reader }{iotest.HalfReader(io.LimitReader(rand.NewChaCha8(seed), size))}
	if err := s.Put(t.Context(), "big", src, size); err != nil {
		t.Fatalf("Put 5 MB: %v", err)
	}
	want := sha256.New()
	io.CopyN(want, rand.NewChaCha8(seed), size)
	b, err := s.Open(t.Context(), "big")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	got := sha256.New()
	n, err := io.Copy(got, b)
	if err != nil || n != size || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("read back %d bytes (err %v), equal hash %v; want %d bytes with the same hash", n, err, bytes.Equal(got.Sum(nil), want.Sum(nil)), size)
	}
}

func testSeekRead(t *testing.T, s storage.Blobs) {
	data := pattern(8, 10_000)
	mustPut(t, s, "k", data)
	b, err := s.Open(t.Context(), "k")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer b.Close()
	steps := []struct {
		offset int64
		whence int
		pos    int64
		n      int
	}{
		{100, io.SeekStart, 100, 50},
		{10, io.SeekCurrent, 160, 40},
		{-10, io.SeekEnd, 9990, 10},
		{0, io.SeekStart, 0, 1},
		{0, io.SeekEnd, 10_000, 0},
	}
	for _, st := range steps {
		pos, err := b.Seek(st.offset, st.whence)
		if err != nil || pos != st.pos {
			t.Fatalf("Seek(%d, %d) = %d, %v; want %d", st.offset, st.whence, pos, err, st.pos)
		}
		buf := make([]byte, st.n)
		if _, err := io.ReadFull(b, buf); err != nil || !bytes.Equal(buf, data[pos:pos+int64(st.n)]) {
			t.Fatalf("after Seek to %d, reading %d bytes: %v or wrong bytes", pos, st.n, err)
		}
	}
	if n, err := b.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read at end = %d, %v; want 0, io.EOF", n, err)
	}
}

// testServeContent serves a blob over real TCP, as the download route does.
func testServeContent(t *testing.T, s storage.Blobs) {
	data := pattern(9, 200_000)
	mustPut(t, s, "k", data)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := s.Open(r.Context(), "k")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer b.Close()
		http.ServeContent(w, r, "k.nupkg", b.Info().ModTime, b)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		rng    string
		status int
		want   []byte
	}{
		{"", http.StatusOK, data},
		{"bytes=1000-1999", http.StatusPartialContent, data[1000:2000]},
		{"bytes=-100", http.StatusPartialContent, data[len(data)-100:]},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		if tc.rng != "" {
			req.Header.Set("Range", tc.rng)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("GET Range %q: %v", tc.rng, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tc.status || !bytes.Equal(body, tc.want) {
			t.Errorf("GET Range %q = %d with %d bytes (%v); want %d with %d bytes", tc.rng, resp.StatusCode, len(body), err, tc.status, len(tc.want))
		}
	}
}

func testPing(t *testing.T, s storage.Blobs) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := s.Ping(cancelledContext(t)); err == nil {
		t.Errorf("Ping with a cancelled context = nil; want an error")
	}
	wantEmpty(t, s)
}

func isInvalid(err error) bool {
	return errors.Is(err, storage.ErrInvalidKey) && !errors.Is(err, storage.ErrNotFound)
}
