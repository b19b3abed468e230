package upstream

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeFeed is a NuGet v3 source on 127.0.0.1 whose documents the test
// sets by path. It records the Authorization header of every request.
type fakeFeed struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	docs    map[string]string       // path → JSON body
	fns     map[string]http.Handler // path → handler, wins over docs
	auth    map[string]string       // path → Authorization seen last
	hits    map[string]int
	gzip    bool
	gzipped int // responses sent gzip-encoded
}

func newFakeFeed(t *testing.T) *fakeFeed {
	t.Helper()
	f := &fakeFeed{t: t, docs: map[string]string{}, fns: map[string]http.Handler{}, auth: map[string]string{}, hits: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.docs["/v3/index.json"] = fmt.Sprintf(`{"version":"3.0.0","resources":[
		{"@id":"%[1]s/v3/registration/","@type":"RegistrationsBaseUrl"},
		{"@id":"%[1]s/v3/registration-gz-semver2/","@type":"RegistrationsBaseUrl/3.6.0"},
		{"@id":"%[1]s/v3/flat","@type":"PackageBaseAddress/3.0.0"},
		{"@id":"%[1]s/v3/search","@type":"SearchQueryService/3.5.0"},
		{"@id":"%[1]s/v3/search-old","@type":"SearchQueryService"},
		{"@id":"%[1]s/v3/autocomplete","@type":"SearchAutocompleteService/3.5.0"}]}`, f.srv.URL)
	return f
}

func (f *fakeFeed) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.auth[r.URL.Path] = r.Header.Get("Authorization")
	f.hits[r.URL.Path]++
	h, doc, ok := f.fns[r.URL.Path], "", false
	if h == nil {
		doc, ok = f.docs[r.URL.Path]
	}
	useGzip := f.gzip
	f.mu.Unlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if useGzip && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		f.mu.Lock()
		f.gzipped++
		f.mu.Unlock()
		zw := gzip.NewWriter(w)
		_, _ = zw.Write([]byte(doc))
		_ = zw.Close()
		return
	}
	_, _ = w.Write([]byte(doc))
}

func (f *fakeFeed) set(path, doc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.docs[path] = doc
}

func (f *fakeFeed) handle(path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fns[path] = h
}

func (f *fakeFeed) authOf(path string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.auth[path]
}

func (f *fakeFeed) hitsOf(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

func (f *fakeFeed) source() Source { return Source{IndexURL: f.srv.URL + "/v3/index.json"} }

// regPath is where the preferred registration (3.6.0) of a lower-case ID lives.
func regPath(lowerID string) string { return "/v3/registration-gz-semver2/" + lowerID + "/index.json" }

// entry builds a catalogEntry with the given extra fields.
func entry(id, version string, extra map[string]any) map[string]any {
	e := map[string]any{"@id": "https://catalog.invalid/" + id + "." + version + ".json", "id": id, "version": version,
		"description": "d", "authors": "A", "listed": true, "published": "2024-01-02T03:04:05.123+00:00"}
	for k, v := range extra {
		e[k] = v
	}
	return e
}

// inlined is a registration index with all leaves in one inlined page.
func inlined(entries ...map[string]any) string {
	var items []map[string]any
	for _, e := range entries {
		items = append(items, map[string]any{"catalogEntry": e})
	}
	b, _ := json.Marshal(map[string]any{"count": 1, "items": []any{map[string]any{"@id": "page", "count": len(items), "items": items}}})
	return string(b)
}

func newTestClient(opts Options) *Client {
	opts.AllowPrivate = true
	return New(opts)
}
