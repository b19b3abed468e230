package web_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// readKey creates a key with the read scope for a user (created if new).
func (f *feed) readKey(user string) string {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.reg.AddUser(ctx, registry.NewUser{Name: user}); err != nil && !strings.Contains(err.Error(), "taken") {
		f.t.Fatal(err)
	}
	secret, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: user, Scopes: feeds.ScopeRead})
	if err != nil {
		f.t.Fatal(err)
	}
	return secret
}

// basicGet reads a URL as NuGet does with stored credentials.
func (f *feed) basicGet(url, password string) *http.Response {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if password != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("me:"+password)))
	}
	return f.do(req)
}

// pushTo pushes a package through a publish URL with a key.
func (f *feed) pushTo(publish, key string, s nugettest.Spec) *http.Response {
	f.t.Helper()
	return f.do(nugettest.PushRequest(publish, key, s.Build(), nil))
}

// TestPushToAFeed: a new ID goes to the feed of the URL it is pushed
// through ("default" through /api/v2/package), only publishers create IDs
// in a feed, a new version is refused through another feed's URL without
// naming its feed, and a read key does not push.
func TestPushToAFeed(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	ctx := context.Background()
	team, err := f.reg.Feeds().Add(ctx, "team", "", true)
	if err != nil {
		t.Fatal(err)
	}
	must(t, func() error { return f.reg.GrantFeed(ctx, "team", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	teamURL := f.urls.Feed("team").Publish()
	mallorys := f.userKey("mallory")

	for _, p := range []struct {
		url, key string
		spec     nugettest.Spec
		status   int
		phrase   string
	}{
		{teamURL, f.key, nugettest.Spec{ID: "Team.Lib", Version: "1.0.0"}, http.StatusCreated, ""},
		{f.urls.Publish(), f.key, nugettest.Spec{ID: "Team.Lib", Version: "2.0.0"}, http.StatusCreated, ""},
		{f.urls.Publish(), f.key, nugettest.Spec{ID: "Public.Lib", Version: "1.0.0"}, http.StatusCreated, ""},
		{teamURL, f.key, nugettest.Spec{ID: "Public.Lib", Version: "2.0.0"}, http.StatusForbidden, "is not in the feed of this URL"},
		{teamURL, mallorys, nugettest.Spec{ID: "Mallory.Lib", Version: "1.0.0"}, http.StatusForbidden, "may not create new packages in feed 'team'"},
		{f.urls.Feed("nosuch").Publish(), mallorys, nugettest.Spec{ID: "Mallory.Lib", Version: "1.0.0"}, http.StatusForbidden, "may not create new packages in feed 'nosuch'"},
		{f.urls.Publish(), f.readKey("alice"), nugettest.Spec{ID: "Read.Lib", Version: "1.0.0"}, http.StatusForbidden, "may only read packages"},
	} {
		res := f.pushTo(p.url, p.key, p.spec)
		why := res.Header.Get("X-NuGet-Warning")
		if res.StatusCode != p.status || !strings.Contains(why, p.phrase) {
			t.Errorf("push %s %s to %s: %s %q, want %d saying %q", p.spec.ID, p.spec.Version, p.url, res.Status, why, p.status, p.phrase)
		}
		if strings.Contains(why, "default") {
			t.Errorf("the refusal names the package's feed: %q", why)
		}
	}
	for id, want := range map[string]int64{"Team.Lib": team.ID, "Public.Lib": 1} {
		if p, err := f.reg.Package(ctx, id); err != nil || p.FeedID != want || len(p.Versions) != 1 && id == "Public.Lib" {
			t.Errorf("%s: %+v (%v), want it in feed %d", id, p, err, want)
		}
	}

	// wharf package move: the package leaves the public feed's URLs at once.
	aliceReads := f.readKey("alice")
	if res := f.basicGet(f.urls.Feed("default").Versions("public.lib"), ""); res.StatusCode != http.StatusOK {
		t.Fatalf("before the move: %s", res.Status)
	}
	must(t, func() error { return f.reg.MovePackage(ctx, "Public.Lib", "team") })
	for _, c := range []struct {
		url, key string
		want     int
	}{
		{f.urls.Feed("default").Versions("public.lib"), "", http.StatusNotFound},
		{f.urls.Versions("public.lib"), "", http.StatusUnauthorized},
		{f.urls.Feed("team").Versions("public.lib"), aliceReads, http.StatusOK},
		{f.urls.Versions("public.lib"), aliceReads, http.StatusOK},
	} {
		if res := f.basicGet(c.url, c.key); res.StatusCode != c.want {
			t.Errorf("after the move, GET %s (key %t): %s, want %d", c.url, c.key != "", res.Status, c.want)
		}
	}
}

// TestAccessChangesTakeEffect: revoking a grant, a key or a membership
// takes effect on the next read, without a restart.
func TestAccessChangesTakeEffect(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	ctx := context.Background()
	must(t, func() error { _, err := f.reg.Feeds().Add(ctx, "secret", "", true); return err })
	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	if res := f.pushTo(f.urls.Feed("secret").Publish(), f.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("push to the private feed: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	bobs, carols := f.readKey("bob"), f.readKey("carol")
	versions := f.urls.Feed("secret").Versions("secret.lib")
	union := f.urls.Versions("secret.lib")
	check := func(step, key string, want int) {
		t.Helper()
		for _, u := range []string{versions, union} {
			if res := f.basicGet(u, key); res.StatusCode != want {
				t.Errorf("%s: GET %s: %s, want %d", step, u, res.Status, want)
			}
		}
	}
	check("before any grant", bobs, http.StatusNotFound)
	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "bob", feeds.RoleReader) })
	check("bob granted reader", bobs, http.StatusOK)
	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "bob", feeds.RoleNone) })
	check("bob's grant revoked", bobs, http.StatusNotFound)

	must(t, func() error { _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); return err })
	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectOrg, "contoso", feeds.RoleReader) })
	check("carol not a member of contoso", carols, http.StatusNotFound)
	must(t, func() error { return f.reg.SetMember(ctx, "contoso", "carol", registry.RoleMember) })
	check("carol a member of contoso", carols, http.StatusOK)
	must(t, func() error { return f.reg.RemoveMember(ctx, "contoso", "carol") })
	check("carol removed from contoso", carols, http.StatusNotFound)

	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectSignedIn, "", feeds.RoleReader) })
	check("every signed-in user granted reader", bobs, http.StatusOK)
	keys, err := f.reg.ListKeys(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	must(t, func() error { return f.reg.RevokeKey(ctx, keys[0].ID) })
	check("bob's key revoked", bobs, http.StatusUnauthorized)
	must(t, func() error { _, err := f.reg.Feeds().Set(ctx, "secret", new(bool), nil); return err })
	check("the feed made public", "", http.StatusOK)
}

// TestReadFailuresAreLimited: refused read credentials are audited
// without the secret and, past 30 a minute from one address, answered 429.
func TestReadFailuresAreLimited(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	const wrong = "wharf_thisisnotakeythisisnotakeythisisnotakey"
	u := f.urls.Versions("any.lib")
	for i := 1; i <= 30; i++ {
		res := f.basicGet(u, wrong)
		if res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") != `Basic realm="Wharf"` {
			t.Fatalf("failure %d: %s, challenge %q; want 401 with the Basic challenge", i, res.Status, res.Header.Get("WWW-Authenticate"))
		}
	}
	res := f.basicGet(u, wrong)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("the 31st failure in a minute: %s, Retry-After %q; want 429 with Retry-After", res.Status, res.Header.Get("Retry-After"))
	}
	if res := f.basicGet(u, ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("an anonymous read from the same address: %s, want 404 as before (no private feed here)", res.Status)
	}
	events, err := f.reg.AuditLog(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Kind == "read.auth" {
			n++
		}
		if strings.Contains(e.Message+e.Subject, wrong[6:]) {
			t.Errorf("the audit log holds the presented secret: %+v", e)
		}
	}
	if n != 30 {
		t.Errorf("%d read.auth events, want 30 (one per refusal, none past the limit)", n)
	}
}

// TestPushRightAfterAGrantElsewhere: a publisher grant made by another
// process (the command line, another replica) lets the very next push
// create the package, with no wait for this server's background sync.
func TestPushRightAfterAGrantElsewhere(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	ctx := context.Background()
	if _, err := f.reg.Feeds().Add(ctx, "team", "", true); err != nil {
		t.Fatal(err)
	}
	teamURL := f.urls.Feed("team").Publish()
	spec := nugettest.Spec{ID: "Team.Lib", Version: "1.0.0"}
	if res := f.pushTo(teamURL, f.key, spec); res.StatusCode != http.StatusForbidden {
		t.Fatalf("push before the grant: %s, want 403", res.Status)
	}
	other, err := registry.New(f.db, f.blobs, registry.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	must(t, func() error { return other.GrantFeed(ctx, "team", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	if res := f.pushTo(teamURL, f.key, spec); res.StatusCode != http.StatusCreated {
		t.Fatalf("push right after a grant made elsewhere: %s (%s), want 201", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}

// TestWritesDoNotRevealPrivatePackages: a key that may not see a private
// package learns nothing from pushing or unlisting: not its spelling, not
// its versions. An unlist answers one sentence, in the caller's spelling,
// for a missing package, a missing version and a version it may not see;
// a push of a taken ID says it is taken in the caller's spelling, the same
// for a public and a private package; a read key is refused for its scope
// before anything about the ID is looked up.
func TestWritesDoNotRevealPrivatePackages(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	ctx := context.Background()
	if _, err := f.reg.Feeds().Add(ctx, "team", "", true); err != nil {
		t.Fatal(err)
	}
	must(t, func() error { return f.reg.GrantFeed(ctx, "team", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	for _, p := range []struct{ url, id string }{{f.urls.Feed("team").Publish(), "Secret.Internal"}, {f.urls.Publish(), "Public.Lib"}} {
		if res := f.pushTo(p.url, f.key, nugettest.Spec{ID: p.id, Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: %s", p.id, res.Status)
		}
	}
	mallory := f.userKey("mallory")
	warning := func(res *http.Response) string { return res.Header.Get("X-NuGet-Warning") }

	unlists := map[string]string{}
	for _, c := range []struct{ name, id, version string }{
		{"a version of a private package", "secret.internal", "1.0.0"},
		{"a missing version of a private package", "secret.internal", "2.0.0"},
		{"a missing package", "nothing.here", "1.0.0"},
	} {
		res := f.unlistReq(mallory, c.id, c.version, http.MethodDelete)
		w := strings.NewReplacer(c.id, "ID", c.version, "V").Replace(warning(res))
		if res.StatusCode != http.StatusNotFound || strings.Contains(warning(res), "Secret.Internal") {
			t.Errorf("mallory unlists %s: %s %q, want 404 in her own spelling", c.name, res.Status, warning(res))
		}
		unlists[w] = c.name
	}
	if len(unlists) != 1 {
		t.Errorf("unlists answer %d different sentences, want one: %v", len(unlists), unlists)
	}

	pushes := map[string]bool{}
	for _, id := range []string{"secret.internal", "public.lib"} {
		res := f.pushTo(f.urls.Publish(), mallory, nugettest.Spec{ID: id, Version: "9.0.0"})
		if res.StatusCode != http.StatusForbidden || strings.Contains(warning(res), "Secret.Internal") {
			t.Errorf("mallory pushes %s: %s %q, want 403 in her own spelling", id, res.Status, warning(res))
		}
		pushes[strings.ReplaceAll(warning(res), id, "ID")] = true
	}
	if len(pushes) != 1 {
		t.Errorf("pushing a taken private and a taken public ID answer differently: %v", pushes)
	}
	if res := f.pushTo(f.urls.Publish(), f.readKey("bob"), nugettest.Spec{ID: "secret.internal", Version: "9.0.0"}); !strings.Contains(warning(res), "may only read") {
		t.Errorf("a read key pushing a taken ID: %s %q, want the scope refusal first", res.Status, warning(res))
	}
}
