package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// sample is what the soak test reads of the server process at one moment:
// goroutines and Go heap in use (from /metrics), open file descriptors
// (/proc/PID/fd) and resident memory (/proc/PID/status).
type sample struct {
	at                     time.Duration // since the traffic started
	goroutines, fds        int
	heapBytes, rssBytes    int64
	requests, unsuccessful int // answered by then, from the server's own counters
}

func (s sample) String() string {
	return fmt.Sprintf("%5.1fs: %3d goroutines, %3d fds, heap %5.1f MiB, RSS %5.1f MiB",
		s.at.Seconds(), s.goroutines, s.fds, float64(s.heapBytes)/(1<<20), float64(s.rssBytes)/(1<<20))
}

// sampleServer reads one sample of process pid through base/metrics.
func sampleServer(c *http.Client, base string, pid int) (sample, error) {
	var s sample
	res, err := c.Get(base + "/metrics")
	if err != nil {
		return s, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET /metrics: %s", res.Status)
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		v, _ := strconv.ParseFloat(value, 64)
		switch {
		case name == "go_goroutines":
			s.goroutines = int(v)
		case name == "go_memstats_heap_inuse_bytes":
			s.heapBytes = int64(v)
		case strings.HasPrefix(name, "wharf_http_requests_total{"):
			if !strings.Contains(name, `route="/metrics"`) {
				s.requests += int(v)
				if st := statusLabel(name); st >= 400 {
					s.unsuccessful += int(v)
				}
			}
		}
	}
	_, _ = io.Copy(io.Discard, res.Body)
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return s, err
	}
	s.fds = len(fds)
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			s.rssBytes = kb << 10
		}
	}
	if s.goroutines == 0 || s.rssBytes == 0 {
		return s, fmt.Errorf("the metrics or /proc/%d/status lack goroutines or RSS", pid)
	}
	return s, nil
}

// statusLabel reads the status label of a request counter's series.
func statusLabel(series string) int {
	_, rest, _ := strings.Cut(series, `status="`)
	st, _ := strconv.Atoi(strings.SplitN(rest, `"`, 2)[0])
	return st
}

// medianOf is the median of one quantity over samples.
func medianOf(ss []sample, f func(sample) int64) int64 {
	vs := make([]int64, len(ss))
	for i, s := range ss {
		vs[i] = f(s)
	}
	slices.Sort(vs)
	return vs[len(vs)/2]
}

// growth is one quantity's limit on how much its median may grow between
// the window after warm-up and the last window.
type growth struct {
	name  string
	of    func(sample) int64
	limit int64
	unit  string
}

// checkGrowth compares the median of the first window after warm-up with
// that of the last window, for each quantity.
func checkGrowth(t *testing.T, early, late []sample, limits []growth) {
	t.Helper()
	for _, g := range limits {
		a, b := medianOf(early, g.of), medianOf(late, g.of)
		t.Logf("%-10s median %d → %d %s (limit +%d)", g.name, a, b, g.unit, g.limit)
		if b-a > g.limit {
			t.Errorf("%s grew from %d to %d %s under steady traffic, more than %d: a leak", g.name, a, b, g.unit, g.limit)
		}
	}
}

// Limits on growth under steady traffic. Goroutines and descriptors in
// flight vary with the requests under way at the moment of a sample (up to
// two goroutines and one connection per client, plus the sampler's): the
// limits leave room for that and nothing more. A leak of one goroutine or
// descriptor per request, or even per push, adds hundreds between the
// windows (report checks that the traffic is large enough to tell). Heap
// and RSS grow a little with the versions pushed and the caches filling;
// their limits are what a leak of about a kilobyte per request exceeds in
// a two-minute run.
const (
	goroutineSlack = 25
	fdSlack        = 10
	heapSlack      = 32 << 20
	rssSlack       = 64 << 20
	idleSlack      = 5 // goroutines and descriptors once the traffic stopped
)

// report logs the counts and samples and checks that nothing failed and
// nothing grew.
func (s *soak) report(t *testing.T, took time.Duration, samples []sample, before, after sample) {
	t.Helper()
	total := int64(0)
	var kinds []string
	s.counts.Range(func(k, v any) bool {
		n := v.(*atomic.Int64).Load()
		total += n
		kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		return true
	})
	slices.Sort(kinds)
	t.Logf("%d requests in %v (%.0f/s), %d unexpected answers: %s", total, took.Round(time.Millisecond), float64(total)/took.Seconds(), s.errs.Load(), strings.Join(kinds, ", "))
	s.errMsgs.Range(func(k, _ any) bool { t.Errorf("unexpected answer: %s", k); return true })
	if s.errs.Load() > 0 {
		t.Errorf("%d answers were not the expected ones", s.errs.Load())
	}
	served, refused := after.requests-before.requests, after.unsuccessful-before.unsuccessful
	t.Logf("the server counted %d requests answered, %d of them with 4xx or 5xx (the sampler's excluded)", served, refused)
	if refused != 0 {
		t.Errorf("the server answered %d requests with an error status", refused)
	}
	t.Logf("idle before: %v", before)
	for _, sm := range samples {
		t.Logf("traffic  %v", sm)
	}
	t.Logf("idle after: %v", after)
	if len(samples) < 8 {
		t.Fatalf("%d samples: too few to compare windows", len(samples))
	}
	w := max(3, len(samples)/8)
	early := samples[len(samples)/4 : len(samples)/4+w]
	late := samples[len(samples)-w:]
	between := late[0].requests - early[0].requests
	t.Logf("windows of %d samples from %v and %v; %d requests between them", w, early[0].at.Round(time.Second), late[0].at.Round(time.Second), between)
	t.Logf("a leak of one goroutine or descriptor per request would add about %d between them; the heap limit catches a leak of %d bytes per request",
		between, heapSlack/max(between, 1))
	if between < 20*goroutineSlack {
		t.Errorf("only %d requests between the windows: too few for a leak of one per request to stand out of the slack", between)
	}
	checkGrowth(t, early, late, []growth{
		{"goroutines", func(s sample) int64 { return int64(s.goroutines) }, goroutineSlack, ""},
		{"fds", func(s sample) int64 { return int64(s.fds) }, fdSlack, ""},
		{"heap", func(s sample) int64 { return s.heapBytes >> 20 }, heapSlack >> 20, "MiB"},
		{"RSS", func(s sample) int64 { return s.rssBytes >> 20 }, rssSlack >> 20, "MiB"},
	})
	if after.goroutines > before.goroutines+idleSlack || after.fds > before.fds+idleSlack {
		t.Errorf("once the traffic stopped the server kept %d goroutines and %d descriptors, against %d and %d before it",
			after.goroutines, after.fds, before.goroutines, before.fds)
	}
}
