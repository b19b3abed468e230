package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// privateDocs are the documents the private-feed rows measure: the
// restore path, which a private feed must serve as fast as a public one.
var privateDocs = []string{"versions", "nupkg"}

// privateRow is one document at one connection count, served by the same
// Wharf from the same feed, public and then private with Basic auth.
type privateRow struct {
	doc             string
	conns           int
	public, private []measurement
}

// ratio is the median of the per-run private/public request rates.
func (r *privateRow) ratio() float64 { return pairedRatio(r.private, r.public) }

// privateScript is wrkScript with the Basic credentials NuGet clients send
// from packageSourceCredentials (any user name, the key as password).
func privateScript(dir, key string) (string, error) {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("bench:"+key))
	s := strings.Replace(wrkScript, `{["Accept-Encoding"] = "gzip"}`, `{["Accept-Encoding"] = "gzip", ["Authorization"] = "`+auth+`"}`, 1)
	p := filepath.Join(dir, "paths-private.lua")
	return p, os.WriteFile(p, []byte(s), 0o600)
}

// privateRows measures the restore path of the seeded feed served publicly
// and then, with the feed made private, with a read key as Basic password:
// the same server, documents and paths, so the ratio is the cost of
// authorising a read. The feed is made public again before returning.
func privateRows(ctx context.Context, o options, rep *report, wh *server, data string, w io.Writer) (err error) {
	cli := func(args ...string) (string, error) { return wharfCLI(o.wharfBin, data, nil, args...) }
	// The reader is there already when the seeded feed is reused: a
	// refusal to add it again is expected; the grant below then fails if
	// anything else went wrong.
	_, _ = cli("user", "add", "bench-reader")
	if _, err := cli("feed", "grant", "default", "--user", "bench-reader", "--role", "reader"); err != nil {
		return err
	}
	key, err := cli("key", "add", "--user", "bench-reader", "--scope", "read", "--description", "bench/compare private rows")
	if err != nil {
		return err
	}
	script, err := privateScript(o.work, key)
	if err != nil {
		return err
	}
	plain, err := writeScript(o.work)
	if err != nil {
		return err
	}
	probe := wh.base + docPaths["versions"](o.shape)[0]
	visibility := func(private bool) error {
		flag, want := "--public", http.StatusOK
		if private {
			flag, want = "--private", http.StatusUnauthorized
		}
		if _, err := cli("feed", "set", "default", flag); err != nil {
			return err
		}
		return waitStatus(ctx, probe, want)
	}
	defer func() {
		if perr := visibility(false); perr != nil && err == nil {
			err = perr
		}
	}()
	for _, d := range privateDocs {
		if !slices.Contains(o.docs, d) {
			continue
		}
		for _, c := range o.conns {
			rep.private = append(rep.private, &privateRow{doc: d, conns: c})
		}
	}
	files := map[string]string{}
	for _, r := range rep.private {
		files[r.doc] = filepath.Join(o.work, "paths-"+r.doc+".txt")
	}
	for run := 0; run < o.runs; run++ {
		// Alternate which side goes first, as the read rows alternate servers.
		sides := []bool{false, true}
		if run%2 == 1 {
			sides = []bool{true, false}
		}
		for _, private := range sides {
			if err := visibility(private); err != nil {
				return err
			}
			s, name := plain, "public"
			if private {
				s, name = script, "private"
			}
			for _, r := range rep.private {
				if err := ctx.Err(); err != nil {
					return err
				}
				m, err := runWrk(o.wrkBin, s, wh.base, files[r.doc], r.conns, o.duration)
				if err != nil {
					return fmt.Errorf("%s %s at %d connections: %w", name, r.doc, r.conns, err)
				}
				if private {
					r.private = append(r.private, m)
				} else {
					r.public = append(r.public, m)
				}
				progress(w, "run %d %-12s c=%-3d %-7s %8.0f req/s p50 %6s p99 %6s errors %d", run+1, r.doc, r.conns, name, m.RPS,
					m.P50.Round(time.Microsecond), m.P99.Round(time.Microsecond), m.Errors)
			}
		}
	}
	return nil
}

// waitStatus polls url until it answers want (a visibility change made by
// the command line reaches the server through the feed revision).
func waitStatus(ctx context.Context, url string, want int) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == want {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer %d within 10 s (last: %v)", url, want, statusOf(res, err))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func statusOf(res *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return res.Status
}

// privateTable renders the private rows beside the public ones.
func (rep *report) privateTable(b *strings.Builder) {
	b.WriteString("\nPrivate feed: the same Wharf and documents, the feed public (anonymous) and then private (a read key as the Basic password), alternating which goes first.\n\n")
	b.WriteString("| document | conns | public req/s | private req/s | private/public | public p99 ms | private p99 ms | errors |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, r := range rep.private {
		var errs int64
		for _, m := range append(r.public, r.private...) {
			errs += m.Errors
		}
		fmt.Fprintf(b, "| %s | %d | %.0f | %.0f | %.2f | %s | %s | %d |\n", docNames[r.doc], r.conns,
			medianRPS(r.public), medianRPS(r.private), r.ratio(), ms(medianP99(r.public)), ms(medianP99(r.private)), errs)
	}
}
