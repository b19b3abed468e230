package main

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"
)

func median[T int64 | float64 | time.Duration](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func pick[T any, R any](xs []T, f func(T) R) []R {
	out := make([]R, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// medianOf is the median of f over xs.
func medianOf[T any, R int64 | float64 | time.Duration](xs []T, f func(T) R) R {
	return median(pick(xs, f))
}

// medianRPS, medianP50 and medianP99 summarise one server's runs of a row.
func medianRPS(ms []measurement) float64 {
	return medianOf(ms, func(m measurement) float64 { return m.RPS })
}
func medianP50(ms []measurement) time.Duration {
	return medianOf(ms, func(m measurement) time.Duration { return m.P50 })
}
func medianP99(ms []measurement) time.Duration {
	return medianOf(ms, func(m measurement) time.Duration { return m.P99 })
}

// ratio is the median of the per-run Wharf/nginx request rates: each run
// measured both servers back to back, so pairing them cancels some noise.
func (r *row) ratio() float64 { return pairedRatio(r.wharf, r.nginx) }

// pairedRatio is the median over runs of a's rate over b's.
func pairedRatio(a, b []measurement) float64 {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if b[i].RPS > 0 {
			rs = append(rs, a[i].RPS/b[i].RPS)
		}
	}
	return median(rs)
}

func (r *row) errors() (wharf, nginx int64) {
	for _, m := range r.wharf {
		wharf += m.Errors
	}
	for _, m := range append(append(r.nginx, r.gofs...), r.static...) {
		nginx += m.Errors
	}
	return
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
func mb(b int64) string         { return fmt.Sprintf("%d", b>>20) }

var docNames = map[string]string{
	"versions": "versions `index.json`", "nupkg": "`.nupkg` download", "registration": "registration index",
	"search": "search, one word", "search-empty": "search, empty `q`",
}

// markdown renders the report as docs/performance.md shows it.
func (rep *report) markdown(o options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Feed: %d packages × %d versions (%d versions, payloads %d–%d KB); %d runs of %s per cell, medians; %d cores (%s/%s); wrk over loopback, `Accept-Encoding: gzip`.\n\n",
		o.shape.Packages, o.shape.Versions, rep.versionsTotal, o.shape.MinSize>>10, o.shape.MaxSize>>10, o.runs, o.duration, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
	if len(rep.rows) > 0 {
		rep.readTable(&b)
	}
	if len(rep.private) > 0 {
		rep.privateTable(&b)
		rep.upstreamTable(&b)
	}
	rep.writeTable(&b, o)
	return b.String()
}

// readTable renders the read rows, Wharf beside nginx and Go.
func (rep *report) readTable(b *strings.Builder) {
	fmt.Fprintf(b, "The `.nupkg` rows download %d versions (%d MB) spread evenly over the feed, read into the page cache first.\n\n", rep.hotFiles, rep.hotBytes>>20)
	b.WriteString("| document | conns | Wharf req/s | nginx req/s | Wharf/nginx | Wharf p50 ms | Wharf p99 ms | nginx p50 ms | nginx p99 ms | Wharf peak RSS MB | nginx peak RSS MB | Go FileServer req/s | Go FileServer/nginx | static copy req/s | static copy/nginx | static copy p99 ms | errors |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rep.rows {
		we, ne := r.errors()
		fmt.Fprintf(b, "| %s | %d | %.0f | %.0f | %.2f | %s | %s | %s | %s | %s | %s | %.0f | %.2f | %.0f | %.2f | %s | %d |\n", docNames[r.doc], r.conns,
			medianRPS(r.wharf), medianRPS(r.nginx), r.ratio(),
			ms(medianP50(r.wharf)), ms(medianP99(r.wharf)),
			ms(medianP50(r.nginx)), ms(medianP99(r.nginx)),
			mb(r.wharfRSS), mb(r.nginxRSS), medianRPS(r.gofs), pairedRatio(r.gofs, r.nginx),
			medianRPS(r.static), pairedRatio(r.static, r.nginx), ms(medianP99(r.static)), we+ne)
	}
}

// writeTable renders the write path, start-up, memory and the targets.
func (rep *report) writeTable(b *strings.Builder, o options) {
	b.WriteString("\n| write path | Wharf | errors |\n|---|--:|--:|\n")
	if len(rep.pushes) > 0 {
		fmt.Fprintf(b, "| sequential push, %d KB packages | %.0f packages/s, %.1f MB/s | %d |\n", o.pushSize>>10,
			medianOf(rep.pushes, func(p pushResult) float64 { return p.PerSec }), medianOf(rep.pushes, func(p pushResult) float64 { return p.MBPerSec }),
			sumOf(pick(rep.pushes, func(p pushResult) int { return p.Errors })))
	}
	if len(rep.flat) > 0 {
		fmt.Fprintf(b, "| RSS while pushing %d MB: first, median, last, max sample | %s, %s, %s, %s MB | %d |\n", o.pushFlat>>20,
			mb(rep.flat[0]), mb(median(rep.flat)), mb(rep.flat[len(rep.flat)-1]), mb(slices.Max(rep.flat)), rep.flatErrors)
	}
	if len(rep.exchanges) > 0 {
		fmt.Fprintf(b, "| token exchange, %d concurrent | %.0f/s, p50 %s ms, p99 %s ms | %d |\n", o.exchangeConns,
			medianOf(rep.exchanges, func(e exchangeResult) float64 { return e.PerSec }),
			ms(medianOf(rep.exchanges, func(e exchangeResult) time.Duration { return e.P50 })),
			ms(medianOf(rep.exchanges, func(e exchangeResult) time.Duration { return e.P99 })),
			sumOf(pick(rep.exchanges, func(e exchangeResult) int { return e.Errors })))
	}
	fmt.Fprintf(b, "\nStart-up with %d versions (process start to the first versions list answered), median of %d: %s ms. ", rep.versionsTotal, len(rep.startups), ms(median(rep.startups)))
	fmt.Fprintf(b, "Peak RSS (VmHWM): Wharf %s MB serving the feed, %s MB in the push phase; nginx %s MB (master and workers). ", mb(rep.readPeak), mb(rep.pushPeak), mb(rep.nginxPeak))
	fmt.Fprintf(b, "Error lines in the server logs: Wharf %d, nginx %d. Took %s.\n", rep.wharfErrLines, rep.nginxErrLines, rep.finished.Sub(rep.started).Round(time.Second))
	b.WriteString("\n" + rep.targets(o))
}

func sumOf(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// targets checks the targets against the medians.
func (rep *report) targets(o options) string {
	var b strings.Builder
	check := func(ok bool, format string, a ...any) {
		mark := "met"
		if !ok {
			mark = "**missed**"
		}
		fmt.Fprintf(&b, "- %s: %s\n", fmt.Sprintf(format, a...), mark)
	}
	rowOf := func(doc string, c int) *row {
		for _, r := range rep.rows {
			if r.doc == doc && r.conns == c {
				return r
			}
		}
		return nil
	}
	p99 := func(r *row) time.Duration {
		return medianP99(r.wharf)
	}
	rps := func(r *row) float64 { return medianRPS(r.wharf) }
	b.WriteString("Targets:\n")
	for _, d := range []string{"versions", "nupkg"} {
		for _, c := range []int{16, 64} {
			if r := rowOf(d, c); r != nil {
				check(r.ratio() >= 0.8 && p99(r) < 5*time.Millisecond, "%s at %d connections: %.2f× nginx (≥ 0.8), p99 %s ms (< 5)", docNames[d], c, r.ratio(), ms(p99(r)))
			}
		}
	}
	for _, d := range []string{"versions", "nupkg"} {
		for _, c := range []int{16, 64} {
			if r := rowOf(d, c); r != nil {
				ratio, p := pairedRatio(r.static, r.nginx), medianP99(r.static)
				check(ratio >= 0.95 && p < 5*time.Millisecond, "%s at %d connections through the static copy ('wharf deploy nginx'): %.2f× plain nginx (≥ 0.95), p99 %s ms (< 5)", docNames[d], c, ratio, ms(p))
			}
		}
	}
	for _, r := range rep.private {
		if r.conns == 16 || r.conns == 64 {
			check(r.ratio() >= 0.9, "%s from a private feed at %d connections: %.2f× the public feed (≥ 0.9)", docNames[r.doc], r.conns, r.ratio())
		}
	}
	for _, r := range rep.upstream {
		if r.conns == 16 || r.conns == 64 {
			check(r.ratio() >= 0.9, "%s of a cached upstream package at %d connections: %.2f× a local one (≥ 0.9)", docNames[r.doc], r.conns, r.ratio())
		}
	}
	for _, c := range o.conns {
		if reg, ver := rowOf("registration", c), rowOf("versions", c); reg != nil && ver != nil {
			check(rps(reg)*2 >= rps(ver), "registration index at %d connections: %.0f req/s, within 2× of the versions list's %.0f", c, rps(reg), rps(ver))
		}
	}
	for _, d := range []string{"search", "search-empty"} {
		if r := rowOf(d, 16); r != nil {
			check(p99(r) < 10*time.Millisecond, "%s at 16 connections: p99 %s ms (< 10)", docNames[d], ms(p99(r)))
		}
	}
	if len(rep.pushes) > 0 {
		v := medianOf(rep.pushes, func(p pushResult) float64 { return p.PerSec })
		check(v >= 50, "sequential pushes of %d KB: %.0f/s (≥ 50)", o.pushSize>>10, v)
	}
	if len(rep.flat) > 1 {
		first, last := rep.flat[0], rep.flat[len(rep.flat)-1]
		check(last < first+first/2+(16<<20) && slices.Max(rep.flat) < 200<<20, "memory while pushing %d MB: %s → %s MB (flat: grows < 50%% + 16 MB, stays < 200 MB)", o.pushFlat>>20, mb(first), mb(last))
	}
	if len(rep.exchanges) > 0 {
		v := medianOf(rep.exchanges, func(e exchangeResult) float64 { return e.PerSec })
		check(v >= 1000, "token exchanges: %.0f/s (≥ 1,000)", v)
	}
	peak := maxOf(rep.readPeak, rep.pushPeak)
	check(peak < 200<<20, "Wharf peak RSS through the run: %s MB (< 200)", mb(peak))
	if len(rep.startups) > 0 {
		check(median(rep.startups) < time.Second, "start-up with %d versions: %s ms (< 1,000)", rep.versionsTotal, ms(median(rep.startups)))
	}
	return b.String()
}
