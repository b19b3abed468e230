// Command seed fills a Wharf data directory with a synthetic feed for
// benchmarks: N packages of M versions each, with realistic nuspecs
// (dependencies between the packages) and incompressible payloads, pushed
// through the real registry service so the result is exactly what pushes
// produce.
//
//	go run ./bench/seed -data /tmp/bench-data -packages 1000 -versions 10
//	go run ./bench/seed -data /tmp/bench-data -database-url postgres://...
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/wharf-registry/wharf/internal/config"
	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/storage/fs"
	"github.com/wharf-registry/wharf/internal/storage/s3"
)

func main() {
	data := flag.String("data", "./bench-data", "data directory to fill (created)")
	packages := flag.Int("packages", 1000, "number of package IDs")
	versions := flag.Int("versions", 10, "versions per package")
	payload := flag.Int("payload", 20<<10, "bytes of incompressible payload per package")
	dbURL := flag.String("database-url", "", "postgres:// URL to seed instead of SQLite in the data directory")
	storageURL := flag.String("storage-url", "", "s3://bucket?endpoint=... to store packages in (credentials from WHARF_S3_*) instead of the data directory")
	flag.Parse()

	cfg := config.Default()
	cfg.DataDir = *data
	if err := cfg.EnsureDirs(); err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	d, err := db.Open(ctx, *dbURL, cfg.DataDir)
	if err != nil {
		log.Fatal(err)
	}
	defer d.Close()
	blobs, err := openBlobs(ctx, *storageURL, cfg.PackagesDir())
	if err != nil {
		log.Fatal(err)
	}
	reg, err := registry.New(d, blobs, registry.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := reg.AddUser(ctx, registry.NewUser{Name: "bench"}); err != nil {
		log.Fatal(err)
	}
	secret, _, err := reg.CreateKey(ctx, registry.NewKey{User: "bench"})
	if err != nil {
		log.Fatal(err)
	}
	key, err := reg.Authenticate(ctx, secret)
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	tmp := filepath.Join(cfg.TempDir(), "seed.nupkg")
	for i := 0; i < *packages; i++ {
		for v := 0; v < *versions; v++ {
			spec := Spec(i, v, *payload)
			b := spec.Build()
			if err := os.WriteFile(tmp, b, 0o600); err != nil {
				log.Fatal(err)
			}
			f, err := os.Open(tmp)
			if err != nil {
				log.Fatal(err)
			}
			if _, err := reg.Push(ctx, key, registry.Upload{R: f, Size: int64(len(b))}); err != nil {
				log.Fatalf("push %s %s: %v", spec.ID, spec.Version, err)
			}
			f.Close()
		}
		if (i+1)%100 == 0 {
			fmt.Fprintf(os.Stderr, "%d/%d packages (%.0f pushes/s)\n", i+1, *packages, float64((i+1)*(*versions))/time.Since(start).Seconds())
		}
	}
	os.Remove(tmp)
	fmt.Fprintf(os.Stderr, "seeded %d versions in %s\n", *packages**versions, time.Since(start).Round(time.Millisecond))
}

// openBlobs opens the S3 bucket storageURL names, or the folder dir.
func openBlobs(ctx context.Context, storageURL, dir string) (storage.Blobs, error) {
	if storageURL == "" {
		return fs.New(dir)
	}
	c, err := s3.ParseURL(storageURL)
	if err != nil {
		return nil, err
	}
	if err := c.CredentialsFromEnv(os.Getenv); err != nil {
		return nil, err
	}
	return s3.Open(ctx, c)
}

// Spec is the i-th package's v-th version: IDs Bench.Pkg0000…, versions
// 1.0.0…1.0.(v-1) with every third a prerelease, depending on the previous
// package.
func Spec(i, v, payload int) nugettest.Spec {
	s := nugettest.Spec{
		ID: fmt.Sprintf("Bench.Pkg%04d", i), Version: fmt.Sprintf("1.%d.0", v),
		Description: fmt.Sprintf("Benchmark package %d, a library for widgets and gadgets number %d.", i, i),
		Authors:     "Bench Corp", Tags: fmt.Sprintf("bench widgets tag%d", i%50), License: "MIT",
		ProjectURL: "https://example.com/bench", Payload: payload,
	}
	if v%3 == 2 {
		s.Version += "-preview.1"
	}
	if i > 0 {
		s.Dependencies = map[string][]nugettest.Dep{
			"net8.0":         {{ID: fmt.Sprintf("Bench.Pkg%04d", i-1), Range: "[1.0.0, )"}},
			"netstandard2.0": {{ID: fmt.Sprintf("Bench.Pkg%04d", i-1), Range: "[1.0.0, )"}, {ID: "System.Memory", Range: "4.5.5"}},
		}
	}
	return s
}
