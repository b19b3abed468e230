// Helpers for the hostile-input tests: a snapshot of everything a request
// could store, the check that a refusal says why, and the knobs that bound
// the slow tests.

package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/storage"
)

// stored describes everything a request could leave behind: the
// database's row counts and feed revision, every blob in the package store,
// every file in the upload spool, and the feed as search and the versions
// index of Contoso.Widget show it. Equal snapshots mean nothing was stored.
func (f *feed) stored() string {
	f.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	counts, err := f.db.Contents(ctx)
	if err != nil {
		f.t.Fatalf("counting rows: %v", err)
	}
	tables := make([]string, 0, len(counts))
	for name := range counts {
		tables = append(tables, name)
	}
	slices.Sort(tables)
	for _, name := range tables {
		fmt.Fprintf(&b, "%s: %d\n", name, counts[name])
	}
	err = f.blobs.List(ctx, "", func(i storage.Info) error {
		fmt.Fprintf(&b, "blob %s (%d bytes)\n", i.Key, i.Size)
		return nil
	})
	if err != nil {
		f.t.Fatalf("listing blobs: %v", err)
	}
	spool, err := os.ReadDir(filepath.Join(f.data, "tmp"))
	if err != nil {
		f.t.Fatalf("reading the spool: %v", err)
	}
	for _, e := range spool {
		fmt.Fprintf(&b, "spooled %s\n", e.Name())
	}
	_, search := f.get(f.urls.Search() + "?prerelease=true&semVerLevel=2.0.0")
	fmt.Fprintf(&b, "search: %s\nversions: %s\n", search, f.versions("contoso.widget"))
	return b.String()
}

// unchanged fails t unless the feed stores what before described.
func (f *feed) unchanged(t *testing.T, before string) {
	t.Helper()
	if after := f.stored(); after != before {
		t.Errorf("the refused request changed what is stored:\n%s", diffLines(before, after))
	}
}

// wantRefused fails t unless res has the status and a message that contains
// says: the JSON body's error, and for NuGet client routes also the
// reason phrase and X-NuGet-Warning.
func wantRefused(t *testing.T, res *http.Response, status int, says string) {
	t.Helper()
	var body struct{ Error string }
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil && res.Request.Method != http.MethodHead {
		t.Errorf("the answer is not a JSON error: %v", err)
	}
	if res.StatusCode != status {
		t.Fatalf("status %s, want %d (error %q, warning %q)", res.Status, status, body.Error, res.Header.Get("X-NuGet-Warning"))
	}
	if !strings.Contains(body.Error, says) || !strings.HasSuffix(body.Error, ".") {
		t.Errorf("error %q, want a sentence containing %q", body.Error, says)
	}
	if w := res.Header.Get("X-NuGet-Warning"); w != "" && (!strings.Contains(w, says) || !strings.Contains(res.Status, says)) {
		t.Errorf("reason phrase %q and warning %q do not both carry %q", res.Status, w, says)
	}
}

// hostileTimeout is the header, request and upload timeout of the slow
// tests' server: WHARF_HOSTILE_TIMEOUT, default 1s. Each slow test takes
// about that long.
func hostileTimeout(t testing.TB) time.Duration {
	return envDuration(t, "WHARF_HOSTILE_TIMEOUT", time.Second)
}

// hostileBodyBytes is the size of the huge bodies: WHARF_HOSTILE_BODY_MB
// megabytes, default 100.
func hostileBodyBytes(t testing.TB) int64 {
	s := os.Getenv("WHARF_HOSTILE_BODY_MB")
	if s == "" {
		return 100 << 20
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		t.Fatalf("WHARF_HOSTILE_BODY_MB=%q: want a positive number of megabytes", s)
	}
	return n << 20
}

func envDuration(t testing.TB, name string, def time.Duration) time.Duration {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration such as 2s", name, s)
	}
	return d
}
