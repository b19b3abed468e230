// Command load drives a running Wharf (or any server holding the same
// files) with concurrent clients over loopback and reports requests per
// second and latency percentiles for the restore path: the flat-container
// versions list and the .nupkg download, plus registration and search.
// It targets the feed bench/seed creates.
//
//	go run ./bench/load -url http://127.0.0.1:5555 -c 1,16,64 -d 10s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:5555", "server base URL, or several comma-separated (replicas: connections are spread over them); only loopback addresses are allowed")
	conc := flag.String("c", "1,16,64", "comma-separated connection counts")
	dur := flag.Duration("d", 10*time.Second, "duration of each measurement")
	packages := flag.Int("packages", 1000, "package IDs in the seeded feed")
	versions := flag.Int("versions", 10, "versions per package in the seeded feed")
	docs := flag.String("docs", "versions,nupkg,registration,search", "documents to measure")
	flag.Parse()
	bases := strings.Split(*base, ",")
	for _, b := range bases {
		if !strings.HasPrefix(b, "http://127.") && !strings.HasPrefix(b, "http://localhost") && !strings.HasPrefix(b, "http://[::1]") {
			log.Fatal("load only targets loopback servers")
		}
	}
	fmt.Printf("%-13s %5s %9s %8s %8s %6s\n", "document", "conns", "req/s", "p50 ms", "p99 ms", "errors")
	for _, doc := range strings.Split(*docs, ",") {
		for _, cs := range strings.Split(*conc, ",") {
			c, err := strconv.Atoi(cs)
			if err != nil || c < 1 {
				log.Fatalf("bad connection count %q", cs)
			}
			r := run(bases, doc, c, *dur, *packages, *versions)
			fmt.Printf("%-13s %5d %9.0f %8.2f %8.2f %6d\n", doc, c, r.rps, ms(r.p50), ms(r.p99), r.errors)
		}
	}
}

// result is one measurement.
type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

// url returns the URL of doc for a random package and version of the seeded feed.
func url(base, doc string, rnd *rand.Rand, packages, versions int) string {
	i, v := rnd.IntN(packages), rnd.IntN(versions)
	id := fmt.Sprintf("bench.pkg%04d", i)
	ver := fmt.Sprintf("1.%d.0", v)
	if v%3 == 2 {
		ver += "-preview.1"
	}
	switch doc {
	case "versions":
		return base + "/v3/package/" + id + "/index.json"
	case "nupkg":
		return base + "/v3/package/" + id + "/" + ver + "/" + id + "." + ver + ".nupkg"
	case "registration":
		return base + "/v3/registration/" + id + "/index.json"
	case "search":
		return base + "/v3/search?q=widgets&take=20"
	case "search-empty":
		return base + "/v3/search?take=20"
	}
	log.Fatalf("unknown document %q", doc)
	return ""
}

// run measures one document at one concurrency for d, connection w
// talking to bases[w % len(bases)].
func run(bases []string, doc string, conns int, d time.Duration, packages, versions int) result {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	errors := 0
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			base := bases[int(seed)%len(bases)]
			rnd := rand.New(rand.NewPCG(seed, 7))
			var local []time.Duration
			bad := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				res, err := client.Get(url(base, doc, rnd, packages, versions))
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if res.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				if ctx.Err() != nil {
					break
				}
				if err != nil {
					bad++
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			errors += bad
			mu.Unlock()
		}(uint64(w))
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := result{errors: errors, rps: float64(len(lat)) / elapsed.Seconds()}
	if len(lat) > 0 {
		r.p50 = lat[len(lat)/2]
		r.p99 = lat[len(lat)*99/100]
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
