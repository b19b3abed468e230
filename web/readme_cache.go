package web

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"golang.org/x/sync/singleflight"
)

// readmeResult is what a package page shows of a README: its HTML, or a
// sentence saying why it is not shown.
type readmeResult struct {
	html    string // sanitised, confined HTML
	refused string // the sentence shown instead, when html is ""
}

// size is what the result costs to keep.
func (r readmeResult) size() int { return len(r.html) + len(r.refused) }

// readmes turns README markdown into HTML that is safe to put in a page,
// and keeps what it rendered, so that no README is rendered twice by one
// process however it is viewed:
//   - concurrent views of one README wait for one render (single-flight);
//   - a page waits for a render at most readmeWait, then says the README
//     is being prepared, while the render finishes for the next view;
//   - cheap results live in a cache bounded by bytes, which views of other
//     READMEs can evict: rendering them again costs under readmeExpensive;
//   - refusals and renders that took longer are pinned, never evicted, so
//     evicting cannot make the server render a hostile README again. The
//     pinned HTML is bounded by bytes too; past the bound, an expensive
//     README is refused instead.
//
// It is safe for concurrent use.
type readmes struct {
	md      goldmark.Markdown
	policy  *bluemonday.Policy
	flights singleflight.Group
	renders atomic.Int64 // renders started, for /metrics

	mu         sync.Mutex
	cache      map[string]readmeResult
	size       int // bytes of results in cache
	maxBytes   int
	pinned     map[string]readmeResult
	pinnedSize int
	maxPinned  int
}

func newReadmes(maxBytes int) *readmes {
	return &readmes{
		md: newMarkdown(), policy: bluemonday.UGCPolicy(),
		cache: map[string]readmeResult{}, maxBytes: maxBytes,
		pinned: map[string]readmeResult{}, maxPinned: maxBytes / 2,
	}
}

// get returns the README for key, rendering the markdown that load returns
// when no result is kept. A key names one version's README for good: the
// package ID, version and package hash. It waits for a render at most
// wait, or until ctx is done; ready is false when the render is still
// running (it goes on, and a later get finds its result). load runs with a
// context of its own, as the render outlives the request that started it.
func (r *readmes) get(ctx context.Context, key string, wait time.Duration, load func(context.Context) ([]byte, error)) (res readmeResult, ready bool, err error) {
	if res, ok := r.kept(key); ok {
		return res, true, nil
	}
	ch := r.flights.DoChan(key, func() (any, error) {
		if res, ok := r.kept(key); ok { // a flight that ended after our look
			return res, nil
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		src, err := load(lctx)
		if err != nil {
			return nil, err
		}
		start := time.Now() // a duration on the monotonic clock, not a date
		res := r.render(src)
		r.keep(key, res, time.Since(start))
		return res, nil
	})
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case out := <-ch:
		if out.Err != nil {
			return readmeResult{}, true, out.Err
		}
		return out.Val.(readmeResult), true, nil
	case <-timer.C:
	case <-ctx.Done():
	}
	return readmeResult{}, false, nil
}

// kept returns a result kept for key.
func (r *readmes) kept(key string) (readmeResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if res, ok := r.pinned[key]; ok {
		return res, true
	}
	res, ok := r.cache[key]
	return res, ok
}

// keep stores a result: pinned when it was refused or took long to
// render, else in the evicting cache.
func (r *readmes) keep(key string, res readmeResult, took time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if res.refused != "" || took >= readmeExpensive {
		if r.pinnedSize+res.size() > r.maxPinned {
			res = refusal("it takes too long to render")
		}
		if _, dup := r.pinned[key]; !dup {
			r.pinned[key] = res
			r.pinnedSize += res.size()
		}
		return
	}
	if res.size() > r.maxBytes {
		return
	}
	for k, old := range r.cache { // evict arbitrary entries until it fits
		if r.size+res.size() <= r.maxBytes {
			break
		}
		delete(r.cache, k)
		r.size -= old.size()
	}
	if _, dup := r.cache[key]; !dup {
		r.cache[key] = res
		r.size += res.size()
	}
}
