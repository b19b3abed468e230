package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/bench/internal/benchfeed"
)

// TestMain lets the test binary play the Go file server, as the command
// does when it starts the third column.
func TestMain(m *testing.M) {
	if len(os.Args) == 4 && os.Args[1] == fileServerMode {
		if err := serveFiles(os.Args[2], os.Args[3]); err != nil {
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// TestCompareSmallFeed runs the whole comparison on a tiny feed, so the
// benchmark cannot rot: every server answers every row without an error,
// and every figure of the table is filled in.
func TestCompareSmallFeed(t *testing.T) {
	for _, tool := range []string{"nginx", "wrk"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed; .ci/run installs it (apt-get install nginx-light wrk)", tool)
			}
			t.Skipf("%s is not installed (apt-get install nginx-light wrk)", tool)
		}
	}
	o, err := parseFlags([]string{"-work", t.TempDir(), "-packages", "12", "-versions", "3", "-runs", "2", "-duration", "1s",
		"-warmup", "1s", "-conns", "4", "-push", "10", "-push-flat", "3000000", "-exchanges", "40", "-startups", "1"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(context.Background(), o, testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.rows) != len(o.docs)*len(o.conns) {
		t.Fatalf("%d rows, want %d", len(rep.rows), len(o.docs)*len(o.conns))
	}
	for _, r := range rep.rows {
		we, ne := r.errors()
		if we+ne != 0 {
			t.Errorf("%s at %d connections: %d errors from Wharf, %d from nginx or Go", r.doc, r.conns, we, ne)
		}
		for name, ms := range map[string][]measurement{"wharf": r.wharf, "nginx": r.nginx, "go": r.gofs, "static": r.static} {
			if len(ms) != o.runs {
				t.Errorf("%s at %d connections: %d runs of %s, want %d", r.doc, r.conns, len(ms), name, o.runs)
			}
			for _, m := range ms {
				if m.RPS <= 0 || m.P50 <= 0 || m.P99 < m.P50 {
					t.Errorf("%s at %d connections, %s: implausible figures %+v", r.doc, r.conns, name, m)
				}
			}
		}
		if r.wharfRSS <= 0 || r.nginxRSS <= 0 {
			t.Errorf("%s: no RSS sampled (wharf %d, nginx %d)", r.doc, r.wharfRSS, r.nginxRSS)
		}
	}
	if len(rep.private) != len(privateDocs)*len(o.conns) {
		t.Errorf("%d private-feed rows, want %d", len(rep.private), len(privateDocs)*len(o.conns))
	}
	for _, r := range rep.private {
		for name, ms := range map[string][]measurement{"public": r.public, "private": r.private} {
			if len(ms) != o.runs {
				t.Errorf("private rows, %s at %d connections: %d runs of %s, want %d", r.doc, r.conns, len(ms), name, o.runs)
			}
			for _, m := range ms {
				if m.Errors != 0 || m.RPS <= 0 || m.P50 <= 0 || m.P99 < m.P50 {
					t.Errorf("private rows, %s at %d connections, %s: %+v", r.doc, r.conns, name, m)
				}
			}
		}
	}
	if len(rep.upstream) != len(privateDocs)*len(o.conns) {
		t.Errorf("%d upstream rows, want %d", len(rep.upstream), len(privateDocs)*len(o.conns))
	}
	for _, r := range rep.upstream {
		for name, ms := range map[string][]measurement{"local": r.local, "mirrored": r.cached} {
			if len(ms) != o.runs {
				t.Errorf("upstream rows, %s at %d connections: %d runs of %s, want %d", r.doc, r.conns, len(ms), name, o.runs)
			}
			for _, m := range ms {
				if m.Errors != 0 || m.RPS <= 0 || m.P50 <= 0 || m.P99 < m.P50 {
					t.Errorf("upstream rows, %s at %d connections, %s: %+v", r.doc, r.conns, name, m)
				}
			}
		}
	}
	for _, p := range rep.pushes {
		if p.Errors != 0 || p.PerSec <= 0 {
			t.Errorf("push run: %+v", p)
		}
	}
	if rep.flatErrors != 0 || len(rep.flat) < 2 {
		t.Errorf("pushing while sampling memory: %d errors, %d samples", rep.flatErrors, len(rep.flat))
	}
	for _, e := range rep.exchanges {
		if e.Errors != 0 || e.PerSec <= 0 {
			t.Errorf("exchange run: %+v", e)
		}
	}
	if len(rep.startups) != 1 || rep.startups[0] <= 0 || rep.startups[0] > 30*time.Second {
		t.Errorf("start-ups: %v", rep.startups)
	}
	if rep.wharfErrLines != 0 || rep.nginxErrLines != 0 {
		t.Errorf("error lines in the logs: wharf %d, nginx %d", rep.wharfErrLines, rep.nginxErrLines)
	}
	table := rep.markdown(o)
	for _, want := range []string{"versions `index.json`", "`.nupkg` download", "registration index", "search, one word", "search, empty `q`", "packages/s", "token exchange", "Start-up with 36 versions", "Targets:", "static copy/nginx"} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	t.Log("\n" + table)
}

// TestPayloadSizesSpreadOverTheRange checks the feed's package sizes: all
// within the bounds, and not all alike.
func TestPayloadSizesSpreadOverTheRange(t *testing.T) {
	sh := benchfeed.Shape{Packages: 100, Versions: 10, MinSize: 20 << 10, MaxSize: 200 << 10}
	lo, hi := sh.MaxSize, sh.MinSize
	for i := range sh.Packages {
		for v := range sh.Versions {
			n := sh.PayloadSize(i, v)
			if n < sh.MinSize || n > sh.MaxSize {
				t.Fatalf("package %d version %d: %d bytes, outside %d–%d", i, v, n, sh.MinSize, sh.MaxSize)
			}
			lo, hi = min(lo, n), max(hi, n)
		}
	}
	if lo > 40<<10 || hi < 180<<10 {
		t.Errorf("sizes span only %d–%d bytes", lo, hi)
	}
}

// testWriter sends the run's progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
