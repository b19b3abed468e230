package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestPrivateRegistry: with private = true every page but sign-in sends
// a signed-out visitor to sign in, every NuGet read but the union's
// service index asks for credentials, and health, static files, sign-in
// links and the token exchange still answer; signed in, or with a read
// key, the registry works as before and lists its public feed as private.
func TestPrivateRegistry(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{private: true})
	ctx := context.Background()
	f.addUser(alice)
	push, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: alice})
	if err != nil {
		t.Fatal(err)
	}
	read, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: alice, Scopes: feeds.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	if res := f.do(nugettest.PushRequest(f.urls.Publish(), push, nugettest.Spec{ID: "Alice.Lib", Version: "1.0.0"}.Build(), nil)); res.StatusCode != http.StatusCreated {
		t.Fatalf("push with an API key in a private registry: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
	}

	anon := f.anonymous(t)
	for _, path := range []string{"/", "/packages", "/packages?q=alice", "/packages/Alice.Lib", "/packages/Alice.Lib/1.0.0", "/feeds", "/no/such/page/x"} {
		p := anon.get(path)
		if path == "/no/such/page/x" {
			if p.res.StatusCode != http.StatusNotFound {
				t.Errorf("signed out, GET %s: %s, want 404", path, p.res.Status)
			}
			continue
		}
		if loc := p.res.Header.Get("Location"); p.res.StatusCode != http.StatusSeeOther || loc != "/sign-in?next="+url.QueryEscape(path) {
			t.Errorf("signed out, GET %s: %s to %q, want 303 to sign in and back", path, p.res.Status, loc)
		}
		if strings.Contains(p.body, "Alice.Lib") {
			t.Errorf("signed out, GET %s shows Alice.Lib", path)
		}
	}
	signIn := anon.get("/sign-in")
	if signIn.res.StatusCode != http.StatusOK {
		t.Errorf("signed out, GET /sign-in: %s, want 200", signIn.res.Status)
	}
	css := findAll(signIn.doc, func(n *html.Node) bool { return n.Data == "link" && attr(n, "rel") == "stylesheet" })
	open := []string{"/healthz", "/readyz", "/sign-in/link/not-a-link", "/v3/index.json"}
	if len(css) == 1 {
		open = append(open, attr(css[0], "href"))
	} else {
		t.Errorf("the sign-in page links %d style sheets, want 1", len(css))
	}
	for _, path := range open {
		if p := anon.get(path); p.res.StatusCode != http.StatusOK {
			t.Errorf("signed out, GET %s: %s, want 200", path, p.res.Status)
		}
	}
	if p := anon.postWith("/api/v2/token", "", http.Header{"Authorization": {"Bearer not-a-token"}}); p.res.StatusCode == http.StatusSeeOther || !strings.Contains(p.res.Header.Get("Content-Type"), "json") {
		t.Errorf("the token exchange in a private registry: %s %s, want its own JSON answer", p.res.Status, p.res.Header.Get("Content-Type"))
	}
	basic := func(path, key string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:"+key)))
		}
		return f.do(req)
	}
	for _, path := range []string{"/v3/package/alice.lib/index.json", "/v3/search?q=alice", "/v3/registration/alice.lib/index.json",
		"/v3/package/alice.lib/1.0.0/alice.lib.1.0.0.nupkg", "/feeds/default/v3/index.json", "/feeds/default/v3/package/alice.lib/index.json"} {
		if res := basic(path, ""); res.StatusCode != http.StatusUnauthorized || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("anonymous GET %s: %s (challenge %q), want 401 with the Basic challenge", path, res.Status, res.Header.Get("WWW-Authenticate"))
		}
		if res := basic(path, read); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s with alice's read key: %s, want 200", path, res.Status)
		}
	}

	aliceB := f.signedIn(t, alice)
	for _, path := range []string{"/", "/packages?q=alice", "/packages/Alice.Lib"} {
		if p := aliceB.get(path); p.res.StatusCode != http.StatusOK || !strings.Contains(p.body, "Alice.Lib") {
			t.Errorf("signed in, GET %s: %s, want 200 showing Alice.Lib", path, p.res.Status)
		}
	}
	if got := aliceB.get("/").testIDText("feed-source"); !strings.HasSuffix(got, "-n wharf --username alice --password KEY") {
		t.Errorf("the start page's source command in a private registry: %q, want it with credentials", got)
	}
	if p := aliceB.get("/feeds"); p.testIDText("feed-visibility") != "private" {
		t.Errorf("signed in, the default feed's visibility reads %q, want private", p.testIDText("feed-visibility"))
	}
	if p := aliceB.get("/packages/Alice.Lib"); !strings.Contains(p.testIDText("source-dotnet"), "--username alice --password KEY") {
		t.Errorf("Alice.Lib's page in a private registry: source %q, want the command with credentials", p.testIDText("source-dotnet"))
	}
}
