// Helpers for the end-to-end tests in e2e_test.go: building the wharf binary
// once, running "wharf serve" on a free port of 127.0.0.1 with its own data
// directory, running wharf's admin commands, running Microsoft's NuGet.exe
// under Mono in isolated directories, packing test packages, and reading the
// feed over plain HTTP.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/testenv"
)

const (
	healthTimeout   = 30 * time.Second // "wharf serve" must answer /healthz within this
	shutdownTimeout = 10 * time.Second // and exit 0 within this after SIGTERM
	nugetTimeout    = 3 * time.Minute  // one NuGet.exe run; a hang must not eat the go test timeout
	slowNuGet       = 10 * time.Second // a NuGet.exe run slower than this has its output logged
)

// build holds the wharf binary, built at most once per test binary run into
// a directory TestMain removes at the end.
var build struct {
	dir  string
	once sync.Once
	bin  string
	out  []byte
	err  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wharf-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "creating a directory for the wharf binary:", err)
		os.Exit(1)
	}
	build.dir = dir
	code := m.Run()
	pgtest.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// wharfBinary builds cmd/wharf with "go build" on first use (only the
// end-to-end tests pay for it) and returns the binary's path.
func wharfBinary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			build.err = fmt.Errorf("the go command is not on PATH: %w", err)
			return
		}
		bin := filepath.Join(build.dir, "wharf")
		cmd := exec.Command(goTool, "build", "-o", bin, ".")
		build.out, build.err = cmd.CombinedOutput()
		build.bin = bin
	})
	if build.err != nil {
		t.Fatalf("building the wharf binary (go build -o wharf . in cmd/wharf) failed: %v\n%s", build.err, build.out)
	}
	return build.bin
}

// nugetExe returns the paths of mono and NuGet.exe. Without WHARF_NUGET_EXE
// the test is skipped, except in CI, where the real-client test must run.
func nugetExe(t *testing.T) (mono, exe string) {
	t.Helper()
	exe = os.Getenv("WHARF_NUGET_EXE")
	if exe == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but WHARF_NUGET_EXE is not: CI must run the end-to-end test with the real NuGet client. " +
				".ci/run installs Mono and NuGet.exe 5.8 and sets WHARF_NUGET_EXE; point it at nuget-5.8.0.exe.")
		}
		t.Skip("skipping the end-to-end test with the real NuGet client: set WHARF_NUGET_EXE to the path of " +
			"nuget-5.8.0.exe (Mono must be installed; .ci/run does both), e.g. " +
			"WHARF_NUGET_EXE=$PWD/.ci/cache/node_modules/nuget-exe/nuget-5.8.0.exe go test ./cmd/wharf/ -run E2E -v")
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("WHARF_NUGET_EXE=%s: %v", exe, err)
	}
	mono, err := exec.LookPath("mono")
	if err != nil {
		t.Fatalf("WHARF_NUGET_EXE is set but mono is not on PATH (NuGet.exe runs under Mono): %v", err)
	}
	return mono, exe
}

// cleanEnv is the test's environment without variables that would change
// what the subprocesses do: WHARF_* settings, NuGet's and Mono's per-user
// directories, and HTTP proxies (everything talks to 127.0.0.1).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		switch {
		case strings.HasPrefix(upper, "WHARF_"), strings.HasPrefix(upper, "NUGET_"), strings.HasPrefix(upper, "XDG_"),
			strings.HasSuffix(upper, "_PROXY"), upper == "HOME":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// e2e is one end-to-end test's world: a running "wharf serve" with its own
// data directory, and NuGet.exe.
type e2e struct {
	bin, data, base string // the wharf binary, its data directory, http://127.0.0.1:PORT
	feed            string // base + /v3/index.json, what users pass to -Source
	mono, exe       string
	work            string // scratch directory for NuGet.exe runs and packages
	runs            atomic.Int64
	srv             *exec.Cmd
	srvOut          *testenv.Buffer
	srvDone         chan struct{} // closed when the server process has exited
	srvErr          error         // its Wait result, valid after srvDone
	http            *http.Client
	resources       map[string]string // service index @type -> @id
	extraEnv        []string          // added to the server's environment
	exited          bool              // the test stopped the server itself and checked its exit
	publicBase      string            // the base URL when a proxy fronts the server; "" for base
}

// newE2E checks for NuGet.exe, builds wharf and starts "wharf serve" on a
// free port with a fresh data directory. Cleanup stops it with SIGTERM and
// checks that it exits 0 within shutdownTimeout; the server's log is printed
// when the test failed.
func newE2E(t *testing.T) *e2e { return newE2EWith(t, nil) }

// newE2EWith is newE2E with extra environment for the server (KEY=VALUE).
func newE2EWith(t *testing.T, env []string) *e2e {
	t.Helper()
	mono, exe := nugetExe(t)
	e := &e2e{
		bin: wharfBinary(t), data: t.TempDir(), work: t.TempDir(), mono: mono, exe: exe,
		http:     &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}},
		extraEnv: env,
	}
	// Another process can take the free port between our probe and the
	// server's bind: try a few ports before giving up.
	for attempt := 1; ; attempt++ {
		err := e.startServer(t)
		if err == nil {
			break
		}
		if attempt < 3 && strings.Contains(e.srvOut.String(), "address already in use") {
			t.Logf("port was taken, retrying: %v", err)
			continue
		}
		t.Fatalf("wharf serve did not come up: %v\nserver output:\n%s", err, e.srvOut.String())
	}
	t.Logf("wharf serving %s (data %s)", e.feed, e.data)
	return e
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startServer starts the server and waits for /healthz. On success it
// registers the cleanup that stops it; on failure the process has exited.
func (e *e2e) startServer(t *testing.T) error {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	e.base = "http://" + addr
	e.feed = e.base + "/v3/index.json"
	e.srvOut = &testenv.Buffer{}
	public := e.base
	if e.publicBase != "" {
		public = e.publicBase
	}
	cmd := exec.Command(e.bin, "serve", "--data", e.data, "--listen", addr, "--base-url", public)
	cmd.Env = append(cleanEnv(), e.extraEnv...)
	cmd.Stdout, cmd.Stderr = e.srvOut, e.srvOut
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", e.bin, err)
	}
	e.srv, e.srvDone = cmd, make(chan struct{})
	go func() {
		e.srvErr = cmd.Wait()
		close(e.srvDone)
	}()

	deadline := time.Now().Add(healthTimeout)
	var last string
	for {
		select {
		case <-e.srvDone:
			return fmt.Errorf("wharf serve exited before answering /healthz: %v", e.srvErr)
		default:
		}
		status, body, err := e.get(e.base + "/healthz")
		switch {
		case err != nil:
			last = err.Error()
		case status == http.StatusOK && strings.TrimSpace(string(body)) == "ok":
			t.Cleanup(func() { e.stopServer(t) })
			return nil
		default:
			last = fmt.Sprintf("status %d, body %q", status, body)
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-e.srvDone
			return fmt.Errorf("GET /healthz did not return 200 \"ok\" within %v (last: %s)", healthTimeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stopServer sends SIGTERM and requires a clean exit within shutdownTimeout.
func (e *e2e) stopServer(t *testing.T) {
	if e.exited {
		return
	}
	select {
	case <-e.srvDone:
		t.Errorf("wharf serve exited while the test was running: %v", e.srvErr)
	default:
		if err := e.srv.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("sending SIGTERM to wharf serve: %v", err)
		}
		select {
		case <-e.srvDone:
			if e.srvErr != nil {
				t.Errorf("wharf serve did not exit 0 after SIGTERM: %v", e.srvErr)
			}
		case <-time.After(shutdownTimeout):
			_ = e.srv.Process.Kill()
			<-e.srvDone
			t.Errorf("wharf serve did not exit within %v of SIGTERM; killed it", shutdownTimeout)
		}
	}
	if t.Failed() {
		t.Logf("wharf serve output:\n%s", e.srvOut.String())
	}
}

// serverGone says whether the server has died, for failure messages.
func (e *e2e) serverGone() string {
	select {
	case <-e.srvDone:
		return fmt.Sprintf("\n(wharf serve is no longer running: %v)", e.srvErr)
	default:
		return ""
	}
}

// wharf runs an admin command of the binary on the test's data directory.
func (e *e2e) wharf(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	args = append(args, "--data", e.data)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env = append(cleanEnv(), e.extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code = exitCode(t, err)
	return out.String(), errOut.String(), code
}

// wharfOK runs an admin command that must succeed.
func (e *e2e) wharfOK(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, code := e.wharf(t, args...)
	if code != 0 {
		t.Fatalf("wharf %s: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}

var createdKeyRE = regexp.MustCompile(`Created key (\d+) for `)

// addKey runs "wharf key add" and returns the key (stdout, which must be
// that one line) and its ID (from "Created key N for NAME." on stderr).
func (e *e2e) addKey(t *testing.T, args ...string) (key, id string) {
	t.Helper()
	stdout, stderr := e.wharfOK(t, append([]string{"key", "add"}, args...)...)
	key = strings.TrimSuffix(stdout, "\n")
	if key == "" || strings.ContainsAny(key, " \t\r\n") {
		t.Fatalf("wharf key add %s: stdout must be only the key on one line, got %q (stderr %q)", strings.Join(args, " "), stdout, stderr)
	}
	m := createdKeyRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("wharf key add %s: stderr does not say \"Created key N for NAME.\": %q", strings.Join(args, " "), stderr)
	}
	return key, m[1]
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode()
	default:
		t.Fatalf("running a subprocess: %v", err)
		return -1
	}
}

const isolatedNuGetConfig = `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
  </packageSources>
</configuration>
`

// nuget runs NuGet.exe under Mono with -NonInteractive, in a fresh HOME,
// global packages folder and HTTP cache every time (its HTTP cache would
// otherwise serve stale feed documents for 30 minutes), and returns its
// combined output and exit code.
func (e *e2e) nuget(t *testing.T, args ...string) (string, int) {
	t.Helper()
	n := e.runs.Add(1)
	dir := filepath.Join(e.work, fmt.Sprintf("nuget-run-%03d", n))
	home := filepath.Join(dir, "home")
	for _, d := range []string{home, filepath.Join(dir, "packages"), filepath.Join(dir, "http-cache")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// No machine-wide sources: without this NuGet.exe writes a NuGet.Config
	// naming nuget.org into the fresh HOME.
	cfgDir := filepath.Join(home, ".config", "NuGet")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "NuGet.Config"), []byte(isolatedNuGetConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(args, func(a string) bool { return strings.EqualFold(a, "-NonInteractive") }) {
		args = append(args, "-NonInteractive")
	}
	ctx, cancel := context.WithTimeout(context.Background(), nugetTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.mono, append([]string{e.exe}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(),
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
		"NUGET_PACKAGES="+filepath.Join(dir, "packages"),
		"NUGET_HTTP_CACHE_PATH="+filepath.Join(dir, "http-cache"),
	)
	var out bytes.Buffer // one writer for both: os/exec serialises the writes
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("nuget %s: no exit within %v; output so far:\n%s%s", strings.Join(args, " "), nugetTimeout, out.String(), e.serverGone())
	}
	code := exitCode(t, err)
	took := time.Since(start)
	t.Logf("nuget %s -> exit %d (%.1fs)", strings.Join(args, " "), code, took.Seconds())
	if took > slowNuGet {
		// A call that normally takes a second or two: show why.
		t.Logf("that took over %v; its output:\n%s", slowNuGet, out.String())
	}
	return out.String(), code
}

// nugetOK runs NuGet.exe and requires exit 0. A read-only command that
// fails is run again with -Verbosity detailed, and both outputs are shown.
func (e *e2e) nugetOK(t *testing.T, args ...string) string {
	t.Helper()
	out, code := e.nuget(t, args...)
	if code == 0 {
		return out
	}
	msg := fmt.Sprintf("nuget %s: exit %d, want 0; output:\n%s", strings.Join(args, " "), code, out)
	switch args[0] {
	case "install", "restore", "search":
		detailed, _ := e.nuget(t, append(args, "-Verbosity", "detailed")...)
		msg += "\nthe same with -Verbosity detailed:\n" + detailed
	}
	t.Fatal(msg + e.serverGone())
	return ""
}

// nugetFails runs NuGet.exe and requires a non-zero exit code and output
// containing every one of want (case-insensitive).
func (e *e2e) nugetFails(t *testing.T, want []string, args ...string) string {
	t.Helper()
	out, code := e.nuget(t, args...)
	if code == 0 {
		t.Errorf("nuget %s: exit 0, want a failure; output:\n%s", strings.Join(args, " "), out)
		return out
	}
	if missing := missingFrom(out, want...); len(missing) > 0 {
		t.Errorf("nuget %s: exit %d as expected, but the output lacks %q; output:\n%s%s", strings.Join(args, " "), code, missing, out, e.serverGone())
	}
	return out
}

// missingFrom returns the strings of want that s lacks, ignoring case.
func missingFrom(s string, want ...string) []string {
	var missing []string
	for _, w := range want {
		if !strings.Contains(strings.ToLower(s), strings.ToLower(w)) {
			missing = append(missing, w)
		}
	}
	return missing
}

// push pushes a package with NuGet.exe and returns output and exit code.
func (e *e2e) push(t *testing.T, nupkg, key string, extra ...string) (string, int) {
	t.Helper()
	args := []string{"push", nupkg, "-Source", e.feed}
	if key != "" {
		args = append(args, "-ApiKey", key)
	}
	return e.nuget(t, append(args, extra...)...)
}

// pushOK pushes a package that must be accepted.
func (e *e2e) pushOK(t *testing.T, nupkg, key string, extra ...string) string {
	t.Helper()
	out, code := e.push(t, nupkg, key, extra...)
	if code != 0 {
		t.Fatalf("nuget push %s: exit %d, want 0; output:\n%s%s", filepath.Base(nupkg), code, out, e.serverGone())
	}
	return out
}

// pushFails pushes a package that must be refused with output containing
// every one of want.
func (e *e2e) pushFails(t *testing.T, nupkg, key string, want ...string) string {
	t.Helper()
	args := []string{"push", nupkg, "-Source", e.feed}
	if key != "" {
		args = append(args, "-ApiKey", key)
	}
	return e.nugetFails(t, want, args...)
}

// pkg describes a package for pack.
type pkg struct {
	ID, Version string
	Deps        string // extra nuspec XML inside <metadata>, e.g. <dependencies>
	Payload     int    // bytes of incompressible content to include (0: none)
}

// pack writes a nuspec (with a content file, which NuGet.exe requires) and
// packs it with NuGet.exe, returning the .nupkg's path.
func (e *e2e) pack(t *testing.T, p pkg) string {
	t.Helper()
	dir, err := os.MkdirTemp(e.work, "pack-")
	if err != nil {
		t.Fatal(err)
	}
	nuspec := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>%s</id>
    <version>%s</version>
    <authors>Contoso</authors>
    <description>%s %s, packed by Wharf's end-to-end test.</description>
    <tags>e2e widget</tags>%s
  </metadata>
  <files>
    <file src="readme.txt" target="content" />%s
  </files>
</package>
`, p.ID, p.Version, p.ID, p.Version, p.Deps, payloadFile(t, dir, p.Payload))
	spec := filepath.Join(dir, p.ID+".nuspec")
	if err := os.WriteFile(spec, []byte(nuspec), 0o644); err != nil {
		t.Fatal(err)
	}
	readme := fmt.Sprintf("%s %s\n", p.ID, p.Version)
	if err := os.WriteFile(filepath.Join(dir, "readme.txt"), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(dir, "out")
	e.nugetOK(t, "pack", spec, "-OutputDirectory", outDir)
	found, _ := filepath.Glob(filepath.Join(outDir, "*.nupkg"))
	if len(found) != 1 {
		t.Fatalf("nuget pack %s %s: want one .nupkg in %s, found %q", p.ID, p.Version, outDir, found)
	}
	return found[0]
}

// get fetches a URL without failing the test.
func (e *e2e) get(url string) (int, []byte, error) {
	resp, err := e.http.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// getJSON fetches a URL and decodes it into v when the status is 200.
func (e *e2e) getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	status, body, err := e.get(url)
	if err != nil {
		t.Fatalf("GET %s: %v%s", url, err, e.serverGone())
	}
	if status == http.StatusOK {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: the body is not the JSON expected: %v\n%s", url, err, body)
		}
	}
	return status
}

// resource returns the @id of the first of types the service index offers.
func (e *e2e) resource(t *testing.T, types ...string) string {
	t.Helper()
	if e.resources == nil {
		var idx struct {
			Resources []struct {
				ID   string `json:"@id"`
				Type string `json:"@type"`
			} `json:"resources"`
		}
		if status := e.getJSON(t, e.feed, &idx); status != http.StatusOK {
			t.Fatalf("GET %s: status %d, want 200", e.feed, status)
		}
		e.resources = map[string]string{}
		for _, r := range idx.Resources {
			if _, dup := e.resources[r.Type]; !dup {
				e.resources[r.Type] = r.ID
			}
		}
	}
	for _, typ := range types {
		if id, ok := e.resources[typ]; ok {
			return id
		}
	}
	t.Fatalf("the service index %s offers none of %q", e.feed, types)
	return ""
}

// versions returns the flat container's version list for id (nil on 404).
func (e *e2e) versions(t *testing.T, id string) []string {
	t.Helper()
	url := strings.TrimSuffix(e.resource(t, "PackageBaseAddress/3.0.0"), "/") + "/" + strings.ToLower(id) + "/index.json"
	var v struct {
		Versions []string `json:"versions"`
	}
	switch status := e.getJSON(t, url, &v); status {
	case http.StatusOK:
		return v.Versions
	case http.StatusNotFound:
		return nil
	default:
		t.Fatalf("GET %s: status %d, want 200 or 404", url, status)
		return nil
	}
}

// wantVersions checks the flat container's version list for id.
func (e *e2e) wantVersions(t *testing.T, id string, want ...string) {
	t.Helper()
	if got := e.versions(t, id); !slices.Equal(got, want) {
		t.Errorf("flat container versions of %s = %q, want %q", id, got, want)
	}
}

// catalogEntry is the part of a registration leaf the tests look at.
type catalogEntry struct {
	ID          string `json:"id"`
	Version     string `json:"version"`
	Listed      *bool  `json:"listed"` // missing means listed
	Deprecation *struct {
		Reasons          []string `json:"reasons"`
		Message          string   `json:"message"`
		AlternatePackage *struct {
			ID    string `json:"id"`
			Range string `json:"range"`
		} `json:"alternatePackage"`
	} `json:"deprecation"`
	Vulnerabilities []struct {
		AdvisoryURL string `json:"advisoryUrl"`
		Severity    string `json:"severity"`
	} `json:"vulnerabilities"`
}

// registration returns every catalog entry of id's registration index,
// fetching pages that are not inlined.
func (e *e2e) registration(t *testing.T, id string) []catalogEntry {
	t.Helper()
	base := e.resource(t, "RegistrationsBaseUrl/3.6.0", "RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl")
	url := strings.TrimSuffix(base, "/") + "/" + strings.ToLower(id) + "/index.json"
	type page struct {
		ID    string `json:"@id"`
		Items []struct {
			CatalogEntry catalogEntry `json:"catalogEntry"`
		} `json:"items"`
	}
	var idx struct {
		Items []page `json:"items"`
	}
	if status := e.getJSON(t, url, &idx); status != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", url, status)
	}
	var entries []catalogEntry
	for _, p := range idx.Items {
		if p.Items == nil {
			if status := e.getJSON(t, p.ID, &p); status != http.StatusOK {
				t.Fatalf("GET %s (registration page): status %d, want 200", p.ID, status)
			}
		}
		for _, it := range p.Items {
			entries = append(entries, it.CatalogEntry)
		}
	}
	return entries
}

// listed reports whether the registration says version of id is listed.
func (e *e2e) listed(t *testing.T, id, version string) bool {
	t.Helper()
	entries := e.registration(t, id)
	for _, ce := range entries {
		if strings.EqualFold(ce.Version, version) {
			return ce.Listed == nil || *ce.Listed
		}
	}
	t.Fatalf("the registration of %s has no version %s: %+v", id, version, entries)
	return false
}

// searchResult is the part of a search hit the tests look at.
type searchResult struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// searchHTTP queries the search service the way NuGet clients do.
func (e *e2e) searchHTTP(t *testing.T, q string, prerelease bool) []searchResult {
	t.Helper()
	url := fmt.Sprintf("%s?q=%s&skip=0&take=20&prerelease=%t&semVerLevel=2.0.0",
		e.resource(t, "SearchQueryService/3.0.0-beta", "SearchQueryService/3.5.0", "SearchQueryService"), q, prerelease)
	var res struct {
		Data []searchResult `json:"data"`
	}
	if status := e.getJSON(t, url, &res); status != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", url, status)
	}
	return res.Data
}

// changeListing sends DELETE (unlist) or POST (relist) for id/version with
// an API key, as NuGet clients do, and returns the status and reason text.
func (e *e2e) changeListing(t *testing.T, method, id, version, key string) (int, string) {
	t.Helper()
	url := strings.TrimSuffix(e.resource(t, "PackagePublish/2.0.0"), "/") + "/" + id + "/" + version
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-NuGet-ApiKey", key)
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v%s", method, url, err, e.serverGone())
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, fmt.Sprintf("%s %s -> %s; X-NuGet-Warning %q; body %s", method, url, resp.Status, resp.Header.Get("X-NuGet-Warning"), body)
}

// searchVersion finds id's line in "nuget search" output ("> Id | Version |
// Downloads: N") and returns the version shown, or "" if id is not listed.
func searchVersion(out, id string) string {
	for line := range strings.Lines(out) {
		fields := strings.Split(strings.TrimPrefix(strings.TrimSpace(line), "> "), " | ")
		if len(fields) >= 2 && strings.TrimSpace(fields[0]) == id {
			return strings.TrimSpace(fields[1])
		}
	}
	return ""
}

// installedPackages lists the package folders NuGet.exe created in dir.
func installedPackages(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, en := range entries {
		if en.IsDir() {
			names = append(names, en.Name())
		}
	}
	return names
}

// wantInstalled checks that dir holds exactly the package folders want
// (e.g. "Contoso.Widget.1.1.0") and, for each entry of same, that the
// .nupkg NuGet.exe saved in that folder is byte-identical to the one pushed.
func wantInstalled(t *testing.T, dir string, want []string, same map[string]string) {
	t.Helper()
	got := installedPackages(t, dir)
	if !slices.Equal(got, want) {
		t.Errorf("package folders in %s = %q, want %q", dir, got, want)
	}
	for folder, pushed := range same {
		saved := filepath.Join(dir, folder, folder+".nupkg")
		a, err := os.ReadFile(saved)
		if err != nil {
			t.Errorf("the installed package file is missing: %v", err)
			continue
		}
		b, err := os.ReadFile(pushed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s (%d bytes) differs from the pushed %s (%d bytes): the feed must serve the original bytes", saved, len(a), pushed, len(b))
		}
	}
}

// payloadFile writes n random bytes into dir and returns the nuspec <file>
// element that packs them, or "" for n == 0.
func payloadFile(t *testing.T, dir string, n int) string {
	t.Helper()
	if n == 0 {
		return ""
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "payload.bin"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return "\n    <file src=\"payload.bin\" target=\"content\" />"
}
