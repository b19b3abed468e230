package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/bench/internal/benchfeed"
)

// docPaths lists the URL paths one document row requests, at random.
var docPaths = map[string]func(sh benchfeed.Shape) []string{
	"versions": func(sh benchfeed.Shape) []string {
		return perPackage(sh, func(id string) string { return "/v3/package/" + id + "/index.json" })
	},
	"registration": func(sh benchfeed.Shape) []string {
		return perPackage(sh, func(id string) string { return "/v3/registration/" + id + "/index.json" })
	},
	"nupkg": func(sh benchfeed.Shape) []string { return hotSet(nupkgPaths(sh), sh.Hot) },
	"search": func(benchfeed.Shape) []string {
		var out []string
		for _, w := range searchWords() {
			out = append(out, "/v3/search?q="+w+"&take=20")
		}
		return out
	},
	"search-empty": func(benchfeed.Shape) []string { return []string{"/v3/search?take=20"} },
}

// nupkgPaths lists the flat-container path of every version's .nupkg.
func nupkgPaths(sh benchfeed.Shape) []string {
	var out []string
	for i := 0; i < sh.Packages; i++ {
		id := strings.ToLower(benchfeed.ID(i))
		for v := 0; v < sh.Versions; v++ {
			ver := benchfeed.Version(v)
			out = append(out, "/v3/package/"+id+"/"+ver+"/"+id+"."+ver+".nupkg")
		}
	}
	return out
}

func perPackage(sh benchfeed.Shape, f func(id string) string) []string {
	out := make([]string, sh.Packages)
	for i := range out {
		out[i] = f(strings.ToLower(benchfeed.ID(i)))
	}
	return out
}

// row is one document at one connection count, for both servers.
type row struct {
	doc          string
	conns        int
	wharf, nginx []measurement
	gofs         []measurement // Go's net/http FileServer on nginx's folder
	static       []measurement // nginx with 'wharf deploy nginx' in front of Wharf
	wharfRSS     int64         // largest RSS sampled while it was measured
	nginxRSS     int64
}

// report is everything one run of the command measured.
type report struct {
	rows               []*row
	startups           []time.Duration
	readPeak, pushPeak int64 // Wharf's VmHWM in the read and the push phase
	nginxPeak          int64
	pushes             []pushResult
	flat               []int64
	flatErrors         int
	exchanges          []exchangeResult
	private            []*privateRow  // the restore path, public and private
	upstream           []*upstreamRow // the restore path, local and mirrored
	started, finished  time.Time
	versionsTotal      int
	wharfErrLines      int
	nginxErrLines      int
	runs               int
	hotFiles           int   // versions the .nupkg rows download
	hotBytes           int64 // and their size
}

// run performs the whole comparison.
func run(ctx context.Context, o options, w io.Writer) (*report, error) {
	raiseFileLimit()
	rep := &report{started: time.Now(), versionsTotal: o.shape.Packages * o.shape.Versions, runs: o.runs}
	data, err := prepare(ctx, &o, w)
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(o.work, "servers.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	if len(o.docs) == 0 { // -docs "": the write path only
		if err := writeRows(ctx, o, rep, logf, w); err != nil {
			return nil, err
		}
		rep.finished = time.Now()
		return rep, nil
	}
	lastID := strings.ToLower(benchfeed.ID(o.shape.Packages - 1))
	probe := "/v3/package/" + lastID + "/index.json"

	// Start-up on the seeded feed: process start to the first versions list.
	for i := 0; i < o.startups; i++ {
		s, took, err := startWharf(o, data, probe, nil, logf)
		if err != nil {
			return nil, err
		}
		s.stop()
		rep.startups = append(rep.startups, took)
		progress(w, "start-up %d: %s", i+1, took.Round(time.Millisecond))
	}

	root := filepath.Join(o.work, "nginx-root")
	exported := filepath.Join(data, ".exported")
	if _, err := os.Stat(exported); err != nil {
		progress(w, "linking packages into the nginx root")
		os.RemoveAll(root)
		if err := linkPackages(ctx, benchfeed.Target{DataDir: data}, o.shape, root); err != nil {
			return nil, err
		}
	}
	wh, _, err := startWharf(o, data, probe, nil, logf)
	if err != nil {
		return nil, err
	}
	defer wh.stop()
	if _, err := os.Stat(exported); err != nil {
		progress(w, "exporting JSON documents from Wharf")
		if err := exportDocs(wh.base, root, o.shape); err != nil {
			return nil, err
		}
		if err := os.WriteFile(exported, nil, 0o644); err != nil {
			return nil, err
		}
	}
	if o.ram {
		wh.stop()
		progress(w, "staging the database, the hot packages and the documents on a tmpfs")
		ramData, ramRoot, unmount, err := stageInRAM(ctx, o, data, root)
		if err != nil {
			return nil, err
		}
		defer unmount()
		data, root = ramData, ramRoot
		if wh, _, err = startWharf(o, data, probe, nil, logf); err != nil {
			return nil, err
		}
		defer wh.stop()
	}
	// Both servers read the same files (hard links): read them all once,
	// so that neither pays for the disk and the rows measure serving.
	t0 := time.Now()
	hot := docPaths["nupkg"](o.shape)
	n, err := warmPageCache(ctx, root, hot)
	if err != nil {
		return nil, err
	}
	rep.hotFiles, rep.hotBytes = len(hot), n
	m, err := warmPageCache(ctx, root, jsonFiles(o.shape))
	if err != nil {
		return nil, err
	}
	progress(w, "read %d MB of packages and %d MB of JSON documents into the page cache in %s", n>>20, m>>20, time.Since(t0).Round(time.Second))
	nport, err := freePort()
	if err != nil {
		return nil, err
	}
	ng, err := startNginx(o.nginxBin, o.work, root, nport, logf)
	if err != nil {
		return nil, err
	}
	defer ng.stop()
	gs, err := startFileServer(root, logf)
	if err != nil {
		return nil, err
	}
	defer gs.stop()
	st, err := startStaticFront(ctx, o, wh, data, logf, w)
	if err != nil {
		return nil, err
	}
	defer st.stop()

	if err := readRows(ctx, o, rep, wh, ng, gs, st, w); err != nil {
		return nil, err
	}
	if err := privateRows(ctx, o, rep, wh, data, w); err != nil {
		return nil, err
	}
	if err := upstreamRows(ctx, o, rep, wh, logf, w); err != nil {
		return nil, err
	}
	rep.readPeak, rep.nginxPeak = wh.peakRSS(), ng.peakRSS()
	rep.wharfErrLines = wh.log.Errors()
	rep.nginxErrLines = ng.log.Errors() + st.log.Errors()
	ng.stop()
	gs.stop()
	st.stop()
	wh.stop()

	if err := writeRows(ctx, o, rep, logf, w); err != nil {
		return nil, err
	}
	rep.finished = time.Now()
	return rep, nil
}

// startWharf runs `wharf serve` on data and waits for probe.
func startWharf(o options, data, probe string, env []string, out io.Writer) (*server, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(o.wharfBin, "serve", "--data", data, "--listen", fmt.Sprintf("127.0.0.1:%d", port))
	cmd.Env = append(os.Environ(), env...)
	return start("wharf", cmd, base, probe, out)
}

// readRows measures every document at every connection count, runs
// times, alternating which server goes first.
func readRows(ctx context.Context, o options, rep *report, wh, ng, gs, st *server, w io.Writer) error {
	script, err := writeScript(o.work)
	if err != nil {
		return err
	}
	files := map[string]string{}
	for _, d := range o.docs {
		f := filepath.Join(o.work, "paths-"+d+".txt")
		if err := os.WriteFile(f, []byte(strings.Join(docPaths[d](o.shape), "\n")+"\n"), 0o644); err != nil {
			return err
		}
		files[d] = f
	}
	for _, d := range o.docs {
		for _, s := range []*server{wh, ng, gs, st} {
			if _, err := runWrk(o.wrkBin, script, s.base, files[d], 16, o.warmup); err != nil {
				return fmt.Errorf("warming %s up on %s: %w", s.name, d, err)
			}
		}
		for _, c := range o.conns {
			rep.rows = append(rep.rows, &row{doc: d, conns: c})
		}
	}
	for r := 0; r < o.runs; r++ {
		for _, row := range rep.rows {
			if err := ctx.Err(); err != nil {
				return err
			}
			order := []*server{wh, ng, st, gs}
			if r%2 == 1 {
				order = []*server{gs, st, ng, wh}
			}
			for _, s := range order {
				sctx, cancel := context.WithCancel(ctx)
				peak := sampleRSS(sctx, s)
				m, err := runWrk(o.wrkBin, script, s.base, files[row.doc], row.conns, o.duration)
				cancel()
				p := peak()
				if err != nil {
					return fmt.Errorf("%s on %s at %d connections: %w", s.name, row.doc, row.conns, err)
				}
				switch s {
				case wh:
					row.wharf, row.wharfRSS = append(row.wharf, m), maxOf(row.wharfRSS, p)
				case ng:
					row.nginx, row.nginxRSS = append(row.nginx, m), maxOf(row.nginxRSS, p)
				case st:
					row.static = append(row.static, m)
				default:
					row.gofs = append(row.gofs, m)
				}
				progress(w, "run %d %-12s c=%-3d %-5s %8.0f req/s p50 %6s p99 %6s errors %d", r+1, row.doc, row.conns, s.name, m.RPS,
					m.P50.Round(time.Microsecond), m.P99.Round(time.Microsecond), m.Errors)
			}
		}
	}
	return nil
}

// writeRows measures pushes and token exchanges on a fresh, empty
// registry (so the read feed stays identical to nginx's copy).
func writeRows(ctx context.Context, o options, rep *report, logf io.Writer, w io.Writer) error {
	iss, closeIss := newIssuer()
	defer closeIss()
	data := filepath.Join(o.work, "push-data")
	os.RemoveAll(data)
	defer os.RemoveAll(data)
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	env := []string{"WHARF_TRUSTED_ISSUERS=github=" + iss.URL, "WHARF_OIDC_AUDIENCE=" + exchangeAudience, "WHARF_EXCHANGES_PER_MINUTE=100000000"}
	if _, err := wharfCLI(o.wharfBin, data, env, "user", "add", "bench"); err != nil {
		return err
	}
	key, err := wharfCLI(o.wharfBin, data, env, "key", "add", "--user", "bench")
	if err != nil {
		return err
	}
	if err := setUpPolicy(o.wharfBin, data, env); err != nil {
		return err
	}
	wh, _, err := startWharf(o, data, "/readyz", env, logf)
	if err != nil {
		return err
	}
	defer wh.stop()
	if _, err := pushSequentially(wh.base, key, 0, 20, o.pushSize, nil); err != nil { // warm-up
		return err
	}
	for r := 1; r <= o.runs; r++ {
		res, err := pushSequentially(wh.base, key, r, o.pushCount, o.pushSize, nil)
		if err != nil {
			return err
		}
		rep.pushes = append(rep.pushes, res)
		progress(w, "push run %d: %.0f packages/s, %.1f MB/s, errors %d", r, res.PerSec, res.MBPerSec, res.Errors)
	}
	if res, err := exchanges(wh.base, iss, 20, 1); err != nil || res.Errors > 0 { // warm the key cache
		return fmt.Errorf("warm-up token exchanges failed: %v %s", err, res.FirstError)
	}
	for r := 1; r <= o.runs; r++ {
		res, err := exchanges(wh.base, iss, o.exchangeCount, o.exchangeConns)
		if err != nil {
			return err
		}
		rep.exchanges = append(rep.exchanges, res)
		progress(w, "exchange run %d: %.0f/s p50 %s p99 %s errors %d", r, res.PerSec, res.P50.Round(time.Microsecond), res.P99.Round(time.Microsecond), res.Errors)
	}
	// Last: the kernel then writes a gigabyte back to the disk, which
	// would slow whatever came after it.
	if o.pushFlat > 0 {
		progress(w, "pushing %d MB while sampling memory", o.pushFlat>>20)
		rep.flat, rep.flatErrors, err = flatMemory(ctx, wh, key, o.pushFlat, o.pushSize)
		if err != nil {
			return err
		}
	}
	rep.pushPeak = wh.peakRSS()
	rep.wharfErrLines += wh.log.Errors()
	return nil
}

// warmPageCache reads the files at paths under root once and returns
// the bytes read.
func warmPageCache(ctx context.Context, root string, paths []string) (int64, error) {
	var total int64
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			return total, err
		}
		n, err := io.Copy(io.Discard, f)
		f.Close()
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// hotSet keeps n of paths (all when n is 0 or more than there are),
// spread evenly over the feed: the packages a fleet of CI jobs restores
// again and again, small enough to stay in the page cache.
func hotSet(paths []string, n int) []string {
	if n <= 0 || n >= len(paths) {
		return paths
	}
	out := make([]string, 0, n)
	step := float64(len(paths)) / float64(n)
	for k := 0; k < n; k++ {
		out = append(out, paths[int(float64(k)*step)])
	}
	return out
}

// jsonFiles lists the files of nginx's root that hold JSON documents.
func jsonFiles(sh benchfeed.Shape) []string {
	var docs []string
	for _, d := range []string{"versions", "registration"} {
		for _, p := range docPaths[d](sh) {
			docs = append(docs, p, p+".gz")
		}
	}
	for _, w := range append(searchWords(), "") {
		docs = append(docs, "/v3/search/q-"+w+".json", "/v3/search/q-"+w+".json.gz")
	}
	return docs
}
