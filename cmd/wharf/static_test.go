package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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

// waitStaticConverged polls 'wharf check --static' until it passes.
func waitStaticConverged(t *testing.T, e *e2e, what string) {
	t.Helper()
	env := e.extraEnv
	defer func() { e.extraEnv = env }()
	base := e.base
	if e.publicBase != "" {
		base = e.publicBase
	}
	e.extraEnv = append(env[:len(env):len(env)], "WHARF_BASE_URL="+base) // the server's, given as a flag
	var out, stderr string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		var code int
		out, stderr, code = e.wharf(t, "check", "--static")
		if code == 0 {
			return
		}
	}
	t.Fatalf("%s: the static copy did not converge to the database within 30s:\n%s%s\nserver output:\n%s", what, out, stderr, e.srvOut.String())
}

// TestKillStaticConverges: the static copy converges to the database
// after the server is killed with SIGKILL at random moments of pushes,
// unlists and relists, and after changes made while nothing published
// them (a server with static_copy off stands for a crash between the
// commit and the copy).
func TestKillStaticConverges(t *testing.T) {
	rounds, seed := 6, crashSeed(t)
	t.Logf("seed %d (rerun with WHARF_CRASH_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	data := t.TempDir()
	// One public base URL for every start, as behind a proxy: a new one
	// would rebuild the whole copy, and this test is about catching up.
	start := func(env ...string) *e2e {
		e := &e2e{
			bin: wharfBinary(t), data: data, work: t.TempDir(), extraEnv: env, publicBase: "http://wharf.test",
			http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}},
		}
		if err := e.startServer(t); err != nil {
			t.Fatalf("wharf serve did not come up: %v\n%s", err, e.srvOut.String())
		}
		return e
	}

	push := func(e *e2e, key, id, version string) {
		t.Helper()
		p := &crashPush{id: id, version: version, body: nugettest.Spec{ID: id, Version: version}.Build()}
		if status, err := e.send(p, key); err != nil || status != http.StatusCreated {
			t.Fatalf("push %s %s: %d %v", id, version, status, err)
		}
	}

	// Changes nothing published: the next start catches up from the
	// revision the copy recorded.
	e := start()
	key := e.apiKey(t, "alice")
	push(e, key, "Unpublished.Lib", "1.0.0")
	waitStaticConverged(t, e, "with static_copy on")
	e.stopServer(t)
	e.exited = true
	e = start("WHARF_STATIC_COPY=false")
	for i := 1; i <= 2; i++ {
		push(e, key, "Unpublished.Lib", fmt.Sprintf("1.0.%d", i))
	}
	push(e, key, "Unpublished.Other", "1.0.0")
	req, _ := http.NewRequest(http.MethodDelete, e.base+"/api/v2/package/Unpublished.Lib/1.0.0", nil)
	req.Header.Set("X-NuGet-ApiKey", key)
	if res, err := e.http.Do(req); err != nil || res.StatusCode >= 300 {
		t.Fatalf("unlist: %v %v", res, err)
	}
	e.stopServer(t)
	e.exited = true
	// The data directory's wharf.toml recorded static_copy = false: the
	// operator turns it back on as they turned it off.
	e = start("WHARF_STATIC_COPY=true")
	waitStaticConverged(t, e, "after changes made with static_copy off")
	if strings.Contains(e.srvOut.String(), "rebuilt the static copy") {
		t.Errorf("the server rebuilt the whole copy rather than catch up from the recorded revision:\n%s", e.srvOut.String())
	}

	for round := 1; round <= rounds; round++ {
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := &crashPush{id: fmt.Sprintf("Kill.Pkg%d", i%3), version: fmt.Sprintf("1.%d.%d", round, i)}
				p.body = nugettest.Spec{ID: p.id, Version: p.version}.Build()
				if status, err := e.send(p, key); err == nil && status == http.StatusCreated && i%2 == 0 {
					req, _ := http.NewRequest(http.MethodDelete, e.base+"/api/v2/package/"+p.id+"/"+p.version, nil)
					req.Header.Set("X-NuGet-ApiKey", key)
					if res, err := e.http.Do(req); err == nil {
						res.Body.Close()
					}
				}
			}()
		}
		time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond))))
		if err := e.srv.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-e.srvDone
		e.exited = true
		wg.Wait()
		e = start()
		waitStaticConverged(t, e, fmt.Sprintf("round %d", round))
	}
}
