// README rendering under hostile input, over HTTP: a package page answers
// within its budget whatever the README holds, and a README is rendered
// once however many people look at it at once.

package web_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// pageBudget is how long a package page may take, whatever its README.
const pageBudget = time.Second

// pathologicalReadmes are READMEs that cost goldmark v1.8.7 seconds to
// minutes: each is under the 1 MiB that a push accepts.
var pathologicalReadmes = []struct{ name, md string }{
	{"deep quotes", strings.Repeat("> ", 128<<10)}, // 256 KiB: measured 20+ s
	{"deep quotes over lines", strings.Repeat(strings.Repeat("> ", 64)+"x\n", 2<<10)},
	{"deep lists", strings.Repeat("- ", 120<<10) + "x"},
	{"deep indented lists", deepIndentedList(400)},
	{"unclosed link destinations", strings.Repeat("[a](", 64<<10)}, // 256 KiB: measured 20 s
	{"long emphasis runs", strings.Repeat("*a _b ", 40<<10)},
	{"many references", strings.Repeat("[a]: https://example.com/x\n[a][a] ", 7<<10)},
	{"nested brackets", strings.Repeat("[", 100<<10) + "a" + strings.Repeat("]", 100<<10)},
	{"too large", strings.Repeat("plain words. ", 70<<10)}, // 910 KiB
}

func deepIndentedList(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", 2*i) + "- item\n")
	}
	return b.String()
}

func TestReadmePathologicalPageWithinBudget(t *testing.T) {
	f := newFeedWith(t, registry.Options{})
	client := &http.Client{Timeout: 10 * pageBudget}
	for i, tc := range pathologicalReadmes {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("Hostile.Readme%d", i)
			f.mustPush(nugettest.Spec{ID: id, Version: "1.0.0", Readme: []byte(tc.md), Authors: "Mallory"})
			for round := range 2 {
				start := time.Now()
				res, err := client.Get(f.srv.URL + "/packages/" + id)
				took := time.Since(start)
				if err != nil {
					t.Fatalf("round %d: GET the page: %v after %v", round, err, took)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				body := string(b)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("round %d: %s", round, res.Status)
				}
				if took > pageBudget {
					t.Errorf("round %d: the page took %v, budget %v", round, took, pageBudget)
				}
				if !strings.Contains(body, `data-testid="readme"`) && !strings.Contains(body, `data-testid="readme-note"`) {
					t.Errorf("round %d: the page shows neither the README nor why not", round)
				}
				t.Logf("round %d: %v, %s", round, took, noteOf(body))
				for _, want := range []string{`data-testid="owner"`, `data-testid="versions"`} {
					if !strings.Contains(body, want) {
						t.Errorf("round %d: the page lacks %s", round, want)
					}
				}
			}
			// A render still running when the page gave up ends within
			// its limit: then the page shows the README or why not.
			deadline := time.Now().Add(4 * pageBudget)
			for {
				_, body := f.get(f.srv.URL + "/packages/" + id)
				note := noteOf(string(body))
				if !strings.Contains(note, "still being prepared") {
					t.Logf("finally: %s", note)
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the README is still being prepared %v after it was first viewed", 4*pageBudget)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

func TestReadmeRenderedOnceForConcurrentViews(t *testing.T) {
	f := newFeedWith(t, registry.Options{})
	// A README that is legitimate but not instant: about 60 KB of prose.
	md := strings.Repeat("## Part\n\nSome *prose*, a [link](https://example.com/x) and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n", 750)
	f.mustPush(nugettest.Spec{ID: "Busy.Readme", Version: "1.0.0", Readme: []byte(md)})
	page := f.srv.URL + "/packages/Busy.Readme"

	head, _ := http.NewRequest(http.MethodHead, page, nil)
	if res := f.do(head); res.StatusCode != http.StatusOK {
		t.Fatalf("HEAD: %s", res.Status)
	}
	if n := readmeRenders(t, f); n != 0 {
		t.Errorf("HEAD rendered the README %d times, want 0", n)
	}

	const views = 16
	var wg sync.WaitGroup
	for range views {
		wg.Go(func() {
			if res, _ := f.get(page); res.StatusCode != http.StatusOK {
				t.Errorf("GET: %s", res.Status)
			}
		})
	}
	wg.Wait()
	// The views may have given up waiting (readmeWait); the one render
	// goes on, and a later view shows its result.
	for deadline := time.Now().Add(4 * pageBudget); ; time.Sleep(50 * time.Millisecond) {
		_, body := f.get(page)
		if strings.Contains(string(body), "Some <em>prose</em>") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after the concurrent views the README is not on the page: %s", 3*pageBudget, noteOf(string(body)))
		}
	}
	if n := readmeRenders(t, f); n != 1 {
		t.Errorf("%d concurrent views and one more rendered the README %d times, want 1", views, n)
	}
}

var readmeRendersLine = regexp.MustCompile(`(?m)^wharf_readme_renders_total (\d+)`)

// readmeRenders reads the number of README renders from /metrics.
func readmeRenders(t *testing.T, f *feed) int {
	t.Helper()
	_, body := f.get(f.srv.URL + "/metrics")
	m := readmeRendersLine.FindSubmatch(body)
	if m == nil {
		t.Fatal("/metrics has no wharf_readme_renders_total")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

var readmeNote = regexp.MustCompile(`data-testid="readme-note">([^<]*)<`)

// noteOf is the sentence a page shows instead of its README, or "README shown".
func noteOf(body string) string {
	if m := readmeNote.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return "README shown"
}
