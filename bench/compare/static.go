package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/web"
)

// The static column: nginx running the configuration 'wharf deploy nginx'
// prints, in front of the Wharf under test, serving Wharf's own static
// copy of the restore path (web/static.go) from its package folder.

// staticCopyTimeout bounds the wait for Wharf to write its static copy
// of the seeded feed (every .nupkg is copied once).
const staticCopyTimeout = 20 * time.Minute

// startStaticFront waits until wh has written the static copy of every
// document the rows read, then runs nginx with the generated
// configuration on a free port.
func startStaticFront(ctx context.Context, o options, wh *server, data string, out, w io.Writer) (*server, error) {
	root := filepath.Join(data, "packages", "static")
	var want []string
	for _, d := range []string{"versions", "registration", "nupkg"} {
		want = append(want, docPaths[d](o.shape)...)
	}
	progress(w, "waiting for Wharf's static copy of %d documents", len(want))
	// Wharf rebuilds the copy in the background at start when its base
	// URL changed, as it does here (a new port every run): wait until
	// the rebuild recorded this server's base, so that it does not run
	// during the measurements.
	state := filepath.Join(data, "packages", filepath.FromSlash(web.StaticStateKey))
	t0 := time.Now()
	for {
		missing := ""
		if b, err := os.ReadFile(state); err != nil || !strings.Contains(string(b), "base="+wh.base+" ") {
			missing = state
		}
		for _, p := range want {
			if missing != "" {
				break
			}
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); err != nil {
				missing = p
				break
			}
		}
		if missing == "" {
			break
		}
		if time.Since(t0) > staticCopyTimeout {
			return nil, fmt.Errorf("Wharf did not write its static copy within %s (still missing %s)", staticCopyTimeout, missing)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		time.Sleep(200 * time.Millisecond)
	}
	progress(w, "the static copy is complete (%s)", time.Since(t0).Round(time.Second))
	if _, err := warmPageCache(ctx, root, want); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(o.work, "static-nginx")
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		return nil, err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	args := []string{"deploy", "nginx", "--data", data, "--full", "--prefix", dir, "--listen-on", fmt.Sprintf("127.0.0.1:%d", port)}
	if os.Getuid() == 0 {
		args = append(args, "--user", "root")
	}
	cmd := exec.Command(o.wharfBin, args...)
	cmd.Env = append(os.Environ(), "WHARF_LISTEN="+strings.TrimPrefix(wh.base, "http://"), "WHARF_BASE_URL="+base)
	conf, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("wharf deploy nginx: %w", err)
	}
	file := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(file, conf, 0o644); err != nil {
		return nil, err
	}
	probe := docPaths["versions"](o.shape)[0]
	s, _, err := start("static", exec.Command(o.nginxBin, "-c", file, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-g", "daemon off;"), base, probe, out)
	return s, err
}
