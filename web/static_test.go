package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/testenv"
	"github.com/wharf-registry/wharf/web"
)

// newStaticFeed is a server that keeps the static copy.
func newStaticFeed(t *testing.T) *feed {
	t.Helper()
	return newFeedServer(t, registry.Options{}, func(c *web.ServerConfig) { c.StaticCopy = true })
}

// staticCopy is a second keeper over the feed's registry, as wharf check
// builds one.
func (f *feed) staticCopy() *web.StaticCopy {
	return web.NewStaticCopy(web.StaticConfig{Registry: f.reg, BaseURL: f.urls.Base(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// staticFile reads the static copy of a URL of the feed, "" when absent.
func (f *feed) staticFile(url string) (string, bool) {
	f.t.Helper()
	key := web.StaticPrefix + strings.TrimPrefix(url, f.urls.Base()+"/")
	b, err := f.blobs.Open(context.Background(), key)
	if err != nil {
		return "", false
	}
	defer b.Close()
	body, _ := io.ReadAll(b)
	return string(body), true
}

// staticKeys lists the keys of the static copy.
func (f *feed) staticKeys() []string {
	f.t.Helper()
	var keys []string
	err := f.blobs.List(context.Background(), web.StaticPrefix, func(i storage.Info) error { keys = append(keys, i.Key); return nil })
	if err != nil {
		f.t.Fatal(err)
	}
	return keys
}

// sameAsServed checks that the static copy of url holds what the server
// answers an anonymous GET, and that its .gz (when there is one) is the
// compressed form Wharf sends.
func (f *feed) sameAsServed(t *testing.T, url string) {
	t.Helper()
	res, served := f.get(url) // decompressed by the client
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %s", url, res.Status)
		return
	}
	got, ok := f.staticFile(url)
	if !ok {
		t.Errorf("the static copy has no %s", url)
		return
	}
	if got != string(served) {
		t.Errorf("static %s differs from the served document:\nstatic %.300s\nserved %.300s", url, got, served)
	}
	if gz, ok := f.staticFile(url + ".gz"); ok {
		zr, err := gzip.NewReader(strings.NewReader(gz))
		if err != nil {
			t.Fatalf("%s.gz: %v", url, err)
		}
		plain, _ := io.ReadAll(zr)
		if !bytes.Equal(plain, served) {
			t.Errorf("static %s.gz does not hold the served document", url)
		}
	}
}

// TestStaticCopyFollowsChanges: after a push, an unlist and a relist have
// been answered, the static copy of the union's and the feed's restore
// documents is byte for byte what Wharf serves an anonymous caller, and
// wharf check --static finds nothing wrong.
func TestStaticCopyFollowsChanges(t *testing.T) {
	t.Parallel()
	f := newStaticFeed(t)
	if err := f.staticCopy().CatchUp(context.Background()); err != nil { // as serve does at start
		t.Fatal(err)
	}
	f.mustPush(nugettest.Spec{ID: "Static.Lib", Version: "1.0.0"})
	f.mustPush(nugettest.Spec{ID: "Static.Lib", Version: "2.0.0-beta.1"})
	check := func(step string) {
		t.Helper()
		for _, u := range []web.URLs{f.urls, f.urls.Feed("default")} {
			f.sameAsServed(t, u.ServiceIndex())
			f.sameAsServed(t, u.Versions("static.lib"))
			f.sameAsServed(t, u.RegistrationIndex("static.lib"))
			for _, v := range []string{"1.0.0", "2.0.0-beta.1"} {
				f.sameAsServed(t, u.RegistrationLeaf("static.lib", v))
				f.sameAsServed(t, u.Nupkg("static.lib", v))
				f.sameAsServed(t, u.Nuspec("static.lib", v))
			}
		}
		r, err := f.staticCopy().CheckStatic(context.Background())
		if err != nil || !r.OK() {
			t.Errorf("%s: check --static: %+v (%v)", step, r, err)
		}
	}
	check("after the pushes")
	if v, _ := f.staticFile(f.urls.Versions("static.lib")); v != `{"versions":["1.0.0","2.0.0-beta.1"]}` {
		t.Errorf("static versions list: %s", v)
	}

	if res := f.unlistReq(f.key, "Static.Lib", "2.0.0-beta.1", http.MethodDelete); res.StatusCode != http.StatusNoContent && res.StatusCode != http.StatusOK {
		t.Fatalf("unlist: %s", res.Status)
	}
	check("after the unlist")
	if leaf, _ := f.staticFile(f.urls.RegistrationLeaf("static.lib", "2.0.0-beta.1")); !strings.Contains(leaf, `"listed":false`) {
		t.Errorf("the static leaf of an unlisted version does not say so: %s", leaf)
	}
	if v, _ := f.staticFile(f.urls.Versions("static.lib")); !strings.Contains(v, "2.0.0-beta.1") {
		t.Errorf("an unlisted version left the static versions list (it must stay restorable): %s", v)
	}
	if res := f.unlistReq(f.key, "Static.Lib", "2.0.0-beta.1", http.MethodPost); res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
		t.Fatalf("relist: %s", res.Status)
	}
	check("after the relist")
	if leaf, _ := f.staticFile(f.urls.RegistrationLeaf("static.lib", "2.0.0-beta.1")); !strings.Contains(leaf, `"listed":true`) {
		t.Errorf("the static leaf of a relisted version: %s", leaf)
	}

	ctx := context.Background()
	must(t, func() error {
		return f.reg.DeprecateByOperator(ctx, "Static.Lib", []string{"1.0.0"}, registry.Deprecation{Legacy: true, Message: "Use 2.x."})
	})
	check("after the deprecation")
	if index, _ := f.staticFile(f.urls.RegistrationIndex("static.lib")); !strings.Contains(index, `"deprecation"`) || !strings.Contains(index, "Use 2.x.") {
		t.Errorf("the static registration of a deprecated version does not carry its deprecation: %s", index)
	}
	must(t, func() error {
		return f.reg.PublishAdvisory(ctx, "Static.Lib", registry.AdvisoryInput{AdvisoryID: "STATIC-1", Severity: "high",
			URL: "https://example.com/advisories/static-1", Versions: "[1.0.0]"})
	})
	check("after the advisory")
	if index, _ := f.staticFile(f.urls.RegistrationIndex("static.lib")); !strings.Contains(index, "https://example.com/advisories/static-1") {
		t.Errorf("the static registration of a vulnerable version does not list the advisory: %s", index)
	}
}

// TestStaticCopyNeverHoldsPrivatePackages: a package of a private feed is
// never copied; a package moved into one, or whose feed becomes private,
// leaves the copy before the change is answered; and wharf check --static
// reports a file that should not be there.
func TestStaticCopyNeverHoldsPrivatePackages(t *testing.T) {
	t.Parallel()
	f := newStaticFeed(t)
	ctx := context.Background()
	must(t, func() error { _, err := f.reg.Feeds().Add(ctx, "team", "", true); return err })
	must(t, func() error { _, err := f.reg.Feeds().Add(ctx, "open", "", false); return err })
	for _, fd := range []string{"team", "open"} {
		must(t, func() error { return f.reg.GrantFeed(ctx, fd, feeds.SubjectUser, "alice", feeds.RoleAdmin) })
	}
	if res := f.pushTo(f.urls.Feed("team").Publish(), f.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("push to team: %s", res.Status)
	}
	if res := f.pushTo(f.urls.Feed("open").Publish(), f.key, nugettest.Spec{ID: "Open.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("push to open: %s", res.Status)
	}
	f.mustPush(nugettest.Spec{ID: "Moved.Lib", Version: "1.0.0"})
	if err := f.staticCopy().CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	has := func(id string) []string {
		var out []string
		for _, k := range f.staticKeys() {
			if strings.Contains(k, "/"+id+"/") || strings.Contains(k, "/feeds/team/") {
				out = append(out, k)
			}
		}
		return out
	}
	if keys := has("secret.lib"); len(keys) > 0 {
		t.Errorf("the static copy holds a private feed's files: %v", keys)
	}
	if _, ok := f.staticFile(f.urls.Feed("open").Versions("open.lib")); !ok {
		t.Errorf("a public feed's package is not in the static copy")
	}
	if _, ok := f.staticFile(f.urls.Feed("open").ServiceIndex()); !ok {
		t.Errorf("a public feed's service index is not in the static copy")
	}
	if len(has("moved.lib")) == 0 {
		t.Fatalf("the public package is not in the static copy")
	}

	must(t, func() error { return f.reg.MovePackage(ctx, "Moved.Lib", "team") })
	if keys := has("moved.lib"); len(keys) > 0 {
		t.Errorf("after the move to a private feed, the static copy still holds %v", keys)
	}
	admin, err := f.reg.AddUser(ctx, registry.NewUser{Name: "root", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	must(t, func() error { return f.reg.SetFeedAs(ctx, admin, "open", true, "") })
	if keys := has("open.lib"); len(keys) > 0 {
		t.Errorf("after its feed became private, the static copy still holds %v", keys)
	}
	if _, ok := f.staticFile(f.urls.Feed("open").ServiceIndex()); ok {
		t.Errorf("a private feed's service index is still in the static copy")
	}

	// A leaked file is reported, as are a tampered and a missing one.
	f.mustPush(nugettest.Spec{ID: "Kept.Lib", Version: "1.0.0"})
	put := func(key, body string) {
		if err := f.blobs.Put(ctx, key, strings.NewReader(body), int64(len(body))); err != nil {
			t.Fatal(err)
		}
	}
	leak := web.StaticPrefix + "v3/package/secret.lib/index.json"
	put(leak, `{"versions":["1.0.0"]}`)
	tampered := web.StaticPrefix + "v3/registration/kept.lib/index.json"
	put(tampered, `{}`)
	missing := web.StaticPrefix + "v3/package/kept.lib/index.json"
	must(t, func() error { return f.blobs.Delete(ctx, missing) })
	r, err := f.staticCopy().CheckStatic(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(r.Extra, " "), leak) || !strings.Contains(strings.Join(r.Different, " "), tampered) ||
		!strings.Contains(strings.Join(r.Missing, " "), missing) || r.OK() {
		t.Errorf("check --static: extra %v, different %v, missing %v; want %s, %s, %s", r.Extra, r.Different, r.Missing, leak, tampered, missing)
	}
	junk := web.StaticPrefix + "v3/stray.txt"
	put(junk, "junk")
	if err := f.staticCopy().Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if r, err := f.staticCopy().CheckStatic(ctx); err != nil || !r.OK() {
		t.Errorf("after a rebuild: %+v (%v)", r, err)
	}
}

// TestCDNServiceIndexes: with cdn_base_url, the service indexes of feeds
// whose every package is in the static copy send clients to the CDN for
// the flat container and the registration, and only those: not the
// union once a feed is private, never a private feed's; push, search and
// READMEs stay on the base URL; and the static copy holds the indexes
// Wharf serves.
func TestCDNServiceIndexes(t *testing.T) {
	t.Parallel()
	const cdn = "https://cdn.example.com/wharf"
	f := newFeedServer(t, registry.Options{}, func(c *web.ServerConfig) { c.StaticCopy, c.CDNBaseURL = true, cdn })
	ctx := context.Background()
	resources := func(url, password string) map[string]string {
		t.Helper()
		res := f.basicGet(url, password)
		var idx nuget.ServiceIndex
		if err := json.NewDecoder(res.Body).Decode(&idx); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %v", url, res.Status, err)
		}
		m := map[string]string{}
		for _, r := range idx.Resources {
			m[r.Type] = r.ID
		}
		return m
	}
	onCDN := func(url, password string, want bool) {
		t.Helper()
		r := resources(url, password)
		for typ, path := range map[string]string{"PackageBaseAddress/3.0.0": "/v3/package/", "RegistrationsBaseUrl/3.6.0": "/v3/registration/"} {
			got := strings.HasPrefix(r[typ], cdn+"/")
			if got != want || !strings.HasSuffix(r[typ], path) {
				t.Errorf("%s: %s is %s, want on the CDN: %t", url, typ, r[typ], want)
			}
		}
		for _, typ := range []string{"PackagePublish/2.0.0", "SearchQueryService/3.5.0", "ReadmeUriTemplate/6.13.0"} {
			if !strings.HasPrefix(r[typ], f.urls.Base()+"/") {
				t.Errorf("%s: %s is %s, want it on the base URL", url, typ, r[typ])
			}
		}
	}
	onCDN(f.urls.ServiceIndex(), "", true)
	onCDN(f.urls.FeedIndex("default"), "", true)
	if err := f.staticCopy2(cdn).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	f.sameAsServed(t, f.urls.ServiceIndex())

	must(t, func() error { _, err := f.reg.Feeds().Add(ctx, "team", "", true); return err })
	must(t, func() error { return f.reg.GrantFeed(ctx, "team", feeds.SubjectUser, "alice", feeds.RoleReader) })
	onCDN(f.urls.ServiceIndex(), "", false) // a private package is read through the union
	onCDN(f.urls.FeedIndex("default"), "", true)
	onCDN(f.urls.FeedIndex("team"), f.readKey("alice"), false)
	if err := f.staticCopy2(cdn).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	f.sameAsServed(t, f.urls.ServiceIndex())
	f.sameAsServed(t, f.urls.FeedIndex("default"))
	if r, err := f.staticCopy2(cdn).CheckStatic(ctx); err != nil || !r.OK() {
		t.Errorf("check --static: %+v (%v)", r, err)
	}
}

// staticCopy2 is staticCopy with a CDN.
func (f *feed) staticCopy2(cdn string) *web.StaticCopy {
	return web.NewStaticCopy(web.StaticConfig{Registry: f.reg, BaseURL: f.urls.Base(), CDNBaseURL: cdn, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
}

// TestStaticCopyPrivateRegistry: a private registry copies nothing, and
// a copy made before it became private is removed.
func TestStaticCopyPrivateRegistry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d, blobs := testenv.Stores(t, dir)
	public := newFeedOn(t, dir, d, blobs, registry.Options{}, func(c *web.ServerConfig) { c.StaticCopy = true })
	public.mustPush(nugettest.Spec{ID: "Was.Public", Version: "1.0.0"})
	if len(public.staticKeys()) == 0 {
		t.Fatal("the public registry copied nothing")
	}
	f := newFeedOn(t, dir, d, blobs, registry.Options{}, func(c *web.ServerConfig) { c.StaticCopy, c.Private = true, true })
	sc := web.NewStaticCopy(web.StaticConfig{Registry: f.reg, BaseURL: f.urls.Base(), Private: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := sc.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.mustPush(nugettest.Spec{ID: "Private.Lib", Version: "1.0.0"})
	if keys := f.staticKeys(); len(keys) != 0 {
		t.Errorf("a private registry's static copy holds %v", keys)
	}
}

// TestStaticCopySkipsMirroredPackages: packages of an upstream feed stay
// with Wharf, which fetches and refreshes them: nothing of them is
// copied, even once their files are stored, while a local package is.
func TestStaticCopySkipsMirroredPackages(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{})
	m.up.mustPush(nugettest.Spec{ID: "Up.Lib", Version: "1.0.0"})
	m.down.mustPush(nugettest.Spec{ID: "Local.Lib", Version: "1.0.0"})
	if got := m.versions(t, "Up.Lib"); len(got) != 1 {
		t.Fatalf("versions through the mirror: %v", got)
	}
	if res, _ := m.down.get(m.down.urls.Nupkg("up.lib", "1.0.0")); res.StatusCode != http.StatusOK {
		t.Fatalf("download through the mirror: %s", res.Status)
	}
	ctx := context.Background()
	sc := m.down.staticCopy()
	if err := sc.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sc.Publish(ctx, "up.lib"); err != nil {
		t.Fatal(err)
	}
	var local int
	for _, k := range m.down.staticKeys() {
		if strings.Contains(k, "up.lib") {
			t.Errorf("the static copy holds a mirrored package's %s", k)
		}
		if strings.Contains(k, "local.lib") {
			local++
		}
	}
	if local == 0 {
		t.Errorf("the local package is not in the static copy")
	}
}
