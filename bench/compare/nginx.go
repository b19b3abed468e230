package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/wharf-registry/wharf/bench/internal/benchfeed"
	"github.com/wharf-registry/wharf/internal/registry"
)

// searchWords are the one-word queries of the search rows: every package
// matches "widgets"; each tagN matches a fiftieth of them.
func searchWords() []string {
	w := []string{"widgets", "gadgets"}
	for i := 0; i < 50; i++ {
		w = append(w, fmt.Sprintf("tag%d", i))
	}
	return w
}

// linkPackages hard-links every seeded .nupkg from Wharf's package folder
// into the nginx root at its flat-container path, so both servers serve
// the very same files from the same disk.
func linkPackages(ctx context.Context, t benchfeed.Target, sh benchfeed.Shape, root string) error {
	reg, closeDB, err := t.Open(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	for _, p := range nupkgPaths(sh) {
		src, err := storedNupkg(ctx, reg, filepath.Join(t.DataDir, "packages"), p)
		if err != nil {
			return err
		}
		if err := linkInto(src, filepath.Join(root, filepath.FromSlash(p))); err != nil {
			return err
		}
	}
	return nil
}

// storedNupkg returns where the package folder pkgDir keeps the .nupkg
// at flat-container path p (/v3/package/{id}/{version}/{file}).
func storedNupkg(ctx context.Context, reg *registry.Service, pkgDir, p string) (string, error) {
	parts := strings.Split(p, "/")
	if len(parts) != 6 {
		return "", fmt.Errorf("%s is not a flat-container .nupkg path", p)
	}
	_, pv, err := reg.Version(ctx, parts[3], parts[4])
	if err != nil {
		return "", err
	}
	return filepath.Join(pkgDir, filepath.FromSlash(pv.BlobPrefix), parts[5]), nil
}

// linkInto hard-links src at dst, creating dst's folder.
func linkInto(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Link(src, dst); err != nil && !os.IsExist(err) {
		return fmt.Errorf("link %s: %w (is the package folder on the same file system?)", src, err)
	}
	return nil
}

// exportDocs fetches every JSON document the rows measure from the running
// Wharf and writes it under root, with its gzip form beside it (Wharf's
// own compressed bytes), for nginx's gzip_static.
func exportDocs(base, root string, sh benchfeed.Shape) error {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	fetch := func(path, file string) error {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", path, res.Status)
		}
		raw, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		plain := raw
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				return err
			}
			if plain, err = io.ReadAll(zr); err != nil {
				return err
			}
		} else if raw, err = gzipBytes(plain); err != nil {
			return err
		}
		dst := filepath.Join(root, filepath.FromSlash(file))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, plain, 0o644); err != nil {
			return err
		}
		return os.WriteFile(dst+".gz", raw, 0o644)
	}
	for i := 0; i < sh.Packages; i++ {
		id := strings.ToLower(benchfeed.ID(i))
		for _, p := range []string{"/v3/package/" + id + "/index.json", "/v3/registration/" + id + "/index.json"} {
			if err := fetch(p, p); err != nil {
				return err
			}
		}
	}
	for _, w := range append(searchWords(), "") {
		q := "/v3/search?take=20"
		if w != "" {
			q = "/v3/search?q=" + url.QueryEscape(w) + "&take=20"
		}
		if err := fetch(q, "/v3/search/q-"+w+".json"); err != nil {
			return err
		}
	}
	return nil
}

func gzipBytes(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// nginxConf is a static-file server configured as one would for this job:
// sendfile, keep-alive, an open-file cache (8,000 descriptors per
// worker), and gzip for JSON from pre-compressed files (gzip_static).
var nginxConf = template.Must(template.New("nginx").Parse(`
{{if .AsRoot}}user root;{{end}}
worker_processes auto;
daemon off;
pid {{.Dir}}/nginx.pid;
error_log {{.Dir}}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  types { application/json json; application/octet-stream nupkg; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  open_file_cache max=8000 inactive=120s;
  open_file_cache_valid 120s;
  open_file_cache_errors on;
  gzip on;
  gzip_vary on;
  gzip_types application/json;
  gzip_min_length 512;
  access_log {{.Dir}}/nginx-access.log combined buffer=64k flush=1s;
  client_body_temp_path {{.Dir}}/nginx-tmp/body;
  proxy_temp_path {{.Dir}}/nginx-tmp/proxy;
  fastcgi_temp_path {{.Dir}}/nginx-tmp/fastcgi;
  uwsgi_temp_path {{.Dir}}/nginx-tmp/uwsgi;
  scgi_temp_path {{.Dir}}/nginx-tmp/scgi;
  server {
    listen 127.0.0.1:{{.Port}};
    root {{.Root}};
    location = /v3/search {
      default_type application/json;
      gzip_static on;
      try_files /v3/search/q-$arg_q.json =404;
    }
    location ~ \.json$ { gzip_static on; }
    location / { }
  }
}
`))

// startNginx writes the configuration into dir and runs nginx on port,
// serving root.
func startNginx(bin, dir, root string, port int, out io.Writer) (*server, error) {
	if err := os.MkdirAll(filepath.Join(dir, "nginx-tmp"), 0o755); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "nginx.conf")
	f, err := os.Create(conf)
	if err != nil {
		return nil, err
	}
	err = nginxConf.Execute(f, map[string]any{"Dir": dir, "Root": root, "Port": port, "AsRoot": os.Getuid() == 0})
	f.Close()
	if err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, "nginx-access.log"))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	s, _, err := start("nginx", exec.Command(bin, "-c", conf, "-p", dir, "-e", filepath.Join(dir, "nginx-error.log")), base, "/v3/search?take=20", out)
	return s, err
}
