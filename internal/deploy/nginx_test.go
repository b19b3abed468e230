package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNginxConfig: the configuration names this installation (host,
// port, Wharf's address, the static root), serves the static copy only
// when there is one, listens with TLS for an https base URL, and nginx
// itself accepts it (nginx -t) when it is installed.
func TestNginxConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		n    Nginx
		want []string
		not  []string
	}{
		{"folder store", Nginx{BaseURL: "http://nuget.example.com:8080", Wharf: ":5555", StaticRoot: "/srv/wharf/packages/static", MaxBody: 251 << 20},
			[]string{"listen 8080;", "server_name nuget.example.com;", "server 127.0.0.1:5555;", "root /srv/wharf/packages/static;",
				"gzip_static on;", "open_file_cache max=", "try_files $uri @wharf;", "client_max_body_size 263192576;", "proxy_request_buffering off;"},
			[]string{"ssl"}},
		{"https", Nginx{BaseURL: "https://nuget.example.com", Wharf: "10.0.0.5:5555", StaticRoot: "/srv/static"},
			[]string{"listen 443 ssl;", "ssl_certificate     /etc/nginx/tls/nuget.example.com.crt;", "server 10.0.0.5:5555;"}, nil},
		{"no static copy", Nginx{BaseURL: "http://nuget.example.com", Wharf: "127.0.0.1:5555"},
			[]string{"every request goes to Wharf", "proxy_pass http://wharf;"}, []string{"root ", "@wharf", "gzip_static"}},
	} {
		conf, err := c.n.Config()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, w := range c.want {
			if !strings.Contains(conf, w) {
				t.Errorf("%s: the configuration lacks %q:\n%s", c.name, w, conf)
			}
		}
		for _, w := range c.not {
			if strings.Contains(conf, w) {
				t.Errorf("%s: the configuration has %q:\n%s", c.name, w, conf)
			}
		}
	}
	for _, bad := range []Nginx{{BaseURL: "nuget.example.com", Wharf: ":5555"}, {BaseURL: "http://h/sub", Wharf: ":5555"}, {BaseURL: "http://h", Wharf: "5555"}} {
		if _, err := bad.Config(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}

	if _, err := exec.LookPath("nginx"); err != nil {
		t.Skip("nginx is not installed: the syntax check needs it")
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o755)
	n := Nginx{BaseURL: "http://127.0.0.1:18080", Wharf: "127.0.0.1:5555", StaticRoot: dir, Full: true, Prefix: dir}
	if os.Getuid() == 0 {
		n.User = "root"
	}
	conf, err := n.Config()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("nginx", "-t", "-c", file, "-p", dir, "-e", filepath.Join(dir, "error.log")).CombinedOutput(); err != nil {
		t.Errorf("nginx -t: %v\n%s\n%s", err, out, conf)
	}
}
