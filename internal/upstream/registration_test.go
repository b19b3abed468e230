package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func versionsOf(p *Package) []string {
	var out []string
	for _, v := range p.Versions {
		out = append(out, v.Version)
	}
	return out
}

func TestPackageInlinedRegistration(t *testing.T) {
	f := newFakeFeed(t)
	f.set(regPath("foo.bar"), inlined(
		entry("Foo.Bar", "2.0.0", map[string]any{"packageContent": "https://cdn.invalid/foo.bar.2.0.0.nupkg"}),
		entry("Foo.Bar", "1.0.0-beta", nil),
		entry("Foo.Bar", "not-a-version", nil),
		entry("Foo.Bar", "1.0", nil),
		entry("Foo.Bar", "1.0.0", nil), // duplicate of 1.0
		entry("Foo.Bar", "1.0.0+build.5", nil),
	))
	c := newTestClient(Options{})
	p, err := c.Package(context.Background(), f.source(), "FOO.bar")
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "Foo.Bar" {
		t.Errorf("ID = %q, want Foo.Bar", p.ID)
	}
	if got, want := versionsOf(p), []string{"1.0.0-beta", "1.0.0", "2.0.0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
	if got := p.Versions[2].ContentURL; got != "https://cdn.invalid/foo.bar.2.0.0.nupkg" {
		t.Errorf("2.0.0 ContentURL = %q", got)
	}
	if got, want := p.Versions[0].ContentURL, f.srv.URL+"/v3/flat/foo.bar/1.0.0-beta/foo.bar.1.0.0-beta.nupkg"; got != want {
		t.Errorf("1.0.0-beta ContentURL = %q, want %q", got, want)
	}
	v := p.Versions[1]
	if !v.Listed || !v.Published.Equal(time.Date(2024, 1, 2, 3, 4, 5, 123e6, time.UTC)) || v.Authors != "A" {
		t.Errorf("1.0.0 = listed %v published %v authors %q", v.Listed, v.Published, v.Authors)
	}
	if !strings.HasPrefix(v.CatalogURL, "https://catalog.invalid/") {
		t.Errorf("CatalogURL = %q", v.CatalogURL)
	}
	var raw map[string]any
	if err := json.Unmarshal(v.Entry, &raw); err != nil || raw["id"] != "Foo.Bar" {
		t.Errorf("Entry = %s (%v)", v.Entry, err)
	}
	// The index is fetched once and then cached.
	if _, err := c.Package(context.Background(), f.source(), "foo.bar"); err != nil {
		t.Fatal(err)
	}
	if n := f.hitsOf("/v3/index.json"); n != 1 {
		t.Errorf("service index fetched %d times, want 1", n)
	}
}

func TestPackagePagedRegistrationGzip(t *testing.T) {
	f := newFakeFeed(t)
	f.gzip = true
	page := func(lo, hi int) string {
		var items []map[string]any
		for i := lo; i <= hi; i++ {
			items = append(items, map[string]any{"catalogEntry": entry("Paged", fmt.Sprintf("1.0.%d", i), nil)})
		}
		b, _ := json.Marshal(map[string]any{"count": len(items), "items": items})
		return string(b)
	}
	f.set("/pages/2.json", page(10, 12))
	f.set("/pages/1.json", page(0, 9))
	// Page 2 listed first and referred to relatively, page 1 absolutely.
	f.set(regPath("paged"), fmt.Sprintf(`{"count":2,"items":[
		{"@id":"/pages/2.json","count":3,"lower":"1.0.10","upper":"1.0.12"},
		{"@id":"%s/pages/1.json","count":10,"lower":"1.0.0","upper":"1.0.9"}]}`, f.srv.URL))
	var ops []string
	c := newTestClient(Options{Observe: func(op string, _ time.Duration, n int64, err error) {
		if err == nil && n > 0 {
			ops = append(ops, op)
		}
	}})
	p, err := c.Package(context.Background(), f.source(), "Paged")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Versions) != 13 || p.Versions[0].Version != "1.0.0" || p.Versions[12].Version != "1.0.12" {
		t.Errorf("versions = %v", versionsOf(p))
	}
	if p.Versions[2].Version != "1.0.2" || p.Versions[10].Version != "1.0.10" {
		t.Errorf("not sorted numerically: %v", versionsOf(p))
	}
	if f.gzipped != 4 {
		t.Errorf("%d responses were gzip-encoded, want 4", f.gzipped)
	}
	if want := []string{"index", "registration", "registration", "registration"}; !reflect.DeepEqual(ops, want) {
		t.Errorf("observed %v, want %v", ops, want)
	}
}

func TestPackageOddCatalogEntries(t *testing.T) {
	f := newFakeFeed(t)
	id := "Ünïcode.Lib"
	lower := strings.ToLower(id)
	noListed := entry(id, "3.0.0", map[string]any{
		"authors": []string{"Ann", "Bob"},
		"tags":    "json, fast parser",
		"dependencyGroups": []any{map[string]any{"targetFramework": "net8.0", "dependencies": []any{
			map[string]any{"id": "NoRange"},
			map[string]any{"id": "EmptyRange", "range": ""},
			map[string]any{"id": "Ranged", "range": "[1.0.0, )"},
		}}},
		"deprecation": map[string]any{"reasons": []string{"Legacy", "CriticalBugs"}, "message": "use Other",
			"alternatePackage": map[string]any{"id": "Other", "range": "*"}},
		"vulnerabilities": []any{
			map[string]any{"advisoryUrl": "https://example.invalid/a", "severity": 2},
			map[string]any{"advisoryUrl": "https://example.invalid/b", "severity": "3"},
		},
		"requireLicenseAcceptance": "true",
	})
	delete(noListed, "listed")
	unlisted := entry(id, "2.0.0", map[string]any{"listed": false, "tags": []string{"a", "b c"}, "published": "1900-01-01T00:00:00+00:00"})
	f.set(regPath(lower), inlined(noListed, unlisted))
	c := newTestClient(Options{})
	p, err := c.Package(context.Background(), f.source(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != id || len(p.Versions) != 2 {
		t.Fatalf("got %q %v", p.ID, versionsOf(p))
	}
	old, v := p.Versions[0], p.Versions[1]
	if old.Listed || !old.Published.Equal(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)) || !reflect.DeepEqual(old.Tags, []string{"a", "b c"}) {
		t.Errorf("2.0.0 = listed %v published %v tags %v", old.Listed, old.Published, old.Tags)
	}
	if !v.Listed {
		t.Error("3.0.0 without \"listed\" is not listed")
	}
	if v.Authors != "Ann, Bob" {
		t.Errorf("Authors = %q", v.Authors)
	}
	if want := []string{"json", "fast", "parser"}; !reflect.DeepEqual(v.Tags, want) {
		t.Errorf("Tags = %q, want %q", v.Tags, want)
	}
	if !v.RequireLicenseAcceptance {
		t.Error("RequireLicenseAcceptance lost")
	}
	deps := v.DependencyGroups[0].Dependencies
	if v.DependencyGroups[0].TargetFramework != "net8.0" || len(deps) != 3 || deps[0].Range != "" || deps[1].Range != "" || deps[2].Range != "[1.0.0, )" {
		t.Errorf("dependencies = %+v", v.DependencyGroups)
	}
	d := v.Deprecation
	if d == nil || !reflect.DeepEqual(d.Reasons, []string{"Legacy", "CriticalBugs"}) || d.Message != "use Other" ||
		d.AlternatePackage == nil || d.AlternatePackage.ID != "Other" || d.AlternatePackage.Range != "*" {
		t.Errorf("deprecation = %+v", d)
	}
	if len(v.Vulnerabilities) != 2 || v.Vulnerabilities[0].Severity != "2" || v.Vulnerabilities[1].Severity != "3" ||
		v.Vulnerabilities[0].AdvisoryURL != "https://example.invalid/a" {
		t.Errorf("vulnerabilities = %+v", v.Vulnerabilities)
	}
	if want := "/v3/flat/" + "%C3%BCn%C3%AFcode.lib/3.0.0/%C3%BCn%C3%AFcode.lib.3.0.0.nupkg"; !strings.HasSuffix(v.ContentURL, want) {
		t.Errorf("ContentURL = %q, want suffix %q", v.ContentURL, want)
	}
}

func TestPackageStatusMapping(t *testing.T) {
	f := newFakeFeed(t)
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", code) }
	}
	f.handle(regPath("down"), status(http.StatusInternalServerError))
	f.handle(regPath("busy"), status(http.StatusTooManyRequests))
	f.handle(regPath("secret"), status(http.StatusUnauthorized))
	f.handle(regPath("forbidden"), status(http.StatusForbidden))
	f.set(regPath("html"), "<html>hello</html>")
	f.set(regPath("pagegone"), `{"items":[{"@id":"/nowhere.json","count":1}]}`)
	c := newTestClient(Options{})
	for _, tc := range []struct {
		id   string
		want error
	}{
		{"missing", ErrNotFound},
		{"down", ErrUnavailable},
		{"busy", ErrUnavailable},
		{"secret", ErrRefused},
		{"forbidden", ErrRefused},
		{"html", ErrUnavailable},
		{"pagegone", ErrUnavailable},
	} {
		_, err := c.Package(context.Background(), f.source(), tc.id)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.id, err, tc.want)
			continue
		}
		if strings.HasPrefix(err.Error(), "upstream:") {
			t.Errorf("%s: %q is not a sentence for a user", tc.id, err)
		}
		if host := f.srv.Listener.Addr().String(); !strings.Contains(err.Error(), host) {
			t.Errorf("%s: %q does not name the host %s", tc.id, err, host)
		}
	}
}

func TestIndexFailureIsRetried(t *testing.T) {
	f := newFakeFeed(t)
	good := f.docs["/v3/index.json"]
	f.handle("/v3/index.json", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 503) })
	f.set(regPath("x"), inlined(entry("X", "1.0.0", nil)))
	c := newTestClient(Options{})
	if _, err := c.Package(context.Background(), f.source(), "x"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	f.mu.Lock()
	delete(f.fns, "/v3/index.json")
	f.mu.Unlock()
	f.set("/v3/index.json", good)
	if _, err := c.Package(context.Background(), f.source(), "x"); err != nil {
		t.Fatalf("after the index recovered: %v", err)
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	f := newFakeFeed(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	f.handle(regPath("slow"), func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := newTestClient(Options{Timeout: 300 * time.Millisecond})
	start := time.Now()
	_, err := c.Package(context.Background(), f.source(), "slow")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %s with a 300ms timeout", d)
	}
	if !strings.Contains(err.Error(), "in time") {
		t.Errorf("err = %q, want a sentence about the time limit", err)
	}
}

func TestDocumentTooLarge(t *testing.T) {
	f := newFakeFeed(t)
	f.set(regPath("big"), `{"items":[],"pad":"`+strings.Repeat("x", 4096)+`"}`)
	c := newTestClient(Options{MaxDocumentBytes: 2048})
	if _, err := c.Package(context.Background(), f.source(), "big"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestIndexCachedForAnHour(t *testing.T) {
	f := newFakeFeed(t)
	f.set(regPath("x"), inlined(entry("X", "1.0.0", nil)))
	c := newTestClient(Options{})
	now := time.Now()
	c.now = func() time.Time { return now }
	for _, step := range []time.Duration{0, 59 * time.Minute, 2 * time.Minute} {
		now = now.Add(step)
		if _, err := c.Package(context.Background(), f.source(), "x"); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.hitsOf("/v3/index.json"); n != 2 {
		t.Errorf("service index fetched %d times over 61 minutes, want 2", n)
	}
}

func TestTooManyPages(t *testing.T) {
	f := newFakeFeed(t)
	var pages []string
	for i := 0; i <= maxPages; i++ {
		pages = append(pages, fmt.Sprintf(`{"@id":"/pages/%d.json","count":1}`, i))
	}
	f.set(regPath("many"), `{"count":201,"items":[`+strings.Join(pages, ",")+`]}`)
	_, err := newTestClient(Options{}).Package(context.Background(), f.source(), "many")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if n := f.hitsOf("/pages/0.json"); n != 0 {
		t.Errorf("fetched a page of a registration over the bound")
	}
}

func TestTooManyVersions(t *testing.T) {
	f := newFakeFeed(t)
	var b strings.Builder
	b.WriteString(`{"items":[{"@id":"p","items":[`)
	for i := 0; i <= maxVersions; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"catalogEntry":{"id":"M","version":"1.0.%d"}}`, i)
	}
	b.WriteString(`]}]}`)
	f.set(regPath("m"), b.String())
	if _, err := newTestClient(Options{}).Package(context.Background(), f.source(), "m"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}
