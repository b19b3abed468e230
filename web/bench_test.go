package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// benchFeed seeds a feed of at least 1,000 packages of 10 versions, as the
// feed issue asks, through the registry's real push path.
// WHARF_BENCH_PACKAGES overrides the count for quick runs.
func benchFeed(b *testing.B) (*feed, int) {
	n := 1000
	if s := os.Getenv("WHARF_BENCH_PACKAGES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	f := newFeedWith(b, registry.Options{})
	{
		key, err := f.reg.Authenticate(b.Context(), f.key)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < n; i++ {
			for v := 0; v < 10; v++ {
				spec := nugettest.Spec{
					ID: fmt.Sprintf("Bench.Pkg%04d", i), Version: fmt.Sprintf("1.%d.0", v), Payload: 4 << 10,
					Description: "Benchmark package with widgets.", Tags: "bench widgets",
					Dependencies: map[string][]nugettest.Dep{"net8.0": {{ID: "System.Memory", Range: "4.5.5"}}},
				}
				pkg := spec.Build()
				if _, err := f.reg.Push(b.Context(), key, registry.Upload{R: bytes.NewReader(pkg), Size: int64(len(pkg))}); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	return f, n
}

// benchGet measures GETs of the URLs that next returns, from parallel clients.
func benchGet(b *testing.B, next func(i int) string) { benchGetAs(b, "", next) }

// benchGetAs is benchGet with a key as the Basic password ("" for none),
// as NuGet clients read a private feed.
func benchGetAs(b *testing.B, key string, next func(i int) string) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	b.ReportAllocs()
	b.ResetTimer()
	var n int64
	var mu sync.Mutex
	b.RunParallel(func(pb *testing.PB) {
		mu.Lock()
		i := int(n)
		n += 7919
		mu.Unlock()
		for pb.Next() {
			i++
			req, _ := http.NewRequest(http.MethodGet, next(i), nil)
			if key != "" {
				req.SetBasicAuth("bench", key)
			}
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}

func BenchmarkRestorePath(b *testing.B) {
	f, n := benchFeed(b)
	id := func(i int) string { return fmt.Sprintf("bench.pkg%04d", i%n) }
	b.Run("versions-index", func(b *testing.B) {
		benchGet(b, func(i int) string { return f.urls.Versions(id(i)) })
	})
	b.Run("nupkg", func(b *testing.B) {
		benchGet(b, func(i int) string { return f.urls.Nupkg(id(i), fmt.Sprintf("1.%d.0", i%10)) })
	})
	b.Run("registration-index", func(b *testing.B) {
		benchGet(b, func(i int) string { return f.urls.RegistrationIndex(id(i)) })
	})
	b.Run("search", func(b *testing.B) {
		benchGet(b, func(i int) string { return f.urls.Search() + "?q=widgets&take=20" })
	})
	// The same documents from the feed made private, read with a read key
	// as the Basic password: the cost of authorising a read.
	key := f.readKey("reader")
	must(b, func() error {
		return f.reg.GrantFeed(context.Background(), "default", feeds.SubjectUser, "reader", feeds.RoleReader)
	})
	if _, err := f.reg.Feeds().Set(context.Background(), "default", ptr(true), nil); err != nil {
		b.Fatal(err)
	}
	b.Run("versions-index-private", func(b *testing.B) {
		benchGetAs(b, key, func(i int) string { return f.urls.Versions(id(i)) })
	})
	b.Run("nupkg-private", func(b *testing.B) {
		benchGetAs(b, key, func(i int) string { return f.urls.Nupkg(id(i), fmt.Sprintf("1.%d.0", i%10)) })
	})
}

func ptr[T any](v T) *T { return &v }
