// Command seed fills a Wharf data directory with a synthetic feed for
// benchmarks (see bench/internal/benchfeed): N packages of M versions
// each, with realistic nuspecs and incompressible payloads, pushed through
// the real registry service.
//
//	go run ./bench/seed -data /tmp/bench-data -packages 1000 -versions 10
//	go run ./bench/seed -data /tmp/bench-data -database-url postgres://...
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/wharf-registry/wharf/bench/internal/benchfeed"
)

func main() {
	data := flag.String("data", "./bench-data", "data directory to fill (created)")
	packages := flag.Int("packages", 1000, "number of package IDs")
	versions := flag.Int("versions", 10, "versions per package")
	payload := flag.Int("payload", 20<<10, "bytes of incompressible payload per package (the smallest, with -max-payload)")
	maxPayload := flag.Int("max-payload", 0, "bytes of payload of the largest package; payloads spread between -payload and this")
	workers := flag.Int("workers", 1, "concurrent pushers")
	dbURL := flag.String("database-url", "", "postgres:// URL to seed instead of SQLite in the data directory")
	storageURL := flag.String("storage-url", "", "s3://bucket?endpoint=... to store packages in (credentials from WHARF_S3_*) instead of the data directory")
	flag.Parse()

	sh := benchfeed.Shape{Packages: *packages, Versions: *versions, MinSize: *payload, MaxSize: max(*payload, *maxPayload)}
	start := time.Now()
	n, err := benchfeed.Seed(context.Background(), benchfeed.Target{DataDir: *data, DatabaseURL: *dbURL, StorageURL: *storageURL}, sh, *workers,
		func(done, total int, rate float64) {
			fmt.Fprintf(os.Stderr, "%d/%d versions (%.0f pushes/s)\n", done, total, rate)
		})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "seeded %d versions (%d MB) in %s\n", sh.Packages*sh.Versions, n>>20, time.Since(start).Round(time.Millisecond))
}
