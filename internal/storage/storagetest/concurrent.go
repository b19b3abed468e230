package storagetest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/wharf-registry/wharf/internal/storage"
)

func testConcurrentDistinct(t *testing.T, s storage.Blobs) {
	const n = 32
	key := func(i int) string { return fmt.Sprintf("packages/p%d/v%d/up%d/file", i%3, i%5, i) }
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			data := pattern(byte(i), 10_000+i)
			if err := s.Put(t.Context(), key(i), bytes.NewReader(data), int64(len(data))); err != nil {
				t.Errorf("Put(%q): %v", key(i), err)
			}
		})
	}
	wg.Wait()
	for i := range n {
		wantContent(t, s, key(i), pattern(byte(i), 10_000+i))
	}
	if got := listKeys(t, s, ""); len(got) != n {
		t.Errorf("List found %d keys; want %d", len(got), n)
	}
}

// version is the content writer w puts: its size tells which writer.
func version(w int) []byte { return bytes.Repeat([]byte{byte('A' + w)}, 40_000+w*3_001) }

// testConcurrentSameKey races writers of different versions of one key
// against readers: every read must be one complete version.
func testConcurrentSameKey(t *testing.T, s storage.Blobs) {
	const writers, rounds, readers = 6, 5, 4
	done := make(chan struct{})
	var rg sync.WaitGroup
	for range readers {
		rg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				checkOneVersion(t, s, "same/key")
			}
		})
	}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range rounds {
				data := version(w)
				if err := s.Put(t.Context(), "same/key", bytes.NewReader(data), int64(len(data))); err != nil {
					t.Errorf("writer %d: Put: %v", w, err)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	rg.Wait()
	if !checkOneVersion(t, s, "same/key") {
		t.Errorf("after all writers, same/key is missing")
	}
	wantKeys(t, s, "", "same/key")
}

// checkOneVersion reads key and reports whether it existed; content that is
// not exactly one writer's version fails the test.
func checkOneVersion(t *testing.T, s storage.Blobs, key string) bool {
	b, err := s.Open(t.Context(), key)
	if errors.Is(err, storage.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Errorf("Open(%q): %v", key, err)
		return false
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Errorf("reading %q: %v", key, err)
		return true
	}
	if len(data) == 0 || !bytes.Equal(data, version(int(data[0]-'A'))) || b.Info().Size != int64(len(data)) {
		t.Errorf("read %d bytes (Info().Size %d) that are not one complete version", len(data), b.Info().Size)
	}
	return true
}

// testConcurrentSiblings puts and deletes keys that share directories:
// a Delete tidying up must never make a concurrent Put fail.
func testConcurrentSiblings(t *testing.T, s storage.Blobs) {
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				key := fmt.Sprintf("packages/x/1.0.0/u%d/f%d", r%2, w)
				if err := s.Put(t.Context(), key, bytes.NewReader([]byte(key)), int64(len(key))); err != nil {
					t.Errorf("Put(%q) beside deletes: %v", key, err)
					return
				}
				if err := s.Delete(t.Context(), key); err != nil {
					t.Errorf("Delete(%q): %v", key, err)
					return
				}
			}
		})
	}
	wg.Wait()
	wantEmpty(t, s)
}
