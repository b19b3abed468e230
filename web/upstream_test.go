package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"github.com/wharf-registry/wharf/internal/upstream"
)

// mirrorPair is a Wharf ("down") with an upstream feed "nuget" whose
// source is another Wharf ("up"), and a count of .nupkg downloads down
// made from up.
type mirrorPair struct {
	up, down  *feed
	clock     *trusttest.Clock
	downloads atomic.Int64
}

func newMirrorPair(t *testing.T, set feeds.Upstream) *mirrorPair {
	t.Helper()
	m := &mirrorPair{up: newFeed(t), clock: trusttest.NewClock(trusttest.Epoch())}
	stats := &upstream.Stats{}
	client := upstream.New(upstream.Options{AllowPrivate: true, Timeout: 3 * time.Second, Observe: func(op string, d time.Duration, n int64, err error) {
		stats.Observe(op, d, n, err)
		if op == "package" {
			m.downloads.Add(1)
		}
	}})
	m.down = newFeedWith(t, registry.Options{Now: m.clock.Now, Upstream: client, UpstreamStats: stats, TempDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if set.IndexURL == "" {
		set.IndexURL = m.up.srv.URL + "/v3/index.json"
	}
	if _, err := m.down.reg.Feeds().AddUpstream(context.Background(), "nuget", "", false, set); err != nil {
		t.Fatal(err)
	}
	return m
}

func (m *mirrorPair) versions(t *testing.T, id string) []string {
	t.Helper()
	var v nuget.VersionsIndex
	m.down.getJSON(m.down.urls.PackageBase()+strings.ToLower(id)+"/index.json", http.StatusOK, &v)
	return v.Versions
}

// A package only the upstream has is served under Wharf's URLs: its
// versions, its registration (pointing at Wharf) and its exact bytes,
// fetched once however many clients ask at the same moment.
func TestUpstreamServesThroughWharf(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{})
	dep := nugettest.Spec{ID: "Up.Dep", Version: "1.0.0"}
	lib1 := nugettest.Spec{ID: "Up.Lib", Version: "1.0.0", Dependencies: map[string][]nugettest.Dep{"": {{ID: "Up.Dep", Range: "1.0.0"}}}}
	lib2 := nugettest.Spec{ID: "Up.Lib", Version: "2.0.0"}
	for _, s := range []nugettest.Spec{dep, lib1, lib2} {
		m.up.mustPush(s)
	}
	if got := m.versions(t, "Up.Lib"); strings.Join(got, ",") != "1.0.0,2.0.0" {
		t.Fatalf("versions through the mirror = %v, want 1.0.0,2.0.0", got)
	}
	var reg nuget.RegistrationIndex
	m.down.getJSON(m.down.urls.RegistrationIndex("up.lib"), http.StatusOK, &reg)
	leaf := reg.Items[0].Items[0].CatalogEntry
	if !strings.HasPrefix(leaf.PackageContent, m.down.srv.URL) || leaf.DependencyGroups[0].Dependencies[0].PackageID != "Up.Dep" {
		t.Fatalf("registration leaf = %+v, want Wharf's own URLs and the dependency on Up.Dep", leaf)
	}

	url := m.down.urls.Nupkg("up.lib", "1.0.0")
	want := lib1.Build()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, body := m.down.get(url)
			if res.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("GET %s: %s, %d bytes; want 200 and the upstream's %d bytes", url, res.Status, len(body), len(want))
			}
		}()
	}
	wg.Wait()
	if n := m.downloads.Load(); n != 1 {
		t.Errorf("8 concurrent first downloads fetched the package %d times from upstream, want 1", n)
	}
	if res, _ := m.down.get(url); res.StatusCode != http.StatusOK || m.downloads.Load() != 1 {
		t.Errorf("a later download: %s after %d upstream fetches; want it served locally", res.Status, m.downloads.Load())
	}
	res, body := m.down.get(m.down.urls.PackageBase() + "up.lib/1.0.0/up.lib.nuspec")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "<id>Up.Lib</id>") {
		t.Errorf("nuspec of a mirrored version: %s %q", res.Status, body)
	}
	_, metrics := m.down.get(m.down.srv.URL + "/metrics")
	// Ten reads of the mirrored version's files: the first ones (up to the
	// eight concurrent) wait for the source, the rest come from the store.
	hits, misses := metricValue(string(metrics), `wharf_cache_hits_total{cache="upstream"}`), metricValue(string(metrics), `wharf_cache_misses_total{cache="upstream"}`)
	if hits < 2 || misses < 1 {
		t.Errorf("upstream cache metrics: %v hits, %v misses; want at least 2 hits and 1 miss", hits, misses)
	}
	if !strings.Contains(string(metrics), "wharf_upstream_requests_total") || strings.Contains(string(metrics), "wharf_upstream_requests_total 0") {
		t.Errorf("/metrics does not count upstream requests")
	}
}

// An ID any local feed has is never served from the upstream, even when
// the upstream has newer versions; a push of an ID that only the upstream
// has is refused with a sentence.
func TestUpstreamCannotShadowLocalPackages(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{})
	m.down.mustPush(nugettest.Spec{ID: "Contoso.Internal", Version: "1.0.0"})
	m.up.mustPush(nugettest.Spec{ID: "Contoso.Internal", Version: "1.0.0", Description: "impostor"})
	m.up.mustPush(nugettest.Spec{ID: "Contoso.Internal", Version: "9.0.0", Description: "impostor"})
	if got := m.versions(t, "Contoso.Internal"); strings.Join(got, ",") != "1.0.0" {
		t.Fatalf("versions = %v, want only the local 1.0.0", got)
	}
	if res, _ := m.down.get(m.down.urls.Nupkg("contoso.internal", "9.0.0")); res.StatusCode != http.StatusNotFound {
		t.Errorf("the upstream's newer version: %s, want 404", res.Status)
	}
	if m.downloads.Load() != 0 {
		t.Errorf("the upstream was asked for a local package's files")
	}

	m.up.mustPush(nugettest.Spec{ID: "Only.Upstream", Version: "1.0.0"})
	res := m.down.push(m.down.key, nugettest.Spec{ID: "Only.Upstream", Version: "2.0.0"}.Build())
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "comes from an upstream source") {
		t.Errorf("push of an upstream-only ID: %s %q, want 403 saying it comes from upstream", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}

// When the upstream is down, cached versions lists are served, marked
// stale, and cached packages restore; what was never cached fails with a
// sentence.
func TestUpstreamOutageServesTheCache(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{Refresh: time.Minute})
	m.up.mustPush(nugettest.Spec{ID: "Up.Lib", Version: "1.0.0"})
	m.up.mustPush(nugettest.Spec{ID: "Up.Lib", Version: "2.0.0"})
	if res, _ := m.down.get(m.down.urls.Nupkg("up.lib", "1.0.0")); res.StatusCode != http.StatusOK {
		t.Fatalf("first download: %s", res.Status)
	}
	m.up.srv.Close()
	m.clock.Advance(2 * time.Hour)

	res, body := m.down.get(m.down.urls.PackageBase() + "up.lib/index.json")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "2.0.0") {
		t.Fatalf("versions with the upstream down: %s %s", res.Status, body)
	}
	if got := res.Header.Get("Wharf-Upstream-Stale"); got != "age=7200" {
		t.Errorf("Wharf-Upstream-Stale = %q, want age=7200", got)
	}
	if res, _ := m.down.get(m.down.urls.Nupkg("up.lib", "1.0.0")); res.StatusCode != http.StatusOK {
		t.Errorf("cached package with the upstream down: %s", res.Status)
	}
	res, _ = m.down.get(m.down.urls.Nupkg("up.lib", "2.0.0"))
	if res.StatusCode != http.StatusBadGateway || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "could not be fetched from the upstream feed 'nuget'") {
		t.Errorf("uncached package with the upstream down: %s %q, want 502 with a sentence", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}

// An upstream that is a private feed of another Wharf is read with the
// credentials of the upstream feed; without them nothing is served.
func TestUpstreamPrivateSourceWithCredentials(t *testing.T) {
	up := newFeed(t)
	ctx := context.Background()
	if _, err := up.reg.Feeds().Add(ctx, "secret", "", true); err != nil {
		t.Fatal(err)
	}
	if err := up.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "alice", feeds.RolePublisher); err != nil {
		t.Fatal(err)
	}
	res := up.do(nugettest.PushRequest(up.srv.URL+"/feeds/secret/api/v2/package", up.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}.Build(), nil))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("push to the private feed: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	readKey, _, err := up.reg.CreateKey(ctx, registry.NewKey{User: "alice", Scopes: feeds.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	index := up.srv.URL + "/feeds/secret/v3/index.json"
	for _, tc := range []struct {
		password string
		want     int
	}{{readKey, http.StatusOK}, {"", http.StatusBadGateway}} {
		m := &mirrorPair{up: up}
		client := upstream.New(upstream.Options{AllowPrivate: true})
		m.down = newFeedWith(t, registry.Options{Upstream: client, TempDir: t.TempDir()})
		if _, err := m.down.reg.Feeds().AddUpstream(ctx, "corp", "", false, feeds.Upstream{IndexURL: index, Username: "wharf", Password: tc.password}); err != nil {
			t.Fatal(err)
		}
		res, body := m.down.get(m.down.urls.Nupkg("secret.lib", "1.0.0"))
		if res.StatusCode != tc.want {
			t.Errorf("password %v: %s %s, want %d", tc.password != "", res.Status, body, tc.want)
		}
	}
}

// Search and autocomplete include the upstream's packages after the local
// ones, linked to this registry, and never offer an upstream package
// under a local ID.
func TestUpstreamSearchMergesLocalFirst(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{Deny: []string{"Denied.*"}})
	m.down.mustPush(nugettest.Spec{ID: "Widget.Local", Version: "1.0.0"})
	m.up.mustPush(nugettest.Spec{ID: "Widget.Local", Version: "5.0.0", Description: "impostor"})
	m.up.mustPush(nugettest.Spec{ID: "Widget.Remote", Version: "2.0.0"})
	m.up.mustPush(nugettest.Spec{ID: "Denied.Widget", Version: "1.0.0"})

	var res nuget.SearchResponse
	m.down.getJSON(m.down.urls.Search()+"?q=widget", http.StatusOK, &res)
	var ids []string
	for _, d := range res.Data {
		ids = append(ids, d.PackageID+" "+d.Version)
		if !strings.HasPrefix(d.Registration, m.down.srv.URL) {
			t.Errorf("%s links to %s, want this registry", d.PackageID, d.Registration)
		}
	}
	if strings.Join(ids, ",") != "Widget.Local 1.0.0,Widget.Remote 2.0.0" {
		t.Errorf("search hits = %v, want the local package first, then the upstream's own, without the impostor or the denied one", ids)
	}
	var ac nuget.AutocompleteResponse
	m.down.getJSON(m.down.urls.Autocomplete()+"?q=widget", http.StatusOK, &ac)
	if strings.Join(ac.Data, ",") != "Widget.Local,Widget.Remote" {
		t.Errorf("autocomplete = %v", ac.Data)
	}
}

// A minimum age holds back versions the source published recently, using
// the source's own publication date; an allow list limits what is
// mirrored at all.
func TestUpstreamRulesMinAgeAndAllowList(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{MinAge: 72 * time.Hour, Allow: []string{"Allowed.*"}})
	m.up.mustPush(nugettest.Spec{ID: "Allowed.Lib", Version: "1.0.0"})
	m.up.mustPush(nugettest.Spec{ID: "Other.Lib", Version: "1.0.0"})
	if got := m.versions(t, "Allowed.Lib"); len(got) != 0 {
		t.Errorf("versions published just now = %v, want none before 72h", got)
	}
	if res, _ := m.down.get(m.down.urls.Nupkg("allowed.lib", "1.0.0")); res.StatusCode != http.StatusNotFound {
		t.Errorf("download of a version younger than the minimum age: %s, want 404", res.Status)
	}
	m.clock.Advance(73 * time.Hour)
	if got := m.versions(t, "Allowed.Lib"); strings.Join(got, ",") != "1.0.0" {
		t.Errorf("versions after 73h = %v, want 1.0.0", got)
	}
	if res, _ := m.down.get(m.down.urls.PackageBase() + "other.lib/index.json"); res.StatusCode != http.StatusNotFound {
		t.Errorf("an ID outside the allow list: %s, want 404", res.Status)
	}
}

// metricValue reads one sample of a Prometheus text exposition (-1 when
// absent).
func metricValue(text, series string) float64 {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			var v float64
			if _, err := fmt.Sscan(rest, &v); err == nil {
				return v
			}
		}
	}
	return -1
}

// A replica whose cached feed is older than another process's download
// (SQLite's default: the cache is synced once a second, and `wharf
// upstream pull` runs beside the server) must find the stored files
// before it asks the upstream again: an air-gapped registry filled by a
// pull would otherwise fail the first restore after the cut.
func TestUpstreamFilesStoredByAnotherProcessServeAnOutage(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{Refresh: time.Minute})
	m.up.mustPush(nugettest.Spec{ID: "Up.Lib", Version: "1.0.0"})
	stale := newFeedOn(t, t.TempDir(), m.down.db, m.down.blobs, registry.Options{Now: m.clock.Now, FeedMaxAge: -1,
		Upstream: upstream.New(upstream.Options{AllowPrivate: true, Timeout: 3 * time.Second}), TempDir: t.TempDir()}, nil)
	// The stale replica caches the package while its files are not stored.
	if res, _ := stale.get(stale.urls.PackageBase() + "up.lib/index.json"); res.StatusCode != http.StatusOK {
		t.Fatalf("versions through the stale replica: %s", res.Status)
	}
	if res, _ := m.down.get(m.down.urls.Nupkg("up.lib", "1.0.0")); res.StatusCode != http.StatusOK {
		t.Fatalf("download through the other replica: %s", res.Status)
	}
	m.up.srv.Close()
	res, body := stale.get(stale.urls.Nupkg("up.lib", "1.0.0"))
	if res.StatusCode != http.StatusOK || len(body) == 0 {
		t.Errorf("a download stored by another process, with the upstream gone: %s %q, want 200", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}
