// The read rows of the authorisation matrix: every read route of the
// NuGet protocol (taken from the router, under /v3/ and /feeds/NAME/v3/),
// aimed at a package in a private feed, tried with every kind of read
// credential. Callers who may read it get it; bad credentials and
// anonymous callers get the Basic challenge; everyone else gets exactly
// what the same request for a package (or feed) that does not exist gets.

package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/pdb"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// secretMarker is in the private package's description: whoever is shown
// it has read the package.
const secretMarker = "TOP-SECRET-7f3a"

// readCred is a credential as a NuGet client or a browser sends it on a
// read.
type readCred struct {
	id, about string
	basic     string // HTTP Basic password (user name "ci"), by key ID or literal
	header    string // X-NuGet-ApiKey, by key ID or literal
	actor     string // a signed-in browser
	access    string // "yes": reads the private package; "bad": refused credentials; "index": only a feed's index
}

var readCreds = []readCred{
	{id: anonymous, about: "no credential"},
	{id: "wrongPassword", about: "Basic with a wrong password", basic: "=not-a-key", access: "bad"},
	{id: "unknownKey", about: "an unknown key in X-NuGet-ApiKey", header: "=wharf_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", access: "bad"},
	{id: revokedKey, about: "a revoked key", basic: revokedKey, access: "bad"},
	{id: expiredKey, about: "an expired key", basic: expiredKey, access: "bad"},
	{id: "bobsPushKey", about: "a push-only key of a reader of the feed", basic: bobsOrgKey},
	{id: alicesKey, about: "a push-only key of the feed's publisher", basic: alicesKey, access: "index"},
	{id: "mallorysReadKey", about: "a read key of a user without access", basic: "mallorysReadKey"},
	{id: othersTPKey, about: "a trusted-publishing key of another owner", basic: othersTPKey},
	{id: mallory, about: "a session without access", actor: mallory},
	{id: "bobsReadKey", about: "a read key of a reader of the feed", basic: "bobsReadKey", access: "yes"},
	{id: alicesTPKey, about: "a trusted-publishing key of the package's owner", basic: alicesTPKey, access: "yes"},
	{id: bob, about: "a session of a reader of the feed", actor: bob, access: "yes"},
	{id: root, about: "a registry administrator's session", actor: root, access: "yes"},
}

// readRoute is one read route aimed at the private package (or the
// private feed); absent is the same request for what does not exist.
type readRoute struct {
	pattern string // the route's pattern after the prefix
	path    string // with Secret.Lib
	listing bool   // search and autocomplete: 200 for everyone who may use the URL, the package only to readers
	bulk    bool   // a listing that need not name the package even to readers (the vulnerability index)
	okCode  int    // what readers get (default 200)
}

var readRoutes = []readRoute{
	{pattern: "/v3/index.json", path: "/v3/index.json"},
	{pattern: "/v3/package/:id/index.json", path: "/v3/package/secret.lib/index.json"},
	{pattern: "/v3/package/:id/:version/readme", path: "/v3/package/secret.lib/1.0.0/readme"},
	{pattern: "/v3/package/:id/:version/icon", path: "/v3/package/secret.lib/1.0.0/icon"},
	{pattern: "/v3/package/:id/:version/license", path: "/v3/package/secret.lib/1.0.0/license", okCode: http.StatusNotFound},
	{pattern: "/v3/package/:id/:version/:file", path: "/v3/package/secret.lib/1.0.0/secret.lib.1.0.0.nupkg"},
	{pattern: "/v3/package/:id/:version/:file", path: "/v3/package/secret.lib/1.0.0/secret.lib.nuspec"},
	{pattern: "/v3/registration/:id/index.json", path: "/v3/registration/secret.lib/index.json"},
	{pattern: "/v3/registration/:id/page/:lower/:upper", path: "/v3/registration/secret.lib/page/1.0.0/1.0.0.json"},
	{pattern: "/v3/registration/:id/:leaf", path: "/v3/registration/secret.lib/1.0.0.json"},
	{pattern: "/v3/catalog/:id/:leaf", path: "/v3/catalog/secret.lib/1.0.0.json"},
	{pattern: "/v3/provenance/:id/:leaf", path: "/v3/provenance/secret.lib/1.0.0.json"},
	{pattern: "/v3/search", path: "/v3/search?q=" + secretMarker, listing: true},
	{pattern: "/v3/autocomplete", path: "/v3/autocomplete?q=secret.lib", listing: true},
	{pattern: "/v3/autocomplete", path: "/v3/autocomplete?id=Secret.Lib", listing: true},
	// Secret.Lib's symbols: its PDB by SSQP key, and its .snupkg.
	{pattern: "/v3/symbols/:file/:key/:name", path: "/v3/symbols/" + greeterKey()},
	{pattern: "/v3/symbolpackage/:id/:version/:file", path: "/v3/symbolpackage/secret.lib/1.0.0/secret.lib.1.0.0.snupkg"},
	// The vulnerability documents are bulk: everyone who may use the URL
	// gets them, with Secret.Lib's advisory only for its readers.
	{pattern: "/v3/vulnerabilities/index.json", path: "/v3/vulnerabilities/index.json", listing: true, bulk: true},
	{pattern: "/v3/vulnerabilities/base.json", path: "/v3/vulnerabilities/base.json", listing: true},
}

// greeterKey is the SSQP key of the testdata PDB, as dotnet-symbol builds
// it from the assembly's CodeView entry.
func greeterKey() string {
	dll, err := os.ReadFile("../internal/pdb/testdata/greeter/Greeter.dll")
	if err != nil {
		panic(err)
	}
	cvs, err := pdb.CodeViews(bytes.NewReader(dll), int64(len(dll)))
	if err != nil || len(cvs) != 1 {
		panic(fmt.Sprint("Greeter.dll's CodeView entries: ", cvs, err))
	}
	return pdb.Key(path.Base(cvs[0].Path), cvs[0].ID)
}

// readWorld is a matrix world with a private feed "secret" (alice
// publishes, bob reads) holding Secret.Lib, pushed by alice's
// trusted-publishing key, and read keys for bob and mallory.
func readWorld(t *testing.T) *world {
	w := newMatrixWorld(t, trusttest.NewIssuer(t))
	ctx := context.Background()
	must(t, func() error { _, err := w.reg.Feeds().Add(ctx, "secret", "", true); return err })
	must(t, func() error { return w.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, alice, feeds.RolePublisher) })
	must(t, func() error { return w.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, bob, feeds.RoleReader) })
	w.newKey("bobsReadKey", registry.NewKey{User: bob, Scopes: feeds.ScopeRead})
	w.newKey("mallorysReadKey", registry.NewKey{User: mallory, Scopes: feeds.ScopeRead})
	spec := nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0", Description: "The " + secretMarker + " library.", Readme: []byte("# " + secretMarker), Icon: nugettest.PNG, Files: greeterDLL(t)}
	res := w.do(nugettest.PushRequest(w.urls.Feed("secret").Publish(), w.secrets[alicesTPKey], spec.Build(), nil))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("push Secret.Lib to the private feed: %s (%s)", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	pdbFile, err := os.ReadFile("../internal/pdb/testdata/greeter/Greeter.pdb")
	if err != nil {
		t.Fatal(err)
	}
	snupkg := nugettest.Snupkg("Secret.Lib", "1.0.0", map[string][]byte{"lib/netstandard2.0/Greeter.pdb": pdbFile})
	res = w.do(nugettest.PushRequest(w.urls.Feed("secret").SymbolPublish(), w.secrets[alicesTPKey], snupkg, nil))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("push Secret.Lib's symbols to the private feed: %s (%s)", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	must(t, func() error {
		return w.reg.PublishAdvisory(ctx, "Secret.Lib", registry.AdvisoryInput{AdvisoryID: "SECRET-1", Severity: "high",
			URL: "https://example.com/advisories/secret-1", Versions: "[1.0.0]"})
	})
	return w
}

// send makes the request as c sends it.
func (w *world) sendRead(t *testing.T, c readCred, path string) *page {
	br := w.anonymous(t)
	if c.actor != "" {
		br = w.browserOf(t, credential{id: c.id, actor: c.actor})
	}
	req, _ := http.NewRequest(http.MethodGet, w.srv.URL+path, nil)
	secret := func(s string) string {
		if v, ok := strings.CutPrefix(s, "="); ok {
			return v
		}
		return w.secrets[s]
	}
	if c.basic != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("ci:"+secret(c.basic))))
	}
	if c.header != "" {
		req.Header.Set("X-NuGet-ApiKey", secret(c.header))
	}
	return br.do(req)
}

// absentPath is the same request for a package, and a feed, that do not exist.
func absentPath(p string) string {
	p = strings.NewReplacer("secret.lib", "absent.lib", "Secret.Lib", "Absent.Lib", secretMarker, "NO-SUCH-MARKER", "'secret'", "'nosuch'").Replace(p)
	return strings.Replace(p, "/feeds/secret/", "/feeds/nosuch/", 1)
}

func TestReadAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	w := readWorld(t)
	var permitted, refused int
	for _, prefix := range []string{"", "/feeds/secret"} {
		for _, r := range readRoutes {
			for _, c := range readCreds {
				path := prefix + r.path
				t.Run(c.about+" GET "+path, func(t *testing.T) {
					p := w.sendRead(t, c, path)
					got := p.res.StatusCode
					ok := r.okCode
					if ok == 0 {
						ok = http.StatusOK
					}
					challenged := got == http.StatusUnauthorized && p.res.Header.Get("WWW-Authenticate") == `Basic realm="Wharf"`
					index := r.pattern == "/v3/index.json"
					switch {
					case c.access == "bad":
						refused++
						if !challenged || !strings.Contains(p.why(), "not valid") && !strings.Contains(p.why(), "expired") {
							t.Errorf("%s, challenge %q, %q; want 401 with the Basic challenge and a sentence", p.res.Status, p.res.Header.Get("WWW-Authenticate"), p.why())
						}
					case c.access == "yes" || index && prefix == "" || c.access == "index" && index:
						permitted++
						if got != ok {
							t.Errorf("%s, want %d: %q", p.res.Status, ok, p.why())
						}
						if cc := p.res.Header.Get("Cache-Control"); c.access == "yes" && got == http.StatusOK && strings.Contains(cc, "public") {
							t.Errorf("Cache-Control %q: shared caches would keep a private package", cc)
						}
						if r.listing && !r.bulk && !strings.Contains(p.body, "Secret.Lib") && !strings.Contains(p.body, "1.0.0") {
							t.Errorf("the answer does not list the private package: %s", p.body)
						}
						if r.pattern == "/v3/package/:id/:version/readme" && !strings.Contains(p.body, secretMarker) {
							t.Errorf("the readme is not the private package's: %q", p.body)
						}
					case c.id == anonymous && (prefix != "" || !r.listing):
						refused++
						if !challenged {
							t.Errorf("%s, WWW-Authenticate %q: want 401 with the Basic challenge", p.res.Status, p.res.Header.Get("WWW-Authenticate"))
						}
					default: // may not read: exactly what an absent package (or feed) gets
						refused++
						a := w.sendRead(t, c, absentPath(path))
						if got != a.res.StatusCode || absentPath(p.body) != a.body {
							t.Errorf("the private package answers %s %q; an absent one %s %q: they must not differ", p.res.Status, p.body, a.res.Status, a.body)
						}
						if r.listing && got == http.StatusOK && strings.Contains(p.body, "Secret.Lib") {
							t.Errorf("the listing shows the private package: %s", p.body)
						}
					}
					if c.access != "yes" && strings.Contains(p.body, secretMarker) {
						t.Errorf("the answer shows the private package's description: %s", p.body)
					}
				})
			}
		}
	}
	t.Logf("%d permitted reads, %d refused", permitted, refused)
}

// TestReadMatrixCoversEveryReadRoute: every GET route of the NuGet
// protocol, in both URL families, has read rows.
func TestReadMatrixCoversEveryReadRoute(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	e, ok := f.srv.Config.Handler.(*echo.Echo)
	if !ok {
		t.Fatalf("the server's handler is a %T, not echo's router", f.srv.Config.Handler)
	}
	covered := map[string]bool{}
	for _, prefix := range []string{"", "/feeds/secret"} {
		for _, r := range readRoutes {
			u := prefix + r.path
			c := e.NewContext(httptest.NewRequest(http.MethodGet, u, nil), httptest.NewRecorder())
			e.Router().Find(http.MethodGet, strings.SplitN(u, "?", 2)[0], c)
			covered[c.Path()] = true
		}
	}
	n := 0
	for _, rt := range e.Routes() {
		if rt.Method != http.MethodGet || !strings.HasPrefix(rt.Path, "/v3/") && !strings.HasPrefix(rt.Path, "/feeds/") {
			continue
		}
		n++
		if !covered[rt.Path] {
			t.Errorf("GET %s has no row in the read matrix: add one to readRoutes", rt.Path)
		}
	}
	if n < 26 {
		t.Errorf("the router lists only %d read routes of the protocol", n)
	}
}

// TestPublicReadsStayAnonymous: with a private feed on the registry,
// anonymous clients still restore public packages through /v3/ without
// being asked for credentials, and /feeds/default/v3/ never asks.
func TestPublicReadsStayAnonymous(t *testing.T) {
	t.Parallel()
	w := readWorld(t)
	for _, path := range []string{
		"/v3/package/alice.lib/index.json", "/v3/registration/alice.lib/index.json",
		"/feeds/default/v3/index.json", "/feeds/default/v3/package/alice.lib/index.json",
		"/v3/package/alice.lib/9.9.9/alice.lib.9.9.9.nupkg", "/feeds/default/v3/package/absent.lib/index.json",
	} {
		p := w.anonymous(t).get(path)
		want := http.StatusOK
		if strings.Contains(path, "9.9.9") || strings.Contains(path, "absent") {
			want = http.StatusNotFound // a public package's missing version, or any miss in a public feed
		}
		if p.res.StatusCode != want || p.res.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("anonymous GET %s: %s (challenge %q), want %d without a challenge", path, p.res.Status, p.res.Header.Get("WWW-Authenticate"), want)
		}
	}
	if p := w.anonymous(t).get("/v3/package/absent.lib/index.json"); p.res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET of an absent ID on the union of a registry with private feeds: %s, want 401 (as for a private one)", p.res.Status)
	}
	if p := w.anonymous(t).get("/feeds/default/v3/package/secret.lib/index.json"); p.res.StatusCode != http.StatusNotFound {
		t.Errorf("the private package through the public feed's URL: %s, want 404", p.res.Status)
	}
}

// TestPrivatePackagePages: the web UI shows a private package to a reader
// of its feed only; to everyone else its page is the page of an absent
// package, and the start page and search do not list it.
func TestPrivatePackagePages(t *testing.T) {
	t.Parallel()
	w := readWorld(t)
	for _, who := range []string{anonymous, mallory, bob} {
		page := w.as(t, who).get("/packages/Secret.Lib")
		absent := w.as(t, who).get("/packages/Absent.Lib")
		if who == bob {
			if page.res.StatusCode != http.StatusOK || !strings.Contains(page.body, secretMarker) {
				t.Errorf("bob, a reader, gets the private package's page: %s", page.res.Status)
			}
		} else if page.res.StatusCode != absent.res.StatusCode || page.res.StatusCode != http.StatusNotFound {
			t.Errorf("%s gets the private package's page: %s (an absent one: %s), want 404", who, page.res.Status, absent.res.Status)
		}
		for _, path := range []string{"/", "/packages?q=secret"} {
			p := w.as(t, who).get(path)
			if shown := strings.Contains(p.body, "Secret.Lib"); shown != (who == bob) {
				t.Errorf("%s at %s: Secret.Lib shown %t, want %t", who, path, shown, who == bob)
			}
		}
	}
}
