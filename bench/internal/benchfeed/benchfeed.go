// Package benchfeed builds the synthetic feed the benchmarks run against:
// N package IDs of M versions each, with realistic nuspecs (dependencies
// between the packages, tags, a licence) and incompressible payloads of a
// size that varies per version, pushed through the real registry service
// so the result is exactly what pushes produce.
package benchfeed

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf-registry/wharf/internal/config"
	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/fs"
	"github.com/wharf-registry/wharf/internal/storage/s3"
)

// Shape is the size of a synthetic feed.
type Shape struct {
	Packages int // package IDs: Bench.Pkg0000 ...
	Versions int // versions per ID: 1.0.0, 1.1.0, 1.2.0-preview.1, ...
	MinSize  int // bytes of payload of the smallest package
	MaxSize  int // bytes of payload of the largest package
	// Hot is how many versions the .nupkg downloads are drawn from (0:
	// all of them); it does not change what is seeded.
	Hot int
}

// ID is the i-th package's ID.
func ID(i int) string { return fmt.Sprintf("Bench.Pkg%04d", i) }

// Version is the v-th version of every package: every third a prerelease.
func Version(v int) string {
	s := fmt.Sprintf("1.%d.0", v)
	if v%3 == 2 {
		s += "-preview.1"
	}
	return s
}

// PayloadSize is the payload of package i's version v: spread evenly and
// deterministically between MinSize and MaxSize.
func (sh Shape) PayloadSize(i, v int) int {
	if sh.MaxSize <= sh.MinSize {
		return sh.MinSize
	}
	h := fnv.New32a()
	fmt.Fprintf(h, "%d/%d", i, v)
	return sh.MinSize + int(h.Sum32()%uint32(sh.MaxSize-sh.MinSize+1))
}

// Spec is package i's version v: it depends on package i-1, as libraries
// in a real feed depend on each other, and on one nuget.org package.
func (sh Shape) Spec(i, v int) nugettest.Spec {
	s := nugettest.Spec{
		ID: ID(i), Version: Version(v),
		Description: fmt.Sprintf("Benchmark package %d, a library for widgets and gadgets number %d.", i, i),
		Authors:     "Bench Corp", Tags: fmt.Sprintf("bench widgets tag%d", i%50), License: "MIT",
		ProjectURL: "https://example.com/bench", Payload: sh.PayloadSize(i, v),
	}
	if i > 0 {
		s.Dependencies = map[string][]nugettest.Dep{
			"net8.0":         {{ID: ID(i - 1), Range: "[1.0.0, )"}},
			"netstandard2.0": {{ID: ID(i - 1), Range: "[1.0.0, )"}, {ID: "System.Memory", Range: "4.5.5"}},
		}
	}
	return s
}

// Target is where a feed is seeded: a data directory (SQLite and the
// package folder), or PostgreSQL and S3 when the URLs are set.
type Target struct {
	DataDir     string
	DatabaseURL string // postgres://...; empty: SQLite in DataDir
	StorageURL  string // s3://...; empty: the package folder in DataDir
}

// Open opens the target's registry service; close closes its database.
func (t Target) Open(ctx context.Context) (reg *registry.Service, close func(), err error) {
	cfg := config.Default()
	cfg.DataDir = t.DataDir
	if err := cfg.EnsureDirs(); err != nil {
		return nil, nil, err
	}
	d, err := db.Open(ctx, t.DatabaseURL, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	blobs, err := t.blobs(ctx, cfg.PackagesDir())
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	reg, err = registry.New(d, blobs, registry.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	return reg, func() { d.Close() }, nil
}

func (t Target) blobs(ctx context.Context, dir string) (storage.Blobs, error) {
	if t.StorageURL == "" {
		return fs.New(dir)
	}
	c, err := s3.ParseURL(t.StorageURL)
	if err != nil {
		return nil, err
	}
	if err := c.CredentialsFromEnv(os.Getenv); err != nil {
		return nil, err
	}
	return s3.Open(ctx, c)
}

// Seed pushes the whole feed into an empty target with workers
// concurrent pushers, as user "bench", reporting progress to progress
// (nil: silent). It returns the bytes pushed.
func Seed(ctx context.Context, t Target, sh Shape, workers int, progress func(done, total int, rate float64)) (int64, error) {
	reg, closeDB, err := t.Open(ctx)
	if err != nil {
		return 0, err
	}
	defer closeDB()
	if _, err := reg.AddUser(ctx, registry.NewUser{Name: "bench"}); err != nil {
		return 0, err
	}
	secret, _, err := reg.CreateKey(ctx, registry.NewKey{User: "bench"})
	if err != nil {
		return 0, err
	}
	key, err := reg.Authenticate(ctx, secret)
	if err != nil {
		return 0, err
	}
	if workers < 1 {
		workers = 1
	}
	total := sh.Packages * sh.Versions
	var next, done atomic.Int64
	var bytes atomic.Int64
	var firstErr error
	var once sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			tmp := filepath.Join(t.DataDir, "tmp", fmt.Sprintf("seed-%d.nupkg", w))
			defer os.Remove(tmp)
			for {
				// Package by package, so that each ID's versions arrive in
				// order and dependencies exist before their dependants.
				n := int(next.Add(1)) - 1
				if n >= sh.Packages || ctx.Err() != nil {
					return
				}
				for v := 0; v < sh.Versions; v++ {
					b := sh.Spec(n, v).Build()
					if err := pushFile(ctx, reg, key, tmp, b); err != nil {
						once.Do(func() { firstErr = fmt.Errorf("push %s %s: %w", ID(n), Version(v), err) })
						return
					}
					bytes.Add(int64(len(b)))
					d := int(done.Add(1))
					if progress != nil && d%1000 == 0 {
						progress(d, total, float64(d)/time.Since(start).Seconds())
					}
				}
			}
		}(w)
	}
	wg.Wait()
	return bytes.Load(), firstErr
}

// pushFile pushes b through a spool file, as the server does.
func pushFile(ctx context.Context, reg *registry.Service, key *registry.APIKey, tmp string, b []byte) error {
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = reg.Push(ctx, key, registry.Upload{R: f, Size: int64(len(b))})
	return err
}
