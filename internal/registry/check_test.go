package registry_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestCheck: a consistent feed checks clean; a missing file, a damaged
// .nupkg and a file no version uses are each reported where they belong.
func TestCheck(t *testing.T) {
	s, key, blobs := pushSetup(t, -1)
	ctx := context.Background()
	v2 := nugettest.Spec{ID: "Checked.Pkg", Version: "2.0.0"}.Build()
	for _, b := range [][]byte{nugettest.Spec{ID: "Checked.Pkg", Version: "1.0.0", Readme: []byte("# hi")}.Build(), v2} {
		if _, err := s.Push(ctx, key, upload(b)); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Check(ctx, true)
	if err != nil || !r.OK() || r.Versions != 2 || r.Files != 5 || len(r.Orphans) != 0 {
		t.Fatalf("a consistent feed: %+v, %v; want 2 versions, 5 files, nothing reported", r, err)
	}
	var readme, nupkg2 string
	for _, k := range storedKeys(t, blobs) {
		switch {
		case strings.HasSuffix(k, "/readme.md"):
			readme = k
		case strings.HasSuffix(k, "/checked.pkg.2.0.0.nupkg"):
			nupkg2 = k
		}
	}
	orphan := "packages/lost.pkg/1.0.0/0123456789abcdef/lost.pkg.1.0.0.nupkg"
	damaged := bytes.Clone(v2)
	damaged[len(damaged)/2] ^= 0xff // same size, other bytes
	for _, put := range []struct {
		key  string
		data []byte
	}{{orphan, []byte("x")}, {nupkg2, damaged}} {
		if err := blobs.Blobs.Put(ctx, put.key, bytes.NewReader(put.data), int64(len(put.data))); err != nil {
			t.Fatal(err)
		}
	}
	if err := blobs.Delete(ctx, readme); err != nil {
		t.Fatal(err)
	}
	r, err = s.Check(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || !slices.Equal(r.Missing, []string{"Checked.Pkg 1.0.0: " + readme}) || !slices.Equal(r.Orphans, []string{orphan}) ||
		len(r.Corrupt) != 1 || !strings.HasPrefix(r.Corrupt[0], "Checked.Pkg 2.0.0: "+nupkg2+": its SHA-512") {
		t.Errorf("after damage: missing %q, corrupt %q, orphans %q; want the readme missing, the 2.0.0 .nupkg's hash wrong and the orphan", r.Missing, r.Corrupt, r.Orphans)
	}
	// Without hashes only sizes are compared: the same-size damage passes.
	if r, err := s.Check(ctx, false); err != nil || len(r.Corrupt) != 0 || len(r.Missing) != 1 {
		t.Errorf("without hashes: %+v, %v; want only the missing readme", r, err)
	}
}
