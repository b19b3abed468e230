// Helpers for the tests of 'wharf deploy nginx': Wharf behind the real
// nginx, configured with what the command prints.
package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// nginxFront is nginx running the configuration 'wharf deploy nginx'
// printed for a server.
type nginxFront struct {
	url  string // http://127.0.0.1:PORT, the server's public base URL
	dir  string
	conf string
	cmd  *exec.Cmd
}

// startWharfBehindNginx starts "wharf serve" on data (a fresh directory
// when "") with nginx in front, as docs/deployment.md says: the base URL
// is nginx's, and nginx runs 'wharf deploy nginx --full'. Without nginx
// the test is skipped, except in CI.
func startWharfBehindNginx(t *testing.T, data string, env ...string) (*e2e, *nginxFront) {
	t.Helper()
	if _, err := exec.LookPath("nginx"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nginx is not installed; .ci/run installs it")
		}
		t.Skip("nginx is not installed (apt-get install nginx-light)")
	}
	if data == "" {
		data = t.TempDir()
	}
	port := freePort(t)
	n := &nginxFront{url: fmt.Sprintf("http://127.0.0.1:%d", port), dir: t.TempDir()}
	env = append(env, "WHARF_BASE_URL="+n.url) // for the admin commands
	e := &e2e{
		bin: wharfBinary(t), data: data, work: t.TempDir(), extraEnv: env, publicBase: n.url,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}},
	}
	for attempt := 1; ; attempt++ {
		err := e.startServer(t)
		if err == nil {
			break
		}
		if attempt >= 3 || !strings.Contains(e.srvOut.String(), "address already in use") {
			t.Fatalf("wharf serve did not come up: %v\nserver output:\n%s", err, e.srvOut.String())
		}
	}
	args := []string{"deploy", "nginx", "--data", data, "--full", "--prefix", n.dir, "--workers", "1"}
	if os.Getuid() == 0 {
		args = append(args, "--user", "root")
	}
	cmd := exec.Command(e.bin, args...)
	cmd.Env = append(cleanEnv(), append(env, "WHARF_LISTEN="+strings.TrimPrefix(e.base, "http://"))...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("wharf deploy nginx: %v\n%s", err, errOut.String())
	}
	n.conf = out.String()
	if err := os.MkdirAll(filepath.Join(n.dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(n.dir, "nginx.conf"), out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	n.start(t)
	t.Cleanup(n.stop)
	e.feed = n.url + "/v3/index.json" // what users give their clients
	return e, n
}

// start runs nginx and waits until it answers.
func (n *nginxFront) start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command("nginx", "-c", filepath.Join(n.dir, "nginx.conf"), "-p", n.dir, "-e", filepath.Join(n.dir, "error.log"), "-g", "daemon off;")
	var out bytes.Buffer
	n.cmd.Stdout, n.cmd.Stderr = &out, &out
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("starting nginx: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(n.url + "/healthz")
		if err == nil {
			res.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(n.dir, "error.log"))
			n.stop()
			t.Fatalf("nginx did not answer within 10s: %v\n%s\n%s\nconfiguration:\n%s", err, out.String(), log, n.conf)
		}
	}
}

// stop stops nginx.
func (n *nginxFront) stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	_ = n.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = n.cmd.Process.Kill()
		<-done
	}
	n.cmd = nil
}

// fetch GETs a URL with gzip accepted, as NuGet clients do, and returns
// the answer with its (decompressed) body and whether nginx answered it
// from the static copy (Wharf's answers carry X-Request-Id).
func fetch(t *testing.T, url string) (res *http.Response, body string, static bool) {
	t.Helper()
	res, err := (&http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res, b.String(), res.Header.Get("X-Request-Id") == ""
}
