package storagetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wharf-registry/wharf/internal/storage"
)

func testListOrder(t *testing.T, s storage.Blobs) {
	// '+', '-' and '.' sort before '/', so "a.b" comes before "a/b" even
	// though a directory walk would meet directory "a" first.
	keys := []string{"a.b", "a/b", "a-b", "a+b", "a_b", "a/c/d", "a/c.e", "a/c-f/g", "A", "b", "0", "a0"}
	for _, i := range rand.Perm(len(keys)) {
		mustPut(t, s, keys[i], []byte(keys[i]))
	}
	want := slices.Clone(keys)
	slices.Sort(want)
	wantKeys(t, s, "", want...)
}

func testListPrefix(t *testing.T, s storage.Blobs) {
	for _, key := range []string{
		"packages/a/1.0/x", "packages/a/2.0/x", "packages/ab/1.0/x",
		"packages/b/1.0/x", "packagesx", "other/a",
	} {
		mustPut(t, s, key, []byte(key))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"packages/a/", []string{"packages/a/1.0/x", "packages/a/2.0/x"}},
		{"packages/a", []string{"packages/a/1.0/x", "packages/a/2.0/x", "packages/ab/1.0/x"}},
		{"packages/", []string{"packages/a/1.0/x", "packages/a/2.0/x", "packages/ab/1.0/x", "packages/b/1.0/x"}},
		{"packages", []string{"packages/a/1.0/x", "packages/a/2.0/x", "packages/ab/1.0/x", "packages/b/1.0/x", "packagesx"}},
		{"packages/a/1.0/x", []string{"packages/a/1.0/x"}},
		{"packages/a/1.0/x/", nil},
		{"packages/c/", nil},
		{"nothing/", nil},
		{"../", nil},
		{"packages//", nil},
		{"/packages/", nil},
		{"o", []string{"other/a"}},
	}
	for _, tt := range tests {
		wantKeys(t, s, tt.prefix, tt.want...)
	}
}

func testListInfo(t *testing.T, s storage.Blobs) {
	sizes := map[string]int{"p/one": 1, "p/two": 2000, "p/zero": 0}
	for key, n := range sizes {
		mustPut(t, s, key, pattern(1, n))
	}
	err := s.List(t.Context(), "p/", func(i storage.Info) error {
		st, err := s.Stat(t.Context(), i.Key)
		if err != nil {
			return err
		}
		if i.Size != int64(sizes[i.Key]) || !i.ModTime.Equal(st.ModTime) {
			t.Errorf("List gave %+v; want size %d and Stat's ModTime %v", i, sizes[i.Key], st.ModTime)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
}

func testListStops(t *testing.T, s storage.Blobs) {
	for i := range 5 {
		mustPut(t, s, fmt.Sprintf("k/%d", i), nil)
	}
	stop := errors.New("stop")
	calls := 0
	err := s.List(t.Context(), "", func(storage.Info) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("List with fn failing = %v after %d calls; want fn's error after 1 call", err, calls)
	}
}

// testListDelete deletes every key from fn, as garbage collection does.
func testListDelete(t *testing.T, s storage.Blobs) {
	var want []string
	for i := range 20 {
		key := fmt.Sprintf("packages/p%d/1.0.0/id%d/f", i%4, i)
		mustPut(t, s, key, []byte{byte(i)})
		want = append(want, key)
	}
	slices.Sort(want)
	var got []string
	err := s.List(t.Context(), "packages/", func(i storage.Info) error {
		got = append(got, i.Key)
		return s.Delete(t.Context(), i.Key)
	})
	if err != nil {
		t.Fatalf("List deleting each key: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("List deleting each key visited %q; want %q", got, want)
	}
	wantEmpty(t, s)
}

func testListCancelled(t *testing.T, s storage.Blobs) {
	mustPut(t, s, "k", nil)
	err := s.List(cancelledContext(t), "", func(storage.Info) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context = %v; want context.Canceled", err)
	}
}
