// The provenance guard and trusted publishing only, end to end over HTTP:
// versions that arrive another way than the package's established
// trusted provenance are held (202), absent from every read for everyone
// but the owners, shown to the owners with what changed, and released or
// rejected from the manage page; an owner's switch refuses long-lived
// keys with a sentence and stores nothing.

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// heldFeed is a UI feed with two GitHub issuers and the static copy on,
// where alice publishes Contoso.Sdk from contoso/sdk's release.yml, and
// has policies for a fork, a nightly workflow and the second issuer too.
type heldFeed struct {
	*uiFeed
	first, second *trusttest.Issuer
}

func newHeldFeed(t *testing.T) *heldFeed {
	first, second := trusttest.NewIssuer(t), trusttest.NewIssuer(t)
	f := &heldFeed{uiFeed: newUIFeed(t, uiConfig{issuer: first, moreIssuers: []*trusttest.Issuer{second}, staticCopy: true}), first: first, second: second}
	if err := f.staticCopy().CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.addUser("alice")
	for _, p := range []registry.NewPolicy{
		{Name: "release", Repository: "contoso/sdk", Workflow: "release.yml"},
		{Name: "fork", Repository: "contoso/fork", Workflow: "release.yml"},
		{Name: "nightly", Repository: "contoso/sdk", Workflow: "nightly.yml"},
		{Name: "ghes", Repository: "contoso/sdk", Workflow: "release.yml", Issuer: second.URL},
	} {
		p.User, p.Provider = "alice", trust.GitHub
		if p.Issuer == "" {
			p.Issuer = first.URL
		}
		if _, err := f.reg.CreatePolicy(context.Background(), p); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// tpKey exchanges a GitHub token of iss for contoso/sdk's release.yml,
// changed by kv (as trusttest.With), for alice's trusted key.
func (f *heldFeed) tpKey(iss *trusttest.Issuer, kv ...any) string {
	f.t.Helper()
	res, out := f.exchange(iss.Token(trusttest.With(trusttest.GitHubClaims(iss.URL, f.srv.URL, f.clock.Now()), kv...)), "alice")
	if res.StatusCode != http.StatusOK {
		f.t.Fatalf("exchange: %s %v", res.Status, out)
	}
	return out["apiKey"]
}

// pushAs pushes Contoso.Sdk at version with key and wants the status.
func (f *heldFeed) pushAs(key, version string, want int) *http.Response {
	f.t.Helper()
	res := f.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: version, Description: "held-marker " + version}.Build())
	if res.StatusCode != want {
		f.t.Fatalf("push %s: %s (%s), want %d", version, res.Status, res.Header.Get("X-NuGet-Warning"), want)
	}
	return res
}

// heldReads are the reads of a version no one but its owners may see,
// with the status each must answer.
func (f *heldFeed) heldReads(version string) map[string]int {
	u := f.urls
	return map[string]int{
		u.Nupkg("contoso.sdk", version):            http.StatusNotFound,
		u.Nuspec("contoso.sdk", version):           http.StatusNotFound,
		u.Readme("contoso.sdk", version):           http.StatusNotFound,
		u.RegistrationLeaf("contoso.sdk", version): http.StatusNotFound,
		u.CatalogEntry("contoso.sdk", version):     http.StatusNotFound,
		u.Provenance("contoso.sdk", version):       http.StatusNotFound,
		u.PackagePage("Contoso.Sdk", version):      http.StatusNotFound,
	}
}

// listings are the reads that list a package's versions: none may name
// a held version.
func (f *heldFeed) listings() []string {
	u := f.urls
	return []string{
		u.Versions("contoso.sdk"), u.RegistrationIndex("contoso.sdk"), u.Search() + "?q=held-marker&prerelease=true&semVerLevel=2.0.0",
		u.Autocomplete() + "?id=Contoso.Sdk&prerelease=true&semVerLevel=2.0.0", u.Autocomplete() + "?q=contoso&prerelease=true",
		u.PackagePage("Contoso.Sdk", ""), u.VulnerabilityIndex(),
	}
}

// assertAbsent checks that version is on no read path for the browser,
// nor in the static copy.
func (f *heldFeed) assertAbsent(t *testing.T, who string, b *browser, version string) {
	t.Helper()
	for path, want := range f.heldReads(version) {
		p := b.get(strings.TrimPrefix(path, f.srv.URL))
		if p.res.StatusCode != want {
			t.Errorf("%s: GET %s = %s, want %d", who, path, p.res.Status, want)
		}
		if strings.Contains(p.body, "held-marker "+version) {
			t.Errorf("%s: GET %s shows the held version", who, path)
		}
	}
	for _, path := range f.listings() {
		p := b.get(strings.TrimPrefix(path, f.srv.URL))
		if p.res.StatusCode != http.StatusOK {
			t.Errorf("%s: GET %s = %s", who, path, p.res.Status)
		}
		if strings.Contains(p.body, version) {
			t.Errorf("%s: GET %s names %s:\n%.600s", who, path, version, p.body)
		}
	}
	if err := f.staticCopy().CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{f.urls.Versions("contoso.sdk"), f.urls.RegistrationIndex("contoso.sdk")} {
		if body, ok := f.staticFile(path); ok && strings.Contains(body, version) {
			t.Errorf("the static copy of %s names %s", path, version)
		}
	}
	if _, ok := f.staticFile(f.urls.Nupkg("contoso.sdk", version)); ok {
		t.Errorf("the static copy has the held %s .nupkg", version)
	}
}

func TestProvenanceGuard(t *testing.T) {
	f := newHeldFeed(t)
	longLived := f.userKey("alice")
	f.pushAs(f.tpKey(f.first), "1.0.0", http.StatusCreated)
	// Another ref and environment of the same repository and workflow
	// is the same provenance.
	f.pushAs(f.tpKey(f.first, "ref", "refs/heads/main", "ref_type", "branch", "environment", "staging",
		"workflow_ref", "contoso/sdk/.github/workflows/release.yml@refs/heads/main",
		"job_workflow_ref", "contoso/sdk/.github/workflows/release.yml@refs/heads/main"), "1.0.1", http.StatusCreated)

	fork := f.tpKey(f.first, "repository", "contoso/fork", "repository_id", "999999",
		"workflow_ref", "contoso/fork/.github/workflows/release.yml@refs/tags/v1.2.0",
		"job_workflow_ref", "contoso/fork/.github/workflows/release.yml@refs/tags/v1.2.0")
	nightly := f.tpKey(f.first, "workflow_ref", "contoso/sdk/.github/workflows/nightly.yml@refs/heads/main",
		"job_workflow_ref", "contoso/sdk/.github/workflows/nightly.yml@refs/heads/main")
	ghes := f.tpKey(f.second)
	held := []struct{ version, key, what string }{
		{"1.1.0", longLived, "publisher"},
		{"1.2.0", fork, "repository"},
		{"1.3.0", nightly, "workflow"},
		{"1.4.0", ghes, "issuer"},
	}
	for _, h := range held {
		res := f.pushAs(h.key, h.version, http.StatusAccepted)
		if w := res.Header.Get("X-NuGet-Warning"); !strings.Contains(w, "Contoso.Sdk "+h.version+" is held for review") || !strings.Contains(w, h.what+":") {
			t.Errorf("push %s: X-NuGet-Warning %q, want it held for its %s", h.version, w, h.what)
		}
	}
	// A held version keeps its number: pushing it again is a conflict.
	f.pushAs(f.tpKey(f.first), "1.1.0", http.StatusConflict)

	bob := f.signedIn(t, "bob")
	for _, h := range held {
		f.assertAbsent(t, "anonymous", f.anonymous(t), h.version)
		f.assertAbsent(t, "a signed-in reader", bob, h.version)
	}
	var idx struct {
		Items []struct{ Upper string } `json:"items"`
	}
	f.getJSON(f.urls.RegistrationIndex("contoso.sdk"), http.StatusOK, &idx)
	if len(idx.Items) != 1 || idx.Items[0].Upper != "1.0.1" {
		t.Errorf("registration pages %+v, want latest 1.0.1", idx.Items)
	}

	// The owners see them with what changed; strangers learn nothing.
	alice := f.signedIn(t, "alice")
	manage := alice.get("/packages/Contoso.Sdk/manage")
	rows := manage.byTestID("held-version")
	if len(rows) != len(held) {
		t.Fatalf("the owner's manage page shows %d held versions, want %d", len(rows), len(held))
	}
	for i, h := range held {
		if attr(rows[i], "data-version") != h.version {
			t.Errorf("held row %d is %s, want %s", i, attr(rows[i], "data-version"), h.version)
		}
		var whats []string
		for _, c := range findAll(rows[i], func(n *html.Node) bool { return attr(n, "data-testid") == "held-change" }) {
			whats = append(whats, attr(c, "data-what"))
		}
		if len(whats) != 1 || whats[0] != h.what {
			t.Errorf("held %s shows changes %v, want only %s", h.version, whats, h.what)
		}
	}
	if txt := textOf(rows[1]); !strings.Contains(txt, "contoso/sdk (ID 123456)") || !strings.Contains(txt, "contoso/fork (ID 999999)") {
		t.Errorf("the fork's row does not show old and new repository: %q", txt)
	}
	// Owners may download a held version to inspect it; nobody else.
	if p := alice.get("/packages/Contoso.Sdk/manage/held/1.1.0/download"); p.res.StatusCode != http.StatusOK || !strings.HasPrefix(p.body, "PK") ||
		!strings.Contains(p.res.Header.Get("Cache-Control"), "no-store") {
		t.Errorf("the owner's download of held 1.1.0: %s, Cache-Control %q, %d bytes", p.res.Status, p.res.Header.Get("Cache-Control"), len(p.body))
	}
	if p := bob.get("/packages/Contoso.Sdk/manage/held/1.1.0/download"); p.res.StatusCode != http.StatusNotFound {
		t.Errorf("a stranger's download of held 1.1.0: %s, want 404", p.res.Status)
	}
	if p := f.anonymous(t).get("/packages/Contoso.Sdk/manage/held/1.1.0/download"); p.res.StatusCode != http.StatusSeeOther {
		t.Errorf("an anonymous download of held 1.1.0: %s, want the sign-in page", p.res.Status)
	}
	if txt := alice.get("/packages/Contoso.Sdk").testIDText("held-notice"); !strings.Contains(txt, "4 versions are held for review") {
		t.Errorf("the owner's package page: held notice %q", txt)
	}
	if p := bob.get("/packages/Contoso.Sdk"); len(p.byTestID("held-notice")) != 0 {
		t.Error("a stranger's package page shows the held notice")
	}
	if p := bob.get("/packages/Contoso.Sdk/manage"); len(p.byTestID("held-version")) != 0 {
		t.Errorf("a stranger's manage page shows held versions (%s)", p.res.Status)
	}
	if res := bob.post("/packages/Contoso.Sdk/manage/held/1.3.0/release", url.Values{"_csrf": {bob.token()}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a stranger's release: %s, want 404", res.Status)
	}
	// A stranger learns nothing from the answer either: a held version, a
	// version that is not held and a package that does not exist read
	// alike, in the caller's spelling (the package's own name, Contoso.Sdk,
	// would say the ID exists).
	answer := func(path string) string {
		p := bob.get(path)
		if p.res.StatusCode != http.StatusNotFound {
			t.Errorf("a stranger's GET %s: %s, want 404", path, p.res.Status)
		}
		return textOf(p.doc)
	}
	heldAnswer, notHeld := answer("/packages/contoso.sdk/manage/held/1.3.0/download"), answer("/packages/contoso.sdk/manage/held/9.9.9/download")
	missing := answer("/packages/contoso.nothing/manage/held/9.9.9/download")
	if strings.Contains(heldAnswer+notHeld, "Contoso.Sdk") || strings.ReplaceAll(notHeld, "contoso.sdk", "contoso.nothing") != missing ||
		strings.ReplaceAll(heldAnswer, "1.3.0", "9.9.9") != notHeld {
		t.Errorf("a stranger's answers differ:\nheld:     %q\nnot held: %q\nmissing:  %q", heldAnswer, notHeld, missing)
	}

	// Reject: gone, files deleted, the number free again.
	prefix := heldPrefix(t, f, "1.2.0")
	if res := alice.post("/packages/Contoso.Sdk/manage/held/1.2.0/reject", url.Values{"_csrf": {alice.token()}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject: %s", res.Status)
	}
	if keys := f.storedKeys(prefix + "/"); len(keys) != 0 {
		t.Errorf("files left after the reject: %v", keys)
	}
	f.assertAbsent(t, "anonymous after the reject", f.anonymous(t), "1.2.0")
	f.pushAs(f.tpKey(f.first), "1.2.0", http.StatusCreated)

	// Release: a normal version, restorable, latest, with its pushed event.
	if res := alice.post("/packages/Contoso.Sdk/manage/held/1.3.0/release", url.Values{"_csrf": {alice.token()}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("release: %s", res.Status)
	}
	if res, _ := f.get(f.urls.Nupkg("contoso.sdk", "1.3.0")); res.StatusCode != http.StatusOK {
		t.Errorf("the released .nupkg: %s", res.Status)
	}
	f.getJSON(f.urls.RegistrationIndex("contoso.sdk"), http.StatusOK, &idx)
	if idx.Items[0].Upper != "1.3.0" {
		t.Errorf("latest after the release = %s, want 1.3.0", idx.Items[0].Upper)
	}
	if p := alice.get("/packages/Contoso.Sdk/manage"); len(p.byTestID("held-version")) != 2 {
		t.Errorf("held versions left: %d, want 2 (1.1.0, 1.4.0)", len(p.byTestID("held-version")))
	}
	for kind, want := range map[string]int{"version.hold": 4, "version.release": 1, "version.reject": 1} {
		evs, _, err := f.reg.AuditSearch(context.Background(), registry.AuditQuery{Event: kind, Limit: 50})
		if err != nil || len(evs) != want {
			t.Errorf("audit %s: %d events (%v), want %d", kind, len(evs), err, want)
		}
	}
}

// heldPrefix is the blob prefix of a held version of Contoso.Sdk.
func heldPrefix(t *testing.T, f *heldFeed, version string) string {
	t.Helper()
	hs, err := f.reg.HeldVersions(context.Background(), "Contoso.Sdk")
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if h.Version.String() == version {
			return h.BlobPrefix
		}
	}
	t.Fatalf("%s is not held", version)
	return ""
}
