// Command compare measures Wharf's restore path against nginx serving the
// same files, side by side in one run: it seeds a feed (default 10,000
// packages × 10 versions of 20–200 KB), starts `wharf serve` on it,
// exports the same flat-container files and JSON documents to a folder
// served by nginx (sendfile, gzip_static, open_file_cache), and drives
// both with wrk over loopback at 1, 16 and 64 connections, several runs,
// alternating which server goes first. It then measures sequential pushes,
// memory while pushing 1 GB, token exchanges and start-up time, and prints
// one table of medians with the Wharf/nginx ratios and the targets.
//
//	go run ./bench/compare                      # the full run (seeding takes ~10 min once)
//	go run ./bench/compare -packages 100 -runs 1 -duration 2s -push-flat 0   # a quick look
//
// It needs nginx and wrk (apt-get install nginx-light wrk) and reuses the
// seeded feed in -work between runs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wharf-registry/wharf/bench/internal/benchfeed"
)

// options are the command's flags.
type options struct {
	work, wharfBin, nginxBin, wrkBin string
	shape                            benchfeed.Shape
	runs                             int
	duration, warmup                 time.Duration
	conns                            []int
	docs                             []string
	pushCount, pushSize              int
	pushFlat                         int64
	exchangeCount, exchangeConns     int
	startups                         int
	out                              string
	ram                              bool
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.StringVar(&o.work, "work", "/tmp/wharf-compare", "working directory: the seeded feed, the nginx root, logs (kept between runs)")
	fs.StringVar(&o.wharfBin, "wharf", "", "wharf binary (default: go build ./cmd/wharf into -work)")
	fs.StringVar(&o.nginxBin, "nginx", "nginx", "nginx binary")
	fs.StringVar(&o.wrkBin, "wrk", "wrk", "wrk binary")
	fs.IntVar(&o.shape.Packages, "packages", 10000, "package IDs in the feed")
	fs.IntVar(&o.shape.Versions, "versions", 10, "versions per package")
	fs.IntVar(&o.shape.MinSize, "min-size", 20<<10, "payload bytes of the smallest package")
	fs.IntVar(&o.shape.MaxSize, "max-size", 200<<10, "payload bytes of the largest package")
	fs.IntVar(&o.shape.Hot, "hot", 2000, "versions the .nupkg row downloads, spread over the feed (0: every version); the hot set must fit in the page cache or the row measures the disk")
	fs.IntVar(&o.runs, "runs", 3, "runs of every measurement; the table shows medians")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "length of one load measurement")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "load per document and server before the runs (caches, page cache)")
	conns := fs.String("conns", "1,16,64", "connection counts")
	docs := fs.String("docs", "versions,nupkg,registration,search,search-empty", "documents to measure (empty: only the write path)")
	fs.IntVar(&o.pushCount, "push", 300, "packages per sequential push run")
	fs.IntVar(&o.pushSize, "push-size", 100<<10, "payload bytes of each pushed package")
	flat := fs.Int64("push-flat", 1<<30, "bytes to push while sampling memory (0: skip)")
	fs.IntVar(&o.exchangeCount, "exchanges", 3000, "token exchanges per run")
	fs.IntVar(&o.exchangeConns, "exchange-conns", 16, "concurrent token exchanges")
	fs.IntVar(&o.startups, "startups", 3, "start-ups of Wharf on the seeded feed to time")
	fs.BoolVar(&o.ram, "ram", false, "serve the measured working set (the database, the hot packages, the JSON documents) from a tmpfs mounted under -work (needs root): on machines whose page cache does not keep it, the rows would measure the disk")
	fs.StringVar(&o.out, "out", "", "also write the table (Markdown) to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.pushFlat = *flat
	for _, c := range strings.Split(*conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-conns: %q is not a connection count", c)
		}
		o.conns = append(o.conns, n)
	}
	for _, d := range strings.Split(*docs, ",") {
		if *docs == "" {
			break // no read rows: the write path only
		}
		if _, ok := docPaths[d]; !ok {
			return o, fmt.Errorf("-docs: unknown document %q", d)
		}
		o.docs = append(o.docs, d)
	}
	if o.runs < 1 || o.shape.Packages < 1 || o.shape.Versions < 1 {
		return o, errors.New("-runs, -packages and -versions must be at least 1")
	}
	return o, nil
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == fileServerMode {
		log.Fatal(serveFiles(os.Args[2], os.Args[3]))
	}
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		log.Fatal(err)
	}
	// Ctrl-C stops the run between measurements, so that the servers it
	// started (in process groups of their own) are stopped too.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	table := rep.markdown(o)
	fmt.Print(table)
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(table), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// progress prints what the run is doing.
func progress(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// prepare builds the binary and seeds the feed once per shape.
func prepare(ctx context.Context, o *options, w io.Writer) (data string, err error) {
	if o.work, err = filepath.Abs(o.work); err != nil {
		return "", err
	}
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return "", err
	}
	if o.wharfBin == "" {
		o.wharfBin = filepath.Join(o.work, "wharf")
		progress(w, "building wharf")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", o.wharfBin, "github.com/wharf-registry/wharf/cmd/wharf")
		cmd.Stdout, cmd.Stderr = w, w
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("go build ./cmd/wharf (run inside the repository): %w", err)
		}
	}
	sh := o.shape
	data = filepath.Join(o.work, fmt.Sprintf("feed-%dx%d-%d-%d", sh.Packages, sh.Versions, sh.MinSize, sh.MaxSize))
	marker := filepath.Join(data, ".seeded")
	if _, err := os.Stat(marker); err == nil {
		return data, nil
	}
	os.RemoveAll(data)
	progress(w, "seeding %d × %d versions into %s (once)", sh.Packages, sh.Versions, data)
	t0 := time.Now()
	n, err := benchfeed.Seed(ctx, benchfeed.Target{DataDir: data}, sh, 2, func(done, total int, rate float64) {
		if done%10000 == 0 {
			progress(w, "seeded %d/%d (%.0f/s)", done, total, rate)
		}
	})
	if err != nil {
		return "", err
	}
	progress(w, "seeded %d MB in %s", n>>20, time.Since(t0).Round(time.Second))
	return data, os.WriteFile(marker, nil, 0o644)
}

// raiseFileLimit lifts the open-file limit to its maximum for this process
// and, because it is set explicitly, for the servers it starts: Go raises
// its own limit at start-up but hands children the original 1,024, which
// nginx's open-file cache and 64 connections outgrow.
func raiseFileLimit() {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err == nil {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
