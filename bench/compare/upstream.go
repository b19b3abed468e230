package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// upstreamRow is one restore document at one connection count, served by
// the seeded Wharf (local packages) and by a second Wharf whose upstream
// feed mirrors the first, once every package is in its cache: cached
// upstream packages must be served at local speed.
type upstreamRow struct {
	doc           string
	conns         int
	local, cached []measurement
}

// ratio is the median of the per-run cached/local request rates.
func (r *upstreamRow) ratio() float64 { return pairedRatio(r.cached, r.local) }

// upstreamRows starts a mirror of the seeded Wharf, fills its cache by
// fetching every path the rows request through it, and measures both
// servers alternately. Only one of the two answers at a time.
func upstreamRows(ctx context.Context, o options, rep *report, wh *server, logf io.Writer, w io.Writer) error {
	var docs []string
	for _, d := range privateDocs {
		if slices.Contains(o.docs, d) {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return nil
	}
	// The mirror is rebuilt on every run: -work is kept between runs, and
	// a cache left by the last one would be measured instead of filled.
	data := filepath.Join(o.work, "mirror-data")
	if err := os.RemoveAll(data); err != nil {
		return err
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	env := []string{"WHARF_UPSTREAM_ALLOW_PRIVATE=true"}
	if _, err := wharfCLI(o.wharfBin, data, env, "feed", "add", "mirror", "--upstream", wh.base+"/v3/index.json", "--refresh", "24h"); err != nil {
		return err
	}
	probe := docPaths["versions"](o.shape)[0]
	mw, _, err := startWharf(o, data, probe, env, logf)
	if err != nil {
		return err
	}
	defer mw.stop()
	t0 := time.Now()
	n := 0
	for _, d := range docs {
		for _, p := range docPaths[d](o.shape) {
			res, err := http.Get(mw.base + p)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("filling the mirror: GET %s: %s", p, res.Status)
			}
			n++
		}
	}
	progress(w, "filled the mirror's cache with %d documents in %s", n, time.Since(t0).Round(time.Second))
	script, err := writeScript(o.work)
	if err != nil {
		return err
	}
	for _, d := range docs {
		for _, c := range o.conns {
			rep.upstream = append(rep.upstream, &upstreamRow{doc: d, conns: c})
		}
	}
	for run := 0; run < o.runs; run++ {
		sides := []*server{wh, mw}
		if run%2 == 1 {
			sides = []*server{mw, wh}
		}
		for _, s := range sides {
			for _, r := range rep.upstream {
				if err := ctx.Err(); err != nil {
					return err
				}
				m, err := runWrk(o.wrkBin, script, s.base, filepath.Join(o.work, "paths-"+r.doc+".txt"), r.conns, o.duration)
				if err != nil {
					return fmt.Errorf("%s %s at %d connections: %w", s.name, r.doc, r.conns, err)
				}
				name := "local"
				if s == mw {
					r.cached, name = append(r.cached, m), "mirrored"
				} else {
					r.local = append(r.local, m)
				}
				progress(w, "run %d %-12s c=%-3d %-8s %8.0f req/s p50 %6s p99 %6s errors %d", run+1, r.doc, r.conns, name, m.RPS,
					m.P50.Round(time.Microsecond), m.P99.Round(time.Microsecond), m.Errors)
			}
		}
	}
	return nil
}

// upstreamTable renders the upstream rows beside the local ones.
func (rep *report) upstreamTable(b *strings.Builder) {
	if len(rep.upstream) == 0 {
		return
	}
	b.WriteString("\nUpstream feed: the seeded Wharf (local packages) and a second Wharf mirroring it through an upstream feed, every package in its cache, alternating which goes first.\n\n")
	b.WriteString("| document | conns | local req/s | mirrored req/s | mirrored/local | local p99 ms | mirrored p99 ms | errors |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rep.upstream {
		var errs int64
		for _, m := range append(r.local, r.cached...) {
			errs += m.Errors
		}
		fmt.Fprintf(b, "| %s | %d | %.0f | %.0f | %.2f | %s | %s | %d |\n", docNames[r.doc], r.conns,
			medianRPS(r.local), medianRPS(r.cached), r.ratio(), ms(medianP99(r.local)), ms(medianP99(r.cached)), errs)
	}
}
