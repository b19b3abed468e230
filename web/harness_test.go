package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/testenv"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"github.com/wharf-registry/wharf/web"
)

var update = flag.Bool("update", false, "rewrite golden files")

// feed is a real Wharf server on 127.0.0.1 over the test backend's stores
// (testenv.Backend: SQLite or PostgreSQL, and the filesystem store in a
// temp dir), with a fixed clock. The server is web.Server.HTTPServer, with
// the connection limits of a real deployment.
type feed struct {
	t     testing.TB
	srv   *httptest.Server
	reg   *registry.Service
	urls  web.URLs
	key   string // alice's key
	data  string
	db    *db.DB
	blobs storage.Blobs
}

func newFeed(t *testing.T) *feed {
	return newFeedWith(t, registry.Options{})
}

func newFeedWith(t testing.TB, o registry.Options) *feed {
	t.Helper()
	return newFeedBehind(t, o, nil)
}

// newFeedBehind is newFeedWith for a server that trusts the given proxies'
// X-Forwarded-For.
func newFeedBehind(t testing.TB, o registry.Options, proxies []*net.IPNet) *feed {
	t.Helper()
	return newFeedServer(t, o, func(c *web.ServerConfig) { c.TrustedProxies = proxies })
}

// newFeedServer is newFeedWith for a server whose settings set changes.
func newFeedServer(t testing.TB, o registry.Options, set func(*web.ServerConfig)) *feed {
	t.Helper()
	dir := t.TempDir()
	d, blobs := testenv.Stores(t, dir)
	return newFeedOn(t, dir, d, blobs, o, set)
}

// newFeedOn is newFeedServer over the given stores, dir being the data
// directory (the upload spool goes in dir/tmp); set may be nil.
func newFeedOn(t testing.TB, dir string, d *db.DB, blobs storage.Blobs, o registry.Options, set func(*web.ServerConfig)) *feed {
	t.Helper()
	if o.Now == nil {
		o.Now = trusttest.NewClock(trusttest.Epoch()).Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	reg, err := registry.New(d, blobs, o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	tmp := filepath.Join(dir, "tmp")
	os.MkdirAll(tmp, 0o750)
	cfg := web.ServerConfig{Registry: reg, BaseURL: base, TempDir: tmp, Logger: o.Logger, MetricsOnMain: true}
	if set != nil {
		set(&cfg)
	}
	s, err := web.NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config = s.HTTPServer()
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	f := &feed{t: t, srv: srv, reg: reg, urls: s.URLs(), data: dir, db: d, blobs: blobs}
	f.key = f.userKey("alice")
	return f
}

// userKey creates a user and returns a fresh key for them.
func (f *feed) userKey(name string, globs ...string) string {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.reg.AddUser(ctx, registry.NewUser{Name: name}); err != nil && !strings.Contains(err.Error(), "taken") {
		f.t.Fatal(err)
	}
	secret, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: name, Globs: globs})
	if err != nil {
		f.t.Fatal(err)
	}
	return secret
}

// push uploads a package as NuGet clients do and returns the response.
func (f *feed) push(key string, nupkg []byte) *http.Response {
	f.t.Helper()
	return f.do(nugettest.PushRequest(f.urls.Publish(), key, nupkg, nil))
}

// mustPush pushes spec and fails unless the server answers 201.
func (f *feed) mustPush(s nugettest.Spec) {
	f.t.Helper()
	res := f.push(f.key, s.Build())
	if res.StatusCode != http.StatusCreated {
		f.t.Fatalf("push %s %s: %s (%s)", s.ID, s.Version, res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}

func (f *feed) do(req *http.Request) *http.Response {
	f.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res
}

func (f *feed) get(url string) (*http.Response, []byte) {
	f.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	res := f.do(req)
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// getJSON fetches url, checks the status and decodes the body into v.
func (f *feed) getJSON(url string, want int, v any) []byte {
	f.t.Helper()
	res, b := f.get(url)
	if res.StatusCode != want {
		f.t.Fatalf("GET %s: %s, want %d: %s", url, res.Status, want, b)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			f.t.Fatalf("GET %s: %v in %s", url, err, b)
		}
	}
	return b
}

// golden compares a JSON document with testdata/golden/name.json after
// replacing the server's random base URL with a fixed one; -update rewrites.
func (f *feed) golden(t testing.TB, name string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s: not JSON: %v", name, err)
	}
	pretty, _ := json.MarshalIndent(v, "", "  ")
	got := strings.ReplaceAll(string(pretty), f.urls.Base(), "http://wharf.test") + "\n"
	// Golden files are written at the default epoch; under a moved one
	// (WHARF_TEST_EPOCH) its date stands for the default's.
	got = strings.ReplaceAll(got, trusttest.Epoch().Format("2006-01-02T"), "2026-11-21T")
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (run with -update if the change is intended):\n%s", name, path, diffLines(string(want), got))
	}
}

// diffLines shows the first differing lines of two texts.
func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out.WriteString("line " + strconv.Itoa(i+1) + ":\n  - " + a + "\n  + " + b + "\n")
			if out.Len() > 2000 {
				break
			}
		}
	}
	return out.String()
}

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
