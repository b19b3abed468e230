package registry

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/upstream"
)

// upstreamSearchWait bounds how long search and autocomplete wait for the
// upstream sources; what has not answered by then is left out.
const upstreamSearchWait = 2 * time.Second

// searchFeeds lists the upstream feeds a search by this request asks.
func (s *Service) searchFeeds(ctx context.Context) []*feeds.Feed {
	if s.mirror == nil {
		return nil
	}
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return nil
	}
	r := feeds.ReaderOf(ctx)
	var out []*feeds.Feed
	for _, f := range snap.Upstreams() {
		if (r.Feed == nil || r.Feed.ID == f.ID) && r.MayRead(f.ID) {
			out = append(out, f)
		}
	}
	return out
}

// SearchesUpstream reports whether a search by this request also asks
// upstream sources (so its answer may change without the feed changing).
func (s *Service) SearchesUpstream(ctx context.Context) bool { return len(s.searchFeeds(ctx)) > 0 }

// UpstreamSearch asks the upstream feeds this request may read, in
// parallel and for at most upstreamSearchWait, and returns their hits
// after the local ones, in feed order: only IDs the feed's rules admit,
// that are not under a reserved prefix and that no feed of this registry
// has (a local package, even one the caller may not read, is never
// offered from upstream; a mirrored one is among the local hits already).
// total adds up the sources' totals. Sources that fail or are slow are
// left out (and logged).
func (s *Service) UpstreamSearch(ctx context.Context, q upstream.SearchQuery) (hits []upstream.SearchHit, total int) {
	fs := s.searchFeeds(ctx)
	results := make([]*upstream.SearchResult, len(fs))
	s.askUpstreams(ctx, fs, func(ctx context.Context, i int) error {
		res, err := s.mirror.client.Search(ctx, source(fs[i]), q)
		results[i] = res
		return err
	})
	seen := map[string]bool{}
	for i, res := range results {
		if res == nil {
			continue
		}
		total += res.TotalHits
		for _, h := range res.Hits {
			if lower := strings.ToLower(h.ID); !seen[lower] && s.offerFromUpstream(ctx, fs[i], h.ID) {
				seen[lower] = true
				hits = append(hits, h)
			}
		}
	}
	return hits, total
}

// UpstreamAutocomplete is UpstreamSearch for package IDs.
func (s *Service) UpstreamAutocomplete(ctx context.Context, q upstream.SearchQuery) (ids []string, total int) {
	fs := s.searchFeeds(ctx)
	results := make([][]string, len(fs))
	totals := make([]int, len(fs))
	s.askUpstreams(ctx, fs, func(ctx context.Context, i int) error {
		var err error
		results[i], totals[i], err = s.mirror.client.Autocomplete(ctx, source(fs[i]), q)
		return err
	})
	seen := map[string]bool{}
	for i, res := range results {
		total += totals[i]
		for _, id := range res {
			if lower := strings.ToLower(id); !seen[lower] && s.offerFromUpstream(ctx, fs[i], id) {
				seen[lower] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, total
}

// askUpstreams runs ask for every feed at once and waits for all of them,
// for at most upstreamSearchWait.
func (s *Service) askUpstreams(ctx context.Context, fs []*feeds.Feed, ask func(ctx context.Context, i int) error) {
	ctx, cancel := context.WithTimeout(ctx, upstreamSearchWait)
	defer cancel()
	var wg sync.WaitGroup
	for i := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ask(ctx, i); err != nil {
				s.log.Warn("upstream search left out", "feed", fs[i].Name, "err", err)
			}
		}()
	}
	wg.Wait()
}

// offerFromUpstream reports whether search may offer an upstream hit.
func (s *Service) offerFromUpstream(ctx context.Context, f *feeds.Feed, id string) bool {
	if !f.Upstream.Admits(id) || (s.reserved != nil && s.reserved(ctx, id)) {
		return false
	}
	e, err := s.cat.get(ctx, strings.ToLower(id))
	return err == nil && e.pkg == nil
}

// SearchAll is Search followed, when the request may read upstream feeds,
// by their hits for the rest of the page (see UpstreamSearch): local
// packages always come first.
func (s *Service) SearchAll(ctx context.Context, q SearchQuery) (*SearchResult, error) {
	res, err := s.Search(ctx, q)
	if err != nil {
		return nil, err
	}
	if upSkip, need := upstreamPage(q, res.TotalHits); need > 0 && s.SearchesUpstream(ctx) {
		hits, total := s.UpstreamSearch(ctx, upstreamQuery(q, upSkip, need))
		res.TotalHits += total
		res.Upstream = hits[:min(len(hits), need)]
	}
	return res, nil
}

// upstreamPage works out which upstream results fill a page after
// localTotal local ones: skip them, and take need.
func upstreamPage(q SearchQuery, localTotal int) (skip, need int) {
	qs, qt := clampPage(q.Skip, q.Take, 20)
	need = qs + qt - max(qs, localTotal)
	return max(0, qs-localTotal), need
}

// upstreamQuery is q for an upstream source's page.
func upstreamQuery(q SearchQuery, skip, take int) upstream.SearchQuery {
	uq := upstream.SearchQuery{Q: q.Q, Skip: skip, Take: take, Prerelease: q.Prerelease, PackageType: q.PackageType}
	if q.SemVer2 {
		uq.SemVerLevel = "2.0.0"
	}
	return uq
}
