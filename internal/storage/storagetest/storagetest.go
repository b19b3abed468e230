// Package storagetest is the conformance suite every storage.Blobs backend
// runs: call Run from the backend's tests with a constructor of empty
// stores.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/wharf-registry/wharf/internal/storage"
)

// Run checks that the stores newStore returns behave as storage.Blobs
// documents. newStore must return a new, empty store each call and arrange
// its cleanup with t.Cleanup. Subtests run in parallel.
func Run(t *testing.T, newStore func(t *testing.T) storage.Blobs) {
	tests := []struct {
		name string
		fn   func(*testing.T, storage.Blobs)
	}{
		{"PutOpenRoundTrip", testRoundTrip},
		{"Stat", testStat},
		{"Overwrite", testOverwrite},
		{"OpenBlobSurvivesOverwrite", testOpenSurvivesOverwrite},
		{"Missing", testMissing},
		{"DeleteIdempotent", testDelete},
		{"ZeroBytes", testZeroBytes},
		{"Large5MBNonSeekable", testLarge},
		{"SeekRead", testSeekRead},
		{"ServeContentRange", testServeContent},
		{"Ping", testPing},
		{"InvalidKeys", testInvalidKeys},
		{"ValidKeys", testValidKeys},
		{"ShortReader", testShortReader},
		{"LongReader", testLongReader},
		{"NegativeSize", testNegativeSize},
		{"FailingReader", testFailingReader},
		{"FailedOverwriteKeepsOld", testFailedOverwrite},
		{"ContextCancelledBeforePut", testCancelledBefore},
		{"ContextCancelledMidPut", testCancelledMid},
		{"ListOrder", testListOrder},
		{"ListPrefix", testListPrefix},
		{"ListInfo", testListInfo},
		{"ListStopsOnError", testListStops},
		{"ListDeleteWhileListing", testListDelete},
		{"ListContextCancelled", testListCancelled},
		{"ConcurrentDistinctKeys", testConcurrentDistinct},
		{"ConcurrentSameKey", testConcurrentSameKey},
		{"ConcurrentPutDeleteSiblings", testConcurrentSiblings},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

// pattern returns n bytes that differ between seeds and positions.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7+i/251)
	}
	return b
}

func mustPut(t *testing.T, s storage.Blobs, key string, data []byte) {
	t.Helper()
	if err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q, %d bytes): %v", key, len(data), err)
	}
}

// read returns the content of key.
func read(t *testing.T, s storage.Blobs, key string) []byte {
	t.Helper()
	b, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return data
}

func wantContent(t *testing.T, s storage.Blobs, key string, want []byte) {
	t.Helper()
	if got := read(t, s, key); !bytes.Equal(got, want) {
		t.Fatalf("content of %q: got %d bytes, want %d bytes (equal prefix %d)", key, len(got), len(want), commonPrefix(got, want))
	}
	info, err := s.Stat(t.Context(), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	if info.Key != key || info.Size != int64(len(want)) {
		t.Fatalf("Stat(%q) = {Key: %q, Size: %d}, want {Key: %q, Size: %d}", key, info.Key, info.Size, key, len(want))
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// wantAbsent checks that key is missing for Stat and Open.
func wantAbsent(t *testing.T, s storage.Blobs, key string) {
	t.Helper()
	if info, err := s.Stat(t.Context(), key); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Stat(%q) = %+v, %v; want ErrNotFound", key, info, err)
	}
	b, err := s.Open(t.Context(), key)
	if err == nil {
		b.Close()
	}
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("Open(%q) error = %v; want ErrNotFound", key, err)
	}
}

// wantEmpty checks that the store lists no keys at all.
func wantEmpty(t *testing.T, s storage.Blobs) {
	t.Helper()
	if keys := listKeys(t, s, ""); len(keys) != 0 {
		t.Errorf("List(\"\") = %q; want no keys", keys)
	}
}

func listKeys(t *testing.T, s storage.Blobs, prefix string) []string {
	t.Helper()
	var keys []string
	err := s.List(t.Context(), prefix, func(i storage.Info) error {
		keys = append(keys, i.Key)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

func wantKeys(t *testing.T, s storage.Blobs, prefix string, want ...string) {
	t.Helper()
	if got := listKeys(t, s, prefix); !slices.Equal(got, want) {
		t.Errorf("List(%q) = %q; want %q", prefix, got, want)
	}
}

// cancelledContext returns a context that is already cancelled.
func cancelledContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
