package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

func TestRecentlyPublished(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	key := aliceKey(t, s)
	// Pushed an hour apart, in this order. Old.Pkg's newest push is a
	// patch of an older line: it counts, though 2.0.0 stays its latest.
	for _, p := range [][2]string{
		{"Old.Pkg", "2.0.0"}, {"Mid.Pkg", "1.0.0"}, {"Hidden.Pkg", "1.0.0"},
		{"Pre.Pkg", "1.0.0-beta"}, {"Old.Pkg", "1.5.1"},
	} {
		*now = now.Add(time.Hour)
		if _, err := s.Push(ctx, key, upload(nugettest.Spec{ID: p[0], Version: p[1]}.Build())); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetListed(ctx, key, "Hidden.Pkg", "1.0.0", false); err != nil {
		t.Fatal(err)
	}
	hits, err := s.RecentlyPublished(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"Old.Pkg", "2.0.0"}, {"Pre.Pkg", "1.0.0-beta"}, {"Mid.Pkg", "1.0.0"}}
	if len(hits) != len(want) {
		t.Fatalf("got %d hits, want %d", len(hits), len(want))
	}
	for i, h := range hits {
		if got := [2]string{h.Package.Name, h.Latest.Version.String()}; got != want[i] {
			t.Errorf("hit %d = %v, want %v", i, got, want[i])
		}
	}
	if hits, _ := s.RecentlyPublished(ctx, 0); len(hits) != 0 {
		t.Errorf("n=0 returned %d hits", len(hits))
	}
}
