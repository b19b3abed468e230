// Helpers for the concurrency and fault tests: starting many clients at
// once, and a snapshot of everything a push could change.

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/storage"
)

// raceClient is an HTTP client for racing requests: one connection per
// request, so that n clients really are n connections at once.
var raceClient = &http.Client{Timeout: time.Minute, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}

// together runs fn(0..n-1) in n goroutines released at the same moment
// and waits for all of them.
func together(n int, fn func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// state describes everything a push could change, read from the stores
// themselves rather than through the server's cache: every version row
// with its hash and file prefix, and every stored file with its size. Two
// equal states mean that nothing changed.
func (f *feed) state() string {
	f.t.Helper()
	ctx := context.Background()
	pkgs, err := f.db.AllPackages(ctx)
	if err != nil {
		f.t.Fatalf("reading the database: %v", err)
	}
	var lines []string
	for _, p := range pkgs {
		for _, v := range p.Versions {
			lines = append(lines, fmt.Sprintf("row %s %s listed=%v size=%d sha512=%s prefix=%s", p.Name, v.Version, v.Listed, v.Size, v.SHA512, v.BlobPrefix))
		}
	}
	err = f.blobs.List(ctx, "", func(i storage.Info) error {
		lines = append(lines, fmt.Sprintf("file %s %d", i.Key, i.Size))
		return nil
	})
	if err != nil {
		f.t.Fatalf("listing the package store: %v", err)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// wantUnchanged fails the test when the state differs from before.
func (f *feed) wantUnchanged(t testing.TB, what, before string) {
	t.Helper()
	if after := f.state(); after != before {
		t.Errorf("%s changed the feed:\n%s", what, diffLines(before, after))
	}
}

// refusal checks a NuGet client refusal: the status, and the sentence in
// both the reason phrase and X-NuGet-Warning.
func refusal(t testing.TB, what string, res *http.Response, status int, phrase string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: %s, want %d (%s)", what, res.Status, status, res.Header.Get("X-NuGet-Warning"))
		return
	}
	if w := res.Header.Get("X-NuGet-Warning"); !strings.Contains(w, phrase) || !strings.Contains(res.Status, phrase) {
		t.Errorf("%s: reason %q, X-NuGet-Warning %q; want both to say %q", what, res.Status, w, phrase)
	}
}
