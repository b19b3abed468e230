package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/web"
)

// readAll returns a response's (buffered) body.
func readAll(res *http.Response) (string, error) {
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

// deprecateReq sends the deprecation API's PUT with a key.
func (f *feed) deprecateReq(key, id, body string) *http.Response {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, f.urls.Deprecations(id), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("X-NuGet-ApiKey", key)
	}
	return f.do(req)
}

// entryOf finds a version's catalog entry in an inlined registration.
func entryOf(t *testing.T, idx nuget.RegistrationIndex, version string) nuget.CatalogEntry {
	t.Helper()
	for _, p := range idx.Items {
		for _, l := range p.Items {
			if l.CatalogEntry.Version == version {
				return l.CatalogEntry
			}
		}
	}
	t.Fatalf("no version %s in the registration", version)
	return nuget.CatalogEntry{}
}

// TestDeprecationAndAdvisoriesInRegistration: an owner's deprecation
// over the API and a published advisory reach the registration's
// catalog entries as nuget.org's deprecation and vulnerabilities objects
// (golden), the vulnerability index and page (golden), and search; an
// empty deprecation undeprecates; refusals change nothing.
func TestDeprecationAndAdvisoriesInRegistration(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	ctx := context.Background()
	f.mustPush(widget("1.0.0"))
	f.mustPush(widget("1.1.0"))

	res := f.deprecateReq(f.key, "Contoso.Widget", `{"versions":["1.0.0"],"isLegacy":true,"hasCriticalBugs":true,"message":"Use 1.1.0: 1.0.0 loses data.","alternatePackageId":"Contoso.Widget","alternatePackageVersion":"1.1.0"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("deprecate: %s", res.Status)
	}
	if err := f.reg.PublishAdvisory(ctx, "Contoso.Widget", registry.AdvisoryInput{
		AdvisoryID: "GHSA-wid1-wid2-wid3", Severity: "high", URL: "https://example.com/advisories/widget", Versions: "(, 1.1.0)",
	}); err != nil {
		t.Fatal(err)
	}

	var idx nuget.RegistrationIndex
	body := f.getJSON(f.urls.RegistrationIndex("contoso.widget"), http.StatusOK, &idx)
	f.golden(t, "registration-deprecated", body)
	old, cur := entryOf(t, idx, "1.0.0"), entryOf(t, idx, "1.1.0")
	if d := old.Deprecation; d == nil || strings.Join(d.Reasons, ",") != "Legacy,CriticalBugs" || d.AlternatePackage == nil || d.AlternatePackage.Range != "[1.1.0, )" {
		t.Errorf("1.0.0's deprecation = %+v", old.Deprecation)
	}
	if len(old.Vulnerabilities) != 1 || old.Vulnerabilities[0].Severity != "2" || old.Vulnerabilities[0].AdvisoryURL != "https://example.com/advisories/widget" {
		t.Errorf("1.0.0's vulnerabilities = %+v", old.Vulnerabilities)
	}
	if cur.Deprecation != nil || len(cur.Vulnerabilities) != 0 {
		t.Errorf("1.1.0 is neither deprecated nor vulnerable, got %+v %+v", cur.Deprecation, cur.Vulnerabilities)
	}
	leaf := f.getJSON(old.ID, http.StatusOK, nil)
	f.golden(t, "catalog-entry-deprecated", leaf)

	var vidx []nuget.VulnerabilityIndexEntry
	body = f.getJSON(f.urls.VulnerabilityIndex(), http.StatusOK, &vidx)
	f.golden(t, "vulnerability-index", body)
	if len(vidx) != 1 || vidx[0].ID != f.urls.VulnerabilityPage() || vidx[0].Name != "base" {
		t.Fatalf("vulnerability index = %+v", vidx)
	}
	var page nuget.VulnerabilityPage
	body = f.getJSON(vidx[0].ID, http.StatusOK, &page)
	f.golden(t, "vulnerability-page", body)
	if got := page["contoso.widget"]; len(got) != 1 || got[0].Severity != 2 || got[0].Versions != "(, 1.1.0)" {
		t.Errorf("vulnerability page = %+v", page)
	}

	// Refusals: no key, another owner's key, a message without a reason,
	// an unknown version, a body that is not JSON.
	mallory := f.userKey("mallory")
	for _, r := range []struct {
		key, body string
		status    int
		phrase    string
	}{
		{"", `{"versions":["1.0.0"],"isLegacy":true}`, http.StatusUnauthorized, "API key"},
		{mallory, `{"versions":["1.0.0"],"isLegacy":true}`, http.StatusForbidden, "belongs to other owners"},
		{f.key, `{"versions":["1.0.0"],"message":"why"}`, http.StatusBadRequest, "at least one reason"},
		{f.key, `{"versions":["9.9.9"],"isOther":true}`, http.StatusNotFound, "no version '9.9.9'"},
		{f.key, `{"versions":["1.1.0"],"isOther":true,"alternatePackageId":"a..b"}`, http.StatusBadRequest, "not a valid package ID"},
		{f.key, `{"versions":["1.1.0"],"isOther":true,"message":"a\u001b[31mred"}`, http.StatusBadRequest, "invisible character"},
		{f.key, `not json`, http.StatusBadRequest, "not a deprecation request"},
	} {
		before := f.getJSON(f.urls.RegistrationIndex("contoso.widget"), http.StatusOK, nil)
		res := f.deprecateReq(r.key, "Contoso.Widget", r.body)
		b, _ := readAll(res)
		if res.StatusCode != r.status || !strings.Contains(b, r.phrase) {
			t.Errorf("deprecate %s: %s %s, want %d saying %q", r.body, res.Status, b, r.status, r.phrase)
		}
		if after := f.getJSON(f.urls.RegistrationIndex("contoso.widget"), http.StatusOK, nil); !bytes.Equal(before, after) {
			t.Errorf("refused deprecation %s changed the registration", r.body)
		}
	}

	// Undeprecate: no reason at all.
	if res := f.deprecateReq(f.key, "Contoso.Widget", `{"versions":["1.0.0"]}`); res.StatusCode != http.StatusOK {
		t.Fatalf("undeprecate: %s", res.Status)
	}
	idx = nuget.RegistrationIndex{}
	f.getJSON(f.urls.RegistrationIndex("contoso.widget"), http.StatusOK, &idx)
	if d := entryOf(t, idx, "1.0.0").Deprecation; d != nil {
		t.Errorf("undeprecated 1.0.0 still shows %+v", d)
	}
	// Removing the advisory empties the vulnerabilities again.
	if err := f.reg.RemoveAdvisory(ctx, "Contoso.Widget", "ghsa-WID1-wid2-wid3"); err != nil {
		t.Fatal(err)
	}
	idx = nuget.RegistrationIndex{}
	f.getJSON(f.urls.RegistrationIndex("contoso.widget"), http.StatusOK, &idx)
	if vs := entryOf(t, idx, "1.0.0").Vulnerabilities; len(vs) != 0 {
		t.Errorf("removed advisory still listed: %+v", vs)
	}
	page = nuget.VulnerabilityPage{}
	f.getJSON(f.urls.VulnerabilityPage(), http.StatusOK, &page)
	if len(page) != 0 {
		t.Errorf("vulnerability page after removal = %+v", page)
	}
}

// TestVulnerabilitiesOfPrivatePackages: the vulnerability documents are
// bulk, so they hold a private package's advisories only for callers who
// may read it: anonymous callers of the union and of the private feed's
// URL (which challenges them) never see its ID; a reader does, in the
// union and in the feed's own document; imported (public) advisories
// show to everyone.
func TestVulnerabilitiesOfPrivatePackages(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	ctx := context.Background()
	if _, err := f.reg.Feeds().Add(ctx, "team", "", true); err != nil {
		t.Fatal(err)
	}
	must(t, func() error { return f.reg.GrantFeed(ctx, "team", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	if res := f.pushTo(f.urls.Feed("team").Publish(), f.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("push to team: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	f.mustPush(nugettest.Spec{ID: "Public.Lib", Version: "1.0.0"})
	for _, id := range []string{"Secret.Lib", "Public.Lib"} {
		if err := f.reg.PublishAdvisory(ctx, id, registry.AdvisoryInput{AdvisoryID: "ADV-1", Severity: "critical",
			URL: "https://example.com/" + id, Versions: "[1.0.0]"}); err != nil {
			t.Fatal(err)
		}
	}
	osv := `{"id":"GHSA-upst-ream-0001","modified":"2026-01-02T03:04:05Z","database_specific":{"severity":"LOW"},
		"references":[{"type":"ADVISORY","url":"https://github.com/advisories/GHSA-upst-ream-0001"}],
		"affected":[{"package":{"ecosystem":"NuGet","name":"Upstream.Json"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"13.0.1"}]}]}]}`
	if _, err := f.reg.ImportAdvisories(ctx, strings.NewReader(osv), int64(len(osv))); err != nil {
		t.Fatal(err)
	}
	reader := f.readKey("alice")
	for _, c := range []struct {
		url, key   string
		status     int
		wantSecret bool
	}{
		{f.urls.VulnerabilityPage(), "", http.StatusOK, false},
		{f.urls.VulnerabilityPage(), f.userKey("mallory"), http.StatusOK, false},
		{f.urls.VulnerabilityPage(), reader, http.StatusOK, true},
		{f.urls.Feed("team").VulnerabilityPage(), "", http.StatusUnauthorized, false},
		{f.urls.Feed("team").VulnerabilityPage(), reader, http.StatusOK, true},
		{f.urls.Feed("default").VulnerabilityPage(), reader, http.StatusOK, false},
	} {
		res := f.basicGet(c.url, c.key)
		body, _ := readAll(res)
		if res.StatusCode != c.status {
			t.Errorf("GET %s: %s, want %d", c.url, res.Status, c.status)
			continue
		}
		if got := strings.Contains(strings.ToLower(body), "secret.lib"); got != c.wantSecret {
			t.Errorf("GET %s (key %v): shows secret.lib = %v, want %v: %s", c.url, c.key != "", got, c.wantSecret, body)
		}
		if c.status == http.StatusOK && !strings.Contains(body, "upstream.json") {
			t.Errorf("GET %s: the imported advisory is missing: %s", c.url, body)
		}
		if c.status == http.StatusOK && !strings.Contains(body, "public.lib") && !strings.Contains(c.url, "/feeds/team/") {
			t.Errorf("GET %s: the public package's advisory is missing: %s", c.url, body)
		}
	}
}

// TestAdvisoryImportIsIncremental: importing the same export again adds
// nothing; a newer "modified" replaces an advisory, an older one does
// not; a withdrawn one is removed; non-NuGet advisories are skipped.
func TestAdvisoryImportIsIncremental(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	ctx := context.Background()
	doc := func(modified, fixed, withdrawn string) string {
		w := ""
		if withdrawn != "" {
			w = `"withdrawn":"` + withdrawn + `",`
		}
		return `{"id":"GHSA-aaaa-bbbb-cccc",` + w + `"modified":"` + modified + `","database_specific":{"severity":"HIGH"},
			"affected":[{"package":{"ecosystem":"NuGet","name":"Mirrored.Lib"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0.0"},{"fixed":"` + fixed + `"}]}]}]}`
	}
	other := `{"id":"PYSEC-1","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"x"}}]}`
	imp := func(s string) *registry.ImportResult {
		t.Helper()
		r, err := f.reg.ImportAdvisories(ctx, strings.NewReader(s), int64(len(s)))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	list := func() []registry.Advisory {
		t.Helper()
		l, err := f.reg.ListAdvisories(ctx, "Mirrored.Lib")
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if r := imp("[" + doc("2026-01-01T00:00:00Z", "1.2.0", "") + "," + other + "]"); r.Added != 1 || len(r.Skipped) != 1 {
		t.Errorf("first import: %+v", r)
	}
	if r := imp(doc("2026-01-01T00:00:00Z", "1.2.0", "")); r.Unchanged != 1 || r.Added+r.Updated != 0 {
		t.Errorf("same import again: %+v", r)
	}
	if r := imp(doc("2025-06-01T00:00:00Z", "9.9.9", "")); r.Unchanged != 1 {
		t.Errorf("older import: %+v", r)
	}
	if l := list(); len(l) != 1 || l[0].Affected[0].Versions != "[1.0.0, 1.2.0)" || l[0].Severity != registry.SeverityHigh {
		t.Fatalf("stored = %+v", l)
	}
	if r := imp(doc("2026-02-01T00:00:00Z", "1.3.0", "")); r.Updated != 1 {
		t.Errorf("newer import: %+v", r)
	}
	if l := list(); len(l) != 1 || l[0].Affected[0].Versions != "[1.0.0, 1.3.0)" {
		t.Fatalf("after the newer import = %+v", l)
	}
	if r := imp(doc("2026-03-01T00:00:00Z", "1.3.0", "2026-03-01T00:00:00Z")); r.Withdrawn != 1 {
		t.Errorf("withdrawn import: %+v", r)
	}
	if l := list(); len(l) != 0 {
		t.Errorf("a withdrawn advisory stays: %+v", l)
	}
	for _, bad := range []string{"", "{", "PK\x03\x04broken"} {
		if _, err := f.reg.ImportAdvisories(ctx, strings.NewReader(bad), int64(len(bad))); registry.Message(err) == "" {
			t.Errorf("import of %q: %v, want a sentence", bad, err)
		}
	}
}

// TestPushRefusesDependencyWithoutVersion: nuget.org's rule since 2017,
// with a sentence saying how to fix it; nothing is stored.
func TestPushRefusesDependencyWithoutVersion(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	spec := nugettest.Spec{ID: "No.Version", Version: "1.0.0", Dependencies: map[string][]nugettest.Dep{"net8.0": {{ID: "Some.Dep"}}}}
	res := f.push(f.key, spec.Build())
	if why := res.Header.Get("X-NuGet-Warning"); res.StatusCode != http.StatusBadRequest || !strings.Contains(why, "The dependency on 'Some.Dep' for net8.0 has no version") {
		t.Errorf("push: %s %q", res.Status, why)
	}
	f.getJSON(f.urls.RegistrationIndex("no.version"), http.StatusNotFound, nil)
}

// TestManagePageRefusesBadAdvisoriesAndDeprecations: the manage page's
// forms answer bad input with the page again, 400 and the sentence, and
// store nothing; a good advisory form publishes.
func TestManagePageRefusesBadAdvisoriesAndDeprecations(t *testing.T) {
	t.Parallel()
	f := newPackagesFeed(t)
	f.mustPush(nugettest.Spec{ID: "Contoso.Widgets", Version: "1.0.0"})
	b := f.signedIn(t, "alice")
	base := "/packages/Contoso.Widgets/manage"
	for _, c := range []struct {
		path   string
		form   url.Values
		phrase string
	}{
		{base + "/advisories", url.Values{"advisory": {"ADV-1"}, "severity": {"high"}, "url": {"javascript:alert(1)"}, "versions": {"(, 2.0.0)"}}, "absolute http or https address"},
		{base + "/advisories", url.Values{"advisory": {"ADV-1"}, "severity": {"dire"}, "url": {"https://example.com/a"}, "versions": {"(, 2.0.0)"}}, "is not a severity"},
		{base + "/advisories", url.Values{"advisory": {"ADV 1"}, "severity": {"high"}, "url": {"https://example.com/a"}, "versions": {"(, 2.0.0)"}}, "may only use letters"},
		{base + "/advisories", url.Values{"advisory": {"ADV-1"}, "severity": {"high"}, "url": {"https://example.com/a"}, "versions": {"[2.0.0, 1.0.0]"}}, "not a version range"},
		{base + "/deprecation", url.Values{"version": {"1.0.0"}, "message": {"no reason"}}, "at least one reason"},
		{base + "/deprecation", url.Values{"version": {"1.0.0"}, "reason": {"Legacy"}, "alternateVersion": {"2.0.0"}}, "needs an alternate package ID"},
		{base + "/deprecation", url.Values{"version": {"7.0.0"}, "reason": {"Legacy"}}, "no version '7.0.0'"},
		{base + "/deprecation", url.Values{"version": {"1.0.0"}, "reason": {"Bogus"}}, "is not a deprecation reason"},
	} {
		before := f.getJSON(f.urls.RegistrationIndex("contoso.widgets"), http.StatusOK, nil)
		form := cloneForm(c.form)
		form.Set("_csrf", b.token())
		p := b.postWith(c.path, form.Encode(), nil)
		if p.res.StatusCode == http.StatusOK || p.res.StatusCode >= 500 || !strings.Contains(html.UnescapeString(p.body), c.phrase) {
			t.Errorf("POST %s %v: %s, want a refusal saying %q: %s", c.path, c.form, p.res.Status, c.phrase, p.reason())
		}
		if after := f.getJSON(f.urls.RegistrationIndex("contoso.widgets"), http.StatusOK, nil); !bytes.Equal(before, after) {
			t.Errorf("refused POST %s %v changed the registration", c.path, c.form)
		}
	}
	form := url.Values{"advisory": {"ADV-1"}, "severity": {"moderate"}, "url": {"https://example.com/a"}, "versions": {"[1.0.0]"}, "_csrf": {b.token()}}
	if res := b.post(base+"/advisories", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("publishing: %s", res.Status)
	}
	p := b.getOK("/packages/Contoso.Widgets/1.0.0")
	if got := p.byTestID("vulnerability"); len(got) != 1 {
		t.Errorf("the package page lists %d vulnerabilities, want 1", len(got))
	}
}

// TestImportedAdvisoriesReachMirroredPackages: an advisory imported for
// an ID that only an upstream has applies to the mirrored package when it
// is first read, and to its registration after a later import changes it
// (the import moves the mirrored package's revision). Mirrored packages
// cannot be deprecated in Wharf: their source decides.
func TestImportedAdvisoriesReachMirroredPackages(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{})
	ctx := context.Background()
	m.up.mustPush(nugettest.Spec{ID: "Up.Json", Version: "12.0.0"})
	m.up.mustPush(nugettest.Spec{ID: "Up.Json", Version: "13.0.1"})
	osv := func(modified, fixed string) string {
		return `{"id":"GHSA-json-json-json","modified":"` + modified + `","database_specific":{"severity":"CRITICAL"},
			"affected":[{"package":{"ecosystem":"NuGet","name":"Up.Json"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"` + fixed + `"}]}]}]}`
	}
	imp := func(s string) {
		t.Helper()
		if _, err := m.down.reg.ImportAdvisories(ctx, strings.NewReader(s), int64(len(s))); err != nil {
			t.Fatal(err)
		}
	}
	vulnerable := func() []string {
		t.Helper()
		var idx nuget.RegistrationIndex
		m.down.getJSON(m.down.urls.RegistrationIndex("up.json"), http.StatusOK, &idx)
		var out []string
		for _, l := range idx.Items[0].Items {
			if len(l.CatalogEntry.Vulnerabilities) > 0 {
				out = append(out, l.CatalogEntry.Version+"="+l.CatalogEntry.Vulnerabilities[0].Severity)
			}
		}
		return out
	}
	imp(osv("2026-01-01T00:00:00Z", "13.0.1"))
	if got := strings.Join(vulnerable(), ","); got != "12.0.0=3" {
		t.Errorf("vulnerable mirrored versions = %q, want 12.0.0=3", got)
	}
	imp(osv("2026-02-01T00:00:00Z", "14.0.0"))
	if got := strings.Join(vulnerable(), ","); got != "12.0.0=3,13.0.1=3" {
		t.Errorf("after the newer import = %q, want both versions", got)
	}
	res := m.down.deprecateReq(m.down.key, "Up.Json", `{"versions":["12.0.0"],"isLegacy":true}`)
	if b, _ := readAll(res); res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusNotFound {
		t.Errorf("deprecating a mirrored package: %s %s, want a refusal", res.Status, b)
	}
}

// TestReportAbuseAndOwnerPages: the pages the service index's templates
// point Visual Studio at. The report page shows the configured contact,
// and a private version's report page is absent to those who cannot
// read it; the owner page is the search for the owner's packages.
func TestReportAbuseAndOwnerPages(t *testing.T) {
	t.Parallel()
	f := newFeedServer(t, registry.Options{}, func(c *web.ServerConfig) { c.Contact = "https://example.com/contact" })
	ctx := context.Background()
	f.mustPush(nugettest.Spec{ID: "Public.Lib", Version: "1.0.0"})
	if _, err := f.reg.Feeds().Add(ctx, "team", "", true); err != nil {
		t.Fatal(err)
	}
	must(t, func() error { return f.reg.GrantFeed(ctx, "team", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	if res := f.pushTo(f.urls.Feed("team").Publish(), f.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("push to team: %s", res.Status)
	}
	res, body := f.get(f.urls.ReportAbuse("Public.Lib", "1.0.0"))
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `href="https://example.com/contact"`) {
		t.Errorf("report page: %s %s", res.Status, body)
	}
	res, body = f.get(f.urls.ReportAbuse("Secret.Lib", "1.0.0"))
	absent, absentBody := f.get(f.urls.ReportAbuse("Absent.Lib", "1.0.0"))
	if res.StatusCode != http.StatusNotFound || absent.StatusCode != http.StatusNotFound ||
		strings.ReplaceAll(string(body), "Secret.Lib", "Absent.Lib") != string(absentBody) {
		t.Errorf("a private version's report page: %s, an absent one's %s: they must not differ", res.Status, absent.Status)
	}
	req, _ := http.NewRequest(http.MethodGet, f.urls.Owner("alice"), nil)
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || loc != f.urls.OwnerSearch("alice") {
		t.Errorf("owner page: %s to %q, want 302 to %q", res.Status, loc, f.urls.OwnerSearch("alice"))
	}
}
