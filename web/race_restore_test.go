// Restoring clients for the push races: they read a package in a loop the
// way NuGet restores it and check every answer against what was pushed
// and what earlier answers showed.

package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// restorers read one package in a loop while it is pushed to.
type restorers struct {
	f      *feed
	id     string            // lowercased
	bodies map[string][]byte // every version that may appear, normalized, and its bytes

	mu   sync.Mutex
	must map[string]bool // versions an answer showed, or whose push was accepted
	errs []string

	reads, downloads atomic.Int64
}

func newRestorers(f *feed, lowerID string, bodies map[string][]byte) *restorers {
	return &restorers{f: f, id: lowerID, bodies: bodies, must: map[string]bool{}}
}

// acked records that v's push was answered 201: every read that starts
// later must list it.
func (r *restorers) acked(v string) { r.saw([]string{v}) }

func (r *restorers) saw(vs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range vs {
		r.must[v] = true
	}
}

// snapshot returns the versions a read starting now must list.
func (r *restorers) snapshot() map[string]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string]bool, len(r.must))
	for v := range r.must {
		m[v] = true
	}
	return m
}

func (r *restorers) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) < 20 {
		r.errs = append(r.errs, fmt.Sprintf(format, args...))
	}
}

func (r *restorers) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errs
}

// start runs n restorers until the returned stop is called; stop returns
// how many documents they read.
func (r *restorers) start(n int) (stop func() int64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			verified := map[string]bool{}
			for {
				select {
				case <-done:
					return
				default:
				}
				r.versionsRound(verified)
				r.registrationRound()
			}
		}()
	}
	return func() int64 {
		close(done)
		wg.Wait()
		return r.reads.Load()
	}
}

// get reads a document; ok is false (and the failure recorded) unless the
// status is 200 or, while nothing must be listed yet, 404.
func (r *restorers) get(url string, must map[string]bool) (body []byte, found, ok bool) {
	r.reads.Add(1)
	res, err := raceClient.Get(url)
	if err != nil {
		r.fail("GET %s: %v", url, err)
		return nil, false, false
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	switch {
	case err != nil:
		r.fail("GET %s: reading the body: %v", url, err)
	case res.StatusCode == http.StatusOK:
		return body, true, true
	case res.StatusCode == http.StatusNotFound && len(must) == 0:
		return nil, false, true
	default:
		r.fail("GET %s: %s after versions %v were shown or accepted", url, res.Status, keys(must))
	}
	return nil, false, false
}

// check checks one answer's versions: each one pushed, in NuGet order,
// none missing that must be there.
func (r *restorers) check(what string, vs []string, must map[string]bool) {
	var prev *nuget.Version
	for _, s := range vs {
		if _, ok := r.bodies[s]; !ok {
			r.fail("%s lists %q, which was never pushed (or is not normalized)", what, s)
		}
		v, err := nuget.ParseVersion(s)
		if err != nil {
			r.fail("%s lists %q: %v", what, s, err)
			continue
		}
		if prev != nil && prev.Compare(v) >= 0 {
			r.fail("%s is not in NuGet order: %s before %s", what, prev, v)
		}
		prev = &v
	}
	listed := map[string]bool{}
	for _, s := range vs {
		listed[s] = true
	}
	for v := range must {
		if !listed[v] {
			r.fail("%s lacks %s, which an earlier answer showed or whose push was accepted", what, v)
		}
	}
	r.saw(vs)
}

// versionsRound reads the versions list, then downloads every version it
// has not verified yet and compares the bytes with what was pushed.
func (r *restorers) versionsRound(verified map[string]bool) {
	must := r.snapshot()
	body, found, ok := r.get(r.f.urls.Versions(r.id), must)
	if !ok || !found {
		return
	}
	var idx nuget.VersionsIndex
	if err := json.Unmarshal(body, &idx); err != nil {
		r.fail("the versions list is not JSON: %v: %s", err, body)
		return
	}
	r.check("the versions list", idx.Versions, must)
	for _, v := range idx.Versions {
		if verified[v] {
			continue
		}
		r.downloads.Add(1)
		b, found, ok := r.get(r.f.urls.Nupkg(r.id, v), map[string]bool{v: true})
		if ok && found && !bytes.Equal(b, r.bodies[v]) {
			r.fail("%s is listed but its .nupkg has %d bytes, not the %d pushed", v, len(b), len(r.bodies[v]))
		}
		verified[v] = true
	}
}

// registrationRound reads the registration index and checks its versions
// and their hashes.
func (r *restorers) registrationRound() {
	must := r.snapshot()
	body, found, ok := r.get(r.f.urls.RegistrationIndex(r.id), must)
	if !ok || !found {
		return
	}
	var idx nuget.RegistrationIndex
	if err := json.Unmarshal(body, &idx); err != nil {
		r.fail("the registration index is not JSON: %v: %s", err, body)
		return
	}
	var vs []string
	for _, p := range idx.Items {
		if p.Count != len(p.Items) {
			r.fail("a registration page says count %d but inlines %d leaves", p.Count, len(p.Items))
		}
		for _, leaf := range p.Items {
			v := leaf.CatalogEntry.Version
			vs = append(vs, v)
			if b, ok := r.bodies[v]; ok && leaf.CatalogEntry.PackageHash != sha512Base64(b) {
				r.fail("the registration gives %s the hash %q, not the pushed package's", v, leaf.CatalogEntry.PackageHash)
			}
		}
	}
	r.check("the registration index", vs, must)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
