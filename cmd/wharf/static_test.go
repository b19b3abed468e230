package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestStaticPushThenRestoreThroughNginx runs Wharf behind the real nginx
// configured by 'wharf deploy nginx': every push answered 201 is in the
// versions list nginx serves from the static copy on the very next
// request, in the union and in the feed's URLs, and its .nupkg is served
// from disk with the bytes pushed; the static documents are the bytes
// Wharf itself answers; an unlisted version leaves search but stays
// restorable; and 'wharf check --static' finds nothing wrong.
func TestStaticPushThenRestoreThroughNginx(t *testing.T) {
	e, n := startWharfBehindNginx(t, "")
	key := e.apiKey(t, "alice")
	var want []string
	for i := 1; i <= 8; i++ {
		spec := nugettest.Spec{ID: "Fresh.Lib", Version: fmt.Sprintf("1.0.%d", i)}
		body := e.mustPushHTTP(t, key, spec)
		want = append(want, spec.Version)
		for _, base := range []string{n.url, n.url + "/feeds/default"} {
			res, got, static := fetch(t, base+"/v3/package/fresh.lib/index.json")
			var vs nuget.VersionsIndex
			if err := json.Unmarshal([]byte(got), &vs); err != nil || res.StatusCode != http.StatusOK || !slices.Equal(vs.Versions, want) || !static {
				t.Fatalf("right after push %d answered 201, nginx serves %s: %s %s (from the static copy: %t), want versions %v",
					i, base, res.Status, got, static, want)
			}
		}
		res, got, static := fetch(t, fmt.Sprintf("%s/v3/package/fresh.lib/%s/fresh.lib.%s.nupkg", n.url, spec.Version, spec.Version))
		if res.StatusCode != http.StatusOK || got != string(body) || !static {
			t.Fatalf("the .nupkg of %s through nginx: %s, %d bytes (static %t), want the %d pushed from the static copy", spec.Version, res.Status, len(got), static, len(body))
		}
	}
	// The static documents are what Wharf answers.
	for _, path := range []string{"/v3/index.json", "/v3/package/fresh.lib/index.json", "/v3/registration/fresh.lib/index.json",
		"/v3/registration/fresh.lib/1.0.3.json", "/feeds/default/v3/registration/fresh.lib/index.json", "/v3/package/fresh.lib/1.0.3/fresh.lib.nuspec"} {
		_, viaNginx, static := fetch(t, n.url+path)
		_, fromWharf, _ := fetch(t, e.base+path)
		if !static || viaNginx != fromWharf {
			t.Errorf("%s: nginx (static %t) serves\n%.400s\nWharf serves\n%.400s", path, static, viaNginx, fromWharf)
		}
	}

	// Unlisted: out of search, still restorable.
	req, _ := http.NewRequest(http.MethodDelete, n.url+"/api/v2/package/Fresh.Lib/1.0.8", nil)
	req.Header.Set("X-NuGet-ApiKey", key)
	res, err := e.http.Do(req)
	if err != nil || res.StatusCode >= 300 {
		t.Fatalf("unlist through nginx: %v %v", res, err)
	}
	res.Body.Close()
	_, got, _ := fetch(t, n.url+"/v3/search?q=Fresh.Lib")
	var sr nuget.SearchResponse
	if err := json.Unmarshal([]byte(got), &sr); err != nil || len(sr.Data) != 1 || sr.Data[0].Version != "1.0.7" {
		t.Errorf("search after the unlist: %s, want Fresh.Lib at 1.0.7", got)
	}
	if _, got, static := fetch(t, n.url+"/v3/package/fresh.lib/index.json"); !strings.Contains(got, "1.0.8") || !static {
		t.Errorf("after the unlist the static versions list is %s (static %t), want 1.0.8 still in it", got, static)
	}
	if _, got, _ := fetch(t, n.url+"/v3/registration/fresh.lib/1.0.8.json"); !strings.Contains(got, `"listed":false`) {
		t.Errorf("the registration leaf of the unlisted version: %s", got)
	}
	if out, _ := e.wharfOK(t, "check", "--static"); !strings.Contains(out, "0 missing, 0 differing, 0 that should not be there") {
		t.Errorf("wharf check --static:\n%s", out)
	}

	// A tampered file is found, and --repair puts it right.
	f := filepath.Join(e.data, "packages", "static", "v3", "package", "fresh.lib", "index.json")
	if err := os.WriteFile(f, []byte(`{"versions":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, code := e.wharf(t, "check", "--static"); code == 0 || !strings.Contains(out, "DIFFERS static/v3/package/fresh.lib/index.json") {
		t.Errorf("wharf check --static after tampering: exit %d\n%s", code, out)
	}
	e.wharfOK(t, "check", "--static", "--repair")
	if out, _ := e.wharfOK(t, "check", "--static"); !strings.Contains(out, "0 missing, 0 differing") {
		t.Errorf("after --repair:\n%s", out)
	}
}

// TestStaticRestoreWithoutWharf: with Wharf stopped and its database
// gone, NuGet.exe still installs a public package and its dependency
// through nginx, from the union's and the feed's source URLs.
func TestStaticRestoreWithoutWharf(t *testing.T) {
	mono, exe := nugetExe(t)
	e, n := startWharfBehindNginx(t, "")
	e.mono, e.exe = mono, exe
	key := e.apiKey(t, "alice")
	e.pushOK(t, e.pack(t, pkg{ID: "Offline.Base", Version: "1.0.0"}), key)
	e.pushOK(t, e.pack(t, pkg{ID: "Offline.App", Version: "2.0.0",
		Deps: `<dependencies><dependency id="Offline.Base" version="1.0.0" /></dependencies>`}), key)

	e.stopServer(t)
	e.exited = true
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(filepath.Join(e.data, "wharf.db"+suffix), filepath.Join(e.data, "gone.db"+suffix)); err != nil && suffix == "" {
			t.Fatal(err)
		}
	}
	if res, _, _ := fetch(t, n.url+"/v3/search?q=offline"); res.StatusCode < 500 {
		t.Fatalf("search answers %s with Wharf stopped: is Wharf really down?", res.Status)
	}
	for _, source := range []string{n.url + "/v3/index.json", n.url + "/feeds/default/v3/index.json"} {
		out := filepath.Join(e.work, "out-"+fmt.Sprint(len(source)))
		e.nugetOK(t, "install", "Offline.App", "-Version", "2.0.0", "-Source", source, "-OutputDirectory", out)
		for _, dir := range []string{"Offline.App.2.0.0", "Offline.Base.1.0.0"} {
			if _, err := os.Stat(filepath.Join(out, dir)); err != nil {
				t.Errorf("install from %s with Wharf down: %s is not installed", source, dir)
			}
		}
	}
}
