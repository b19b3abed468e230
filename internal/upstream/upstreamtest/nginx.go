package upstreamtest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Feed is the fixture served by a running nginx.
type Feed struct {
	// IndexURL is the service index, e.g. http://127.0.0.1:PORT/v3/index.json.
	IndexURL string
	// Base is the feed's URL without a trailing slash.
	Base string
	dir  string
	cmd  *exec.Cmd
	t    testing.TB
}

const conf = `
%s
worker_processes 1;
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 256; }
http {
  types { application/json json; application/octet-stream nupkg; }
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path %[2]s/tmp/body;
  proxy_temp_path %[2]s/tmp/proxy;
  fastcgi_temp_path %[2]s/tmp/fastcgi;
  uwsgi_temp_path %[2]s/tmp/uwsgi;
  scgi_temp_path %[2]s/tmp/scgi;
  server {
    listen 127.0.0.1:%[3]d;
    root %[2]s/root;
    location /v3/registration5-gz-semver2/ { gzip_static always; gunzip on; default_type application/json; }
    location = /query { default_type application/json; try_files /query.json =404; }
    location = /autocomplete { default_type application/json; try_files /autocomplete.json =404; }
    location / { }
  }
}
`

// Start writes pkgs as a nuget.org-shaped feed and serves it with nginx on
// a free port of 127.0.0.1 until the test ends. Without nginx the test is
// skipped.
func Start(t testing.TB, pkgs []Package) *Feed {
	t.Helper()
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Skip("nginx is not installed: the nuget.org-shaped upstream fixture needs it (apt-get install nginx-light)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	f := &Feed{Base: fmt.Sprintf("http://127.0.0.1:%d", port), dir: t.TempDir(), t: t}
	f.IndexURL = f.Base + "/v3/index.json"
	if err := Write(filepath.Join(f.dir, "root"), f.Base, pkgs); err != nil {
		t.Fatal(err)
	}
	user := ""
	if os.Getuid() == 0 {
		user = "user root;"
	}
	if err := os.MkdirAll(filepath.Join(f.dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "nginx.conf"), []byte(fmt.Sprintf(conf, user, f.dir, port)), 0o644); err != nil {
		t.Fatal(err)
	}
	f.Start()
	t.Cleanup(f.Stop)
	return f
}

// Start starts nginx (again) and waits until the service index answers.
func (f *Feed) Start() {
	f.t.Helper()
	f.cmd = exec.Command("nginx", "-c", filepath.Join(f.dir, "nginx.conf"), "-p", f.dir, "-e", filepath.Join(f.dir, "error.log"))
	if err := f.cmd.Start(); err != nil {
		f.t.Fatalf("starting nginx: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(f.IndexURL)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(f.dir, "error.log"))
			f.Stop()
			f.t.Fatalf("nginx did not serve %s within 10s: %v\n%s", f.IndexURL, err, log)
		}
	}
}

// Stop stops nginx, as an outage of the source would.
func (f *Feed) Stop() {
	if f.cmd == nil || f.cmd.Process == nil {
		return
	}
	_ = f.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = f.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = f.cmd.Process.Kill()
		<-done
	}
	f.cmd = nil
}
