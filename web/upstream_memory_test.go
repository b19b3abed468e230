package web_test

import (
	"archive/zip"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/upstream"
)

// bigPackage writes a valid .nupkg of about size bytes to w, the same bytes
// every time: a nuspec and one stored (uncompressed) file of pseudo-random
// bytes, so that it cannot shrink.
func bigPackage(w io.Writer, id string, size int64) error {
	zw := zip.NewWriter(w)
	nw, err := zw.Create(id + ".nuspec")
	if err != nil {
		return err
	}
	fmt.Fprintf(nw, `<?xml version="1.0"?><package><metadata><id>%s</id><version>1.0.0</version><authors>a</authors><description>d</description></metadata></package>`, id)
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "content/blob.bin", Method: zip.Store})
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	x := uint64(0x9E3779B97F4A7C15)
	for written := int64(0); written < size; written += int64(len(buf)) {
		for i := 0; i+8 <= len(buf); i += 8 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			buf[i], buf[i+1], buf[i+2], buf[i+3], buf[i+4], buf[i+5], buf[i+6], buf[i+7] = byte(x), byte(x>>8), byte(x>>16), byte(x>>24), byte(x>>32), byte(x>>40), byte(x>>48), byte(x>>56)
		}
		if _, err := fw.Write(buf); err != nil {
			return err
		}
	}
	return zw.Close()
}

// bigSource is an upstream in nuget.org's shape (service index,
// registration with inlined leaves, catalog leaves with packageHash, flat
// container) whose packages are generated as they are sent.
func bigSource(t *testing.T, ids []string, size int64) *httptest.Server {
	return bigSourceTampered(t, ids, size, false)
}

// bigSourceTampered is bigSource; with tamper its packages are not the
// ones its catalog hashed, as when a mirror or CDN serves altered bytes.
func bigSourceTampered(t *testing.T, ids []string, size int64, tamper bool) *httptest.Server {
	t.Helper()
	hashes, names := map[string]string{}, map[string]string{}
	for _, id := range ids {
		names[strings.ToLower(id)] = id
		h := sha512.New()
		if err := bigPackage(h, id, size); err != nil {
			t.Fatal(err)
		}
		hashes[strings.ToLower(id)] = base64.StdEncoding.EncodeToString(h.Sum(nil))
	}
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		base := srv.URL
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v3/index.json":
			fmt.Fprintf(w, `{"version":"3.0.0","resources":[{"@id":"%s/reg/","@type":"RegistrationsBaseUrl/3.6.0"},{"@id":"%s/flat/","@type":"PackageBaseAddress/3.0.0"}]}`, base, base)
		case len(parts) == 3 && parts[0] == "reg" && hashes[parts[1]] != "":
			id := parts[1]
			entry := map[string]any{"@id": base + "/catalog/" + id + ".json", "id": id, "version": "1.0.0", "listed": true,
				"published": "2020-01-01T00:00:00Z", "packageContent": base + "/flat/" + id + "/1.0.0/" + id + ".1.0.0.nupkg"}
			doc := map[string]any{"count": 1, "items": []any{map[string]any{"@id": base + "/reg/" + id + "/index.json#page", "count": 1,
				"lower": "1.0.0", "upper": "1.0.0", "items": []any{map[string]any{"@id": base + "/reg/" + id + "/1.0.0.json", "catalogEntry": entry}}}}}
			json.NewEncoder(w).Encode(doc)
		case len(parts) == 2 && parts[0] == "catalog":
			id := strings.TrimSuffix(parts[1], ".json")
			json.NewEncoder(w).Encode(map[string]any{"id": id, "version": "1.0.0", "packageHash": hashes[id], "packageHashAlgorithm": "SHA512"})
		case len(parts) == 4 && parts[0] == "flat" && hashes[parts[1]] != "":
			w.Header().Set("Content-Type", "application/octet-stream")
			name := names[parts[1]]
			if tamper {
				name += ".Evil"
			}
			bigPackage(w, name, size)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestUpstreamMirroringKeepsMemoryFlat mirrors 1 GB of packages (128 MB
// under the race detector) through an upstream feed and samples the heap
// meanwhile: packages stream from the source to disk and from disk to the
// client, so the heap must not grow with them.
func TestUpstreamMirroringKeepsMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("mirrors 1 GB; skipped with -short")
	}
	n, size := int64(8), int64(128<<20)
	if raceDetector {
		size = 16 << 20
	}
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("Big.Package%d", i))
	}
	src := bigSource(t, ids, size)
	down := newFeedWith(t, registry.Options{Upstream: upstream.New(upstream.Options{AllowPrivate: true, MaxPackageBytes: 1 << 30}),
		TempDir: t.TempDir(), MaxPackageSize: 1 << 30})
	if _, err := down.reg.Feeds().AddUpstream(context.Background(), "big", "", false, feeds.Upstream{IndexURL: src.URL + "/v3/index.json"}); err != nil {
		t.Fatal(err)
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	var total int64
	for _, id := range ids {
		lower := strings.ToLower(id)
		res, err := http.Get(down.urls.Nupkg(lower, "1.0.0"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s, %d bytes, %v", id, res.Status, got, err)
		}
		total += got
	}
	close(stop)
	<-sampled
	growth := int64(peak.Load()) - int64(before.HeapInuse)
	t.Logf("mirrored %d MB; heap in use %d MB before, peak %d MB (growth %d MB)", total>>20, before.HeapInuse>>20, peak.Load()>>20, growth>>20)
	if total < n*size {
		t.Errorf("mirrored %d bytes, want at least %d", total, n*size)
	}
	if growth > 64<<20 {
		t.Errorf("the heap grew by %d MB while mirroring %d MB: packages must stream, not sit in memory", growth>>20, total>>20)
	}
}

// A package whose bytes do not match the SHA-512 its source's catalog
// publishes is refused with a sentence, and nothing of it is kept.
func TestUpstreamHashMismatchKeepsNothing(t *testing.T) {
	src := bigSourceTampered(t, []string{"Tampered.Lib"}, 1<<20, true)
	down := newFeedWith(t, registry.Options{Upstream: upstream.New(upstream.Options{AllowPrivate: true}), TempDir: t.TempDir()})
	if _, err := down.reg.Feeds().AddUpstream(context.Background(), "nuget", "", false, feeds.Upstream{IndexURL: src.URL + "/v3/index.json"}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		res, _ := down.get(down.urls.Nupkg("tampered.lib", "1.0.0"))
		if res.StatusCode != http.StatusBadGateway || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "does not match the SHA-512 hash its source publishes") {
			t.Fatalf("tampered package: %s %q, want 502 saying the hash does not match", res.Status, res.Header.Get("X-NuGet-Warning"))
		}
	}
	var kept []string
	down.blobs.List(context.Background(), "", func(i storage.Info) error { kept = append(kept, i.Key); return nil })
	if len(kept) != 0 {
		t.Errorf("the store keeps %v after a refused package", kept)
	}
	events, err := down.reg.AuditLog(context.Background(), 10)
	if err != nil || len(events) == 0 || events[0].Kind != "upstream.hash" {
		t.Errorf("audit log = %+v (%v), want an upstream.hash refusal first", events, err)
	}
}
