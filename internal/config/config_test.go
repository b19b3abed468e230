package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "localhost:5555" || c.DataDir != "./wharf-data" || c.BaseURL != "http://localhost:5555" || c.MaxPackageSize != 250<<20 {
		t.Errorf("defaults = %+v", c)
	}
	if c.DatabasePath() != filepath.Join("wharf-data", "wharf.db") {
		t.Errorf("database path = %s", c.DatabasePath())
	}
}

func TestPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "wharf.toml")
	os.WriteFile(file, []byte("listen = \"0.0.0.0:8080\"\ndata = \"/srv/wharf\"\nmax_package_size = \"10MB\"\nupload_timeout = \"5m\"\n"), 0o600)
	c, err := Load(file, env(map[string]string{"WHARF_DATA": "/env/data", "WHARF_BASE_URL": "https://nuget.example.com/"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:8080" || c.DataDir != "/env/data" || c.MaxPackageSize != 10<<20 || c.UploadTimeout.D() != 5*time.Minute {
		t.Errorf("file then env not applied: %+v", c)
	}
	if c.BaseURL != "https://nuget.example.com" {
		t.Errorf("base URL = %q, want the trailing slash trimmed", c.BaseURL)
	}
}

func TestDerivedBaseURL(t *testing.T) {
	for listen, want := range map[string]string{"localhost:5555": "http://localhost:5555", "127.0.0.1:9000": "http://127.0.0.1:9000",
		"10.1.2.3:80": "http://10.1.2.3:80", "nuget.corp:8080": "http://nuget.corp:8080", "[::1]:5555": "http://[::1]:5555"} {
		c := Default()
		c.Listen = listen
		if err := c.Validate(); err != nil || c.BaseURL != want {
			t.Errorf("listen %s: base %q (%v), want %q", listen, c.BaseURL, err, want)
		}
	}
}

// A wildcard listen address with no base URL would hand other machines
// links to localhost: the settings are refused with what to set.
func TestWildcardListenNeedsBaseURL(t *testing.T) {
	for _, listen := range []string{":5555", "0.0.0.0:5555", "[::]:5555"} {
		c := Default()
		c.Listen = listen
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "base_url: the server listens on "+listen) || !strings.Contains(err.Error(), "--base-url") {
			t.Errorf("listen %s: err = %v, want the base_url refusal naming --base-url", listen, err)
		}
		c = Default()
		c.Listen, c.BaseURL = listen, "https://nuget.example.com"
		if err := c.Validate(); err != nil {
			t.Errorf("listen %s with a base URL: %v", listen, err)
		}
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		file string
		want string
	}{
		{"bad listen", map[string]string{"WHARF_LISTEN": "nonsense"}, "", "listen:"},
		{"relative base URL", map[string]string{"WHARF_BASE_URL": "nuget.example.com"}, "", "base_url:"},
		{"ftp base URL", map[string]string{"WHARF_BASE_URL": "ftp://x"}, "", "base_url:"},
		{"bad size", map[string]string{"WHARF_MAX_PACKAGE_SIZE": "lots"}, "", "WHARF_MAX_PACKAGE_SIZE"},
		{"bad duration", map[string]string{"WHARF_REQUEST_TIMEOUT": "soon"}, "", "WHARF_REQUEST_TIMEOUT"},
		{"bad log format", map[string]string{"WHARF_LOG_FORMAT": "xml"}, "", "log_format:"},
		{"unknown file key", nil, "lissen = \"x\"\n", "unknown setting"},
		{"mysql database", map[string]string{"WHARF_DATABASE_URL": "mysql://root:hunter2@db/wharf"}, "", "database_url: must be a postgres://"},
		{"relative storage path", map[string]string{"WHARF_STORAGE_URL": "file://relative/dir"}, "", "storage_url:"},
		{"unknown storage", map[string]string{"WHARF_STORAGE_URL": "ftp://u:hunter2@h/x"}, "", `"ftp" URLs are not supported`},
		{"bad feed max age", map[string]string{"WHARF_FEED_MAX_AGE": "-1s"}, "", "feed_max_age:"},
		{"retention too often", map[string]string{"WHARF_RETENTION_EVERY": "10s"}, "", "retention_every:"},
		{"admin by empty ID", map[string]string{"WHARF_ADMINS": "oidc:#"}, "", `admins: "oidc:#"`},
		{"admin by ID with a space", map[string]string{"WHARF_ADMINS": "oidc:# Zq7"}, "", `admins: "oidc:# Zq7"`},
		{"bad metrics listen", map[string]string{"WHARF_METRICS_LISTEN": "9090"}, "", "metrics_listen:"},
		{"contact that is neither e-mail nor URL", map[string]string{"WHARF_CONTACT": "call Bob"}, "", "contact:"},
		{"contact with markup", map[string]string{"WHARF_CONTACT": "<a>@x"}, "", "contact:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.file != "" {
				path = filepath.Join(t.TempDir(), "c.toml")
				os.WriteFile(path, []byte(tc.file), 0o600)
			}
			c, err := Load(path, env(tc.env))
			if err == nil {
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for in, want := range map[string]Size{"250MB": 250 << 20, "1gb": 1 << 30, "512KB": 512 << 10, "100": 100, "7 MB": 7 << 20} {
		var s Size
		if err := s.Set(in); err != nil || s != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, s, err, want)
		}
	}
	if (Size(250 << 20)).String() != "250MB" {
		t.Errorf("String = %s", Size(250<<20))
	}
	var s Size
	if err := s.Set("-1"); err == nil {
		t.Error("negative size accepted")
	}
}

func TestScaleSettings(t *testing.T) {
	c, _ := Load("", env(map[string]string{"WHARF_DATABASE_URL": "postgres://w:pw@db:5432/wharf", "WHARF_STORAGE_URL": "file:///srv/pkgs"}))
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if dir, _ := c.StoragePath(); dir != "/srv/pkgs" {
		t.Errorf("storage path = %s", dir)
	}
	for _, tc := range []struct {
		value  string
		sqlite bool
		want   time.Duration
	}{{"", false, 0}, {"", true, -1}, {"off", false, -1}, {"250ms", true, 250 * time.Millisecond}} {
		c.FeedMaxAge = tc.value
		if got, err := c.FeedMaxAgeFor(tc.sqlite); err != nil || got != tc.want {
			t.Errorf("feed_max_age %q (sqlite %v) = %v %v, want %v", tc.value, tc.sqlite, got, err, tc.want)
		}
	}
}

// TestPrivateSetting: private comes from the file key and WHARF_PRIVATE,
// the environment winning; a value that is not a boolean is refused.
func TestPrivateSetting(t *testing.T) {
	file := filepath.Join(t.TempDir(), "wharf.toml")
	if err := os.WriteFile(file, []byte("private = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := Load(file, env(nil)); err != nil || !c.Private {
		t.Errorf("private = true in the file: Private %v (%v), want true", c.Private, err)
	}
	if c, err := Load(file, env(map[string]string{"WHARF_PRIVATE": "false"})); err != nil || c.Private {
		t.Errorf("WHARF_PRIVATE=false over the file: Private %v (%v), want false", c.Private, err)
	}
	if c, err := Load("", env(map[string]string{"WHARF_PRIVATE": "1"})); err != nil || !c.Private {
		t.Errorf("WHARF_PRIVATE=1: Private %v (%v), want true", c.Private, err)
	}
	if _, err := Load("", env(map[string]string{"WHARF_PRIVATE": "yes please"})); err == nil || !strings.Contains(err.Error(), "WHARF_PRIVATE") {
		t.Errorf("WHARF_PRIVATE=yes please: %v, want an error naming WHARF_PRIVATE", err)
	}
}

// TestStaticCopySettings: the static copy is on by default; cdn_base_url
// must be an http(s) URL without a query, and needs the copy.
func TestStaticCopySettings(t *testing.T) {
	c, err := Load("", env(nil))
	if err != nil || !c.StaticCopy || c.CDNBaseURL != "" {
		t.Fatalf("defaults: static_copy %v, cdn_base_url %q (%v)", c.StaticCopy, c.CDNBaseURL, err)
	}
	if c, err := Load("", env(map[string]string{"WHARF_STATIC_COPY": "false"})); err != nil || c.StaticCopy {
		t.Errorf("WHARF_STATIC_COPY=false: %v (%v)", c.StaticCopy, err)
	}
	if _, err := Load("", env(map[string]string{"WHARF_STATIC_COPY": "maybe"})); err == nil || !strings.Contains(err.Error(), "WHARF_STATIC_COPY") {
		t.Errorf("WHARF_STATIC_COPY=maybe: %v", err)
	}
	for u, want := range map[string]string{
		"https://cdn.example.com/wharf/": "",
		"ftp://cdn.example.com":          "must be an http(s) URL",
		"https://cdn.example.com/?a=b":   "must be an http(s) URL",
		"cdn.example.com":                "must be an http(s) URL",
	} {
		c, err := Load("", env(map[string]string{"WHARF_CDN_BASE_URL": u}))
		if err == nil {
			err = c.Validate()
		}
		if want == "" && (err != nil || c.CDNBaseURL != "https://cdn.example.com/wharf") {
			t.Errorf("cdn_base_url %q: %q (%v)", u, c.CDNBaseURL, err)
		}
		if want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("cdn_base_url %q: %v, want an error saying %q", u, err, want)
		}
	}
	c, _ = Load("", env(map[string]string{"WHARF_CDN_BASE_URL": "https://cdn.example.com", "WHARF_STATIC_COPY": "false"}))
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "static_copy must stay true") {
		t.Errorf("a CDN without the static copy: %v", err)
	}
}
