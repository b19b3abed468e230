// The registration under the heaviest package the push limits allow: many
// versions, each with the most dependencies, asked for by many clients at
// once. The server renders each document once and its memory stays bounded.

package web_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

const (
	concurrentGets  = 8
	registrationRSS = 256 << 20 // peak RSS growth allowed while they are answered
)

// heavyVersions is how many versions the test pushes: 127, the most that
// nuget.org-style paging inlined before sizes were counted. Under the race
// detector pushing them takes minutes, so it pushes 8, and allows four
// times the RSS, which the detector's shadow memory takes.
func heavyVersions() (n int, rssBound uint64) {
	if raceDetector {
		return 8, 4 * registrationRSS
	}
	return 127, registrationRSS
}

// heavySpec is a version with nuget.MaxDependencies dependencies of long
// IDs and long ranges, in one group.
func heavySpec(version string) nugettest.Spec {
	deps := make([]nugettest.Dep, nuget.MaxDependencies)
	label := strings.Repeat("a", 50)
	for i := range deps {
		id := fmt.Sprintf("Dep.%s.N%d", strings.Repeat("X", 85), i)
		deps[i] = nugettest.Dep{ID: id, Range: "[1.0.0-" + label + ", 2.0.0-" + label + ")"}
	}
	return nugettest.Spec{ID: "Heavy.Deps", Version: version, Dependencies: map[string][]nugettest.Dep{"net8.0": deps}}
}

func TestRegistrationMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("pushes up to 127 versions of 2,000 dependencies")
	}
	heavy, bound := heavyVersions()
	f := newFeedWith(t, registry.Options{})
	for i := range heavy {
		f.mustPush(heavySpec(fmt.Sprintf("1.0.%d", i)))
	}
	index := f.urls.RegistrationIndex("heavy.deps")

	runtime.GC()
	debug.FreeOSMemory()
	base := procStatusKB(t, "VmRSS")
	resetPeakRSS(t)
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() { // sample the heap while the documents are rendered
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()

	misses := documentMisses(t, f)
	start := time.Now()
	indexes := make([]nuget.RegistrationIndex, concurrentGets)
	var wg sync.WaitGroup
	for i := range concurrentGets {
		wg.Go(func() { f.getJSON(index, http.StatusOK, &indexes[i]) })
	}
	wg.Wait()
	indexTook := time.Since(start)
	if n := documentMisses(t, f) - misses; n != 1 {
		t.Errorf("%d concurrent GETs of the index rendered it %d times, want 1", concurrentGets, n)
	}
	idx := indexes[0]
	versions := 0
	for _, pg := range idx.Items {
		if pg.Items != nil {
			versions += len(pg.Items)
			continue
		}
		pages := make([]nuget.RegistrationPage, concurrentGets)
		for i := range concurrentGets {
			wg.Go(func() { f.getJSON(pg.ID, http.StatusOK, &pages[i]) })
		}
		wg.Wait()
		if pages[0].Count != len(pages[0].Items) || pages[0].Count != pg.Count {
			t.Errorf("page %s: count %d, %d items, index says %d", pg.ID, pages[0].Count, len(pages[0].Items), pg.Count)
		}
		versions += len(pages[0].Items)
	}
	close(stop)
	<-sampled
	peak := procStatusKB(t, "VmHWM")
	if versions != heavy {
		t.Errorf("the registration holds %d versions, want %d", versions, heavy)
	}
	grew := (peak - base) << 10
	t.Logf("%d versions: index in %d pages, %d inlined; %d concurrent GETs of the index took %v; RSS %d MB before, peak %d MB (+%d MB); peak heap in use %d MB",
		heavy, len(idx.Items), inlined(idx), concurrentGets, indexTook.Round(time.Millisecond), base>>10, peak>>10, grew>>20, peakHeap.Load()>>20)
	if grew > bound {
		t.Errorf("answering the registration grew RSS by %d MB, bound %d MB", grew>>20, bound>>20)
	}
}

func inlined(idx nuget.RegistrationIndex) int {
	n := 0
	for _, pg := range idx.Items {
		if pg.Items != nil {
			n++
		}
	}
	return n
}

var documentMissesLine = regexp.MustCompile(`(?m)^wharf_cache_misses_total\{cache="documents"\} (\d+)`)

// documentMisses is the number of documents rendered, from /metrics.
func documentMisses(t *testing.T, f *feed) int {
	t.Helper()
	_, body := f.get(f.srv.URL + "/metrics")
	m := documentMissesLine.FindSubmatch(body)
	if m == nil {
		t.Fatal("/metrics has no document cache misses")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// procStatusKB reads a kB field of /proc/self/status (VmRSS, VmHWM).
func procStatusKB(t *testing.T, field string) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	m := regexp.MustCompile(`(?m)^` + field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("/proc/self/status has no %s", field)
	}
	n, _ := strconv.ParseUint(string(m[1]), 10, 64)
	return n
}

// resetPeakRSS makes VmHWM start again from the current RSS.
func resetPeakRSS(t *testing.T) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
}

// TestPushRefusesTooManyDependencies: one dependency over the limit is
// refused at push with a sentence, and nothing is stored.
func TestPushRefusesTooManyDependencies(t *testing.T) {
	f := newFeedWith(t, registry.Options{})
	spec := heavySpec("1.0.0")
	spec.Dependencies["net8.0"] = append(spec.Dependencies["net8.0"], nugettest.Dep{ID: "One.More", Range: "1.0.0"})
	res := f.push(f.key, spec.Build())
	body, _ := io.ReadAll(res.Body)
	want := "The nuspec lists 2001 dependencies; the limit is 2000 across all target frameworks."
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body)+res.Header.Get("X-NuGet-Warning"), want) {
		t.Errorf("push of 2,001 dependencies: %s %q, want 400 saying %q", res.Status, body, want)
	}
	if res, _ := f.get(f.urls.RegistrationIndex("heavy.deps")); res.StatusCode != http.StatusNotFound {
		t.Errorf("after the refused push the registration answers %s, want 404", res.Status)
	}
}
