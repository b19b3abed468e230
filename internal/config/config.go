// Package config holds Wharf's settings: defaults, the data directory's
// wharf.toml, an optional --config TOML file and WHARF_* environment
// variables, applied in that order (command-line flags, applied by
// cmd/wharf, win over all of them; see Resolve). wharf serve records what
// it runs with in the data directory's file (Record), so the admin
// commands see the same settings. Only this package and cmd read the
// environment.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of a Wharf server. docs/configuration.md
// lists each with its file key and environment variable.
type Config struct {
	// Listen is the address the server binds (WHARF_LISTEN).
	Listen string `toml:"listen"`
	// DataDir holds the SQLite database and the package folder (WHARF_DATA).
	DataDir string `toml:"data"`
	// BaseURL is the public URL every absolute link is built from
	// (WHARF_BASE_URL); default http://<listen>.
	BaseURL string `toml:"base_url"`
	// Contact is how to reach the operator (WHARF_CONTACT): an e-mail
	// address or an http(s) URL, shown on the report-abuse page that the
	// service index points Visual Studio at. Empty: the page says no
	// contact is configured.
	Contact string `toml:"contact"`
	// MaxPackageSize is the largest .nupkg accepted (WHARF_MAX_PACKAGE_SIZE),
	// e.g. "250MB".
	MaxPackageSize Size `toml:"max_package_size"`
	// RequestTimeout bounds reading and answering an ordinary request
	// (WHARF_REQUEST_TIMEOUT).
	RequestTimeout Duration `toml:"request_timeout"`
	// UploadTimeout bounds a push, body included (WHARF_UPLOAD_TIMEOUT).
	UploadTimeout Duration `toml:"upload_timeout"`
	// ShutdownTimeout is how long in-flight requests may finish on SIGTERM
	// (WHARF_SHUTDOWN_TIMEOUT).
	ShutdownTimeout Duration `toml:"shutdown_timeout"`
	// LogFormat is "text" or "json" (WHARF_LOG_FORMAT).
	LogFormat string `toml:"log_format"`
	// LogLevel is "debug", "info", "warn" or "error" (WHARF_LOG_LEVEL).
	LogLevel string `toml:"log_level"`

	// TrustedIssuers lists the OIDC issuers CI tokens may come from, each
	// with the name policies know it by: comma-separated NAME=KIND:URL,
	// NAME=KIND, KIND=URL or KIND entries (WHARF_TRUSTED_ISSUERS, read by
	// trust.ParseIssuers); default GitHub Actions, named github.
	TrustedIssuers string `toml:"trusted_issuers"`
	// OIDCClaims names, per generic oidc issuer, the claims its policies
	// match and the ID claims they bind: ISSUER_URL=claim,claim,id:claim
	// entries separated by ";" (WHARF_OIDC_CLAIMS; trust.ApplyOIDCClaims).
	OIDCClaims string `toml:"oidc_claims"`
	// Audience is the aud CI tokens must carry (WHARF_OIDC_AUDIENCE);
	// default the base URL.
	Audience string `toml:"oidc_audience"`
	// TrustedKeyTTL is the lifetime of trusted-publishing keys, at most 1h
	// (WHARF_TRUSTED_KEY_TTL).
	TrustedKeyTTL Duration `toml:"trusted_key_ttl"`
	// BannedEvents are GitHub events whose tokens never match, comma
	// separated (WHARF_BANNED_EVENTS); default pull_request_target.
	BannedEvents string `toml:"banned_events"`
	// ExchangesPerMinute bounds token exchanges per client address and per
	// verified repository (WHARF_EXCHANGES_PER_MINUTE).
	ExchangesPerMinute int `toml:"exchanges_per_minute"`
	// TrustedProxies lists the CIDR ranges of reverse proxies whose
	// X-Forwarded-For is believed (WHARF_TRUSTED_PROXIES); empty: the
	// connection's address is the client's.
	TrustedProxies string `toml:"trusted_proxies"`

	// DatabaseURL is a postgres:// URL (WHARF_DATABASE_URL); empty: SQLite
	// in the data directory. See scale.go for this group.
	DatabaseURL string `toml:"database_url"`
	// StorageURL names the package store (WHARF_STORAGE_URL): empty for
	// the data directory's packages/ folder, file:///path, or
	// s3://bucket/prefix?endpoint=...&region=...&path_style=true&presign=5m
	// (credentials from WHARF_S3_* or AWS_* variables).
	StorageURL string `toml:"storage_url"`
	// FeedMaxAge bounds how stale the cached feed may be when a read uses
	// it (WHARF_FEED_MAX_AGE): a duration, "off", or empty for the
	// database's default (see FeedMaxAgeFor).
	FeedMaxAge string `toml:"feed_max_age"`
	// RetentionEvery is how often the feeds' retention rules run on a
	// schedule (WHARF_RETENTION_EVERY): a duration of at least 1m, "off",
	// or empty for every hour (see RetentionEveryFor).
	RetentionEvery string `toml:"retention_every"`
	// MetricsListen serves /metrics on its own address
	// (WHARF_METRICS_LISTEN); empty: on the main listener; "off": nowhere.
	MetricsListen string `toml:"metrics_listen"`
	// PprofListen serves Go's profiler (/debug/pprof/) on its own address
	// (WHARF_PPROF_LISTEN), for finding where time and memory go; empty:
	// nowhere. It must be a loopback address: profiles reveal internals.
	PprofListen string `toml:"pprof_listen"`
	// Private makes the whole registry private (WHARF_PRIVATE: true or
	// false): every feed needs a signed-in user or an API key, whatever
	// its own visibility, and every page but sign-in needs a session.
	Private bool `toml:"private"`
	// UpstreamAllowPrivate lets upstream feeds reach loopback and private
	// network addresses (WHARF_UPSTREAM_ALLOW_PRIVATE: true or false),
	// for a source inside the company network. Link-local addresses
	// (cloud metadata endpoints) are refused whatever it says.
	UpstreamAllowPrivate bool `toml:"upstream_allow_private"`
	// WebhookAllowPrivate lets webhooks reach loopback and private network
	// addresses and the server's own (WHARF_WEBHOOK_ALLOW_PRIVATE: true or
	// false), for a receiver inside the company network. Link-local
	// addresses are refused whatever it says. See docs/webhooks.md.
	WebhookAllowPrivate bool `toml:"webhook_allow_private"`
	// WebhookTimeout bounds one webhook delivery attempt
	// (WHARF_WEBHOOK_TIMEOUT; default 10s).
	WebhookTimeout Duration `toml:"webhook_timeout"`
	// StaticCopy keeps a static copy of the public restore documents in
	// the package store, for nginx or a CDN to serve (WHARF_STATIC_COPY:
	// true or false; default true). See docs/deployment.md.
	StaticCopy bool `toml:"static_copy"`
	// CDNBaseURL is where clients read the static copy when a CDN or the
	// bucket's public endpoint serves it (WHARF_CDN_BASE_URL): service
	// indexes of public feeds send clients there for the flat container
	// and the registration. Empty: they read them from base_url.
	CDNBaseURL string `toml:"cdn_base_url"`

	// SignIn configures the web UI's sign-in (signin.go).
	SignIn
}

// Default returns the embedded defaults: SQLite and a package folder under
// ./wharf-data, listening on localhost:5555.
func Default() Config {
	return Config{
		Listen:          "localhost:5555",
		DataDir:         "./wharf-data",
		MaxPackageSize:  250 << 20,
		RequestTimeout:  Duration(60 * time.Second),
		UploadTimeout:   Duration(30 * time.Minute),
		ShutdownTimeout: Duration(30 * time.Second),
		WebhookTimeout:  Duration(10 * time.Second),
		LogFormat:       "text",
		LogLevel:        "info",

		TrustedKeyTTL:      Duration(time.Hour),
		BannedEvents:       "pull_request_target",
		ExchangesPerMinute: 30,
		StaticCopy:         true,

		SignIn: SignIn{SessionTTL: Duration(7 * 24 * time.Hour)},
	}
}

// Load returns the defaults overlaid with the TOML file at path (if path is
// not empty) and then the WHARF_* variables that getenv returns.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		if _, err := decodeFile(path, &c); err != nil {
			return c, err
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	return c, nil
}

// applyEnv overlays WHARF_* variables.
func (c *Config) applyEnv(getenv func(string) string) error {
	str := map[string]*string{
		"WHARF_LISTEN": &c.Listen, "WHARF_DATA": &c.DataDir, "WHARF_BASE_URL": &c.BaseURL, "WHARF_CONTACT": &c.Contact,
		"WHARF_LOG_FORMAT": &c.LogFormat, "WHARF_LOG_LEVEL": &c.LogLevel,
		"WHARF_TRUSTED_ISSUERS": &c.TrustedIssuers, "WHARF_OIDC_AUDIENCE": &c.Audience, "WHARF_BANNED_EVENTS": &c.BannedEvents,
		"WHARF_TRUSTED_PROXIES": &c.TrustedProxies, "WHARF_OIDC_CLAIMS": &c.OIDCClaims,
		"WHARF_DATABASE_URL": &c.DatabaseURL, "WHARF_STORAGE_URL": &c.StorageURL, "WHARF_FEED_MAX_AGE": &c.FeedMaxAge,
		"WHARF_METRICS_LISTEN": &c.MetricsListen, "WHARF_PPROF_LISTEN": &c.PprofListen, "WHARF_RETENTION_EVERY": &c.RetentionEvery,
	}
	for k, p := range str {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	parsed := map[string]interface{ Set(string) error }{
		"WHARF_MAX_PACKAGE_SIZE": &c.MaxPackageSize, "WHARF_REQUEST_TIMEOUT": &c.RequestTimeout,
		"WHARF_UPLOAD_TIMEOUT": &c.UploadTimeout, "WHARF_SHUTDOWN_TIMEOUT": &c.ShutdownTimeout,
		"WHARF_TRUSTED_KEY_TTL": &c.TrustedKeyTTL, "WHARF_WEBHOOK_TIMEOUT": &c.WebhookTimeout,
	}
	if v := getenv("WHARF_EXCHANGES_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("WHARF_EXCHANGES_PER_MINUTE: %q is not a number", v)
		}
		c.ExchangesPerMinute = n
	}
	if v := getenv("WHARF_UPSTREAM_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("WHARF_UPSTREAM_ALLOW_PRIVATE: %q is not true or false", v)
		}
		c.UpstreamAllowPrivate = b
	}
	if v := getenv("WHARF_WEBHOOK_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("WHARF_WEBHOOK_ALLOW_PRIVATE: %q is not true or false", v)
		}
		c.WebhookAllowPrivate = b
	}
	if v := getenv("WHARF_STATIC_COPY"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("WHARF_STATIC_COPY: %q is not true or false", v)
		}
		c.StaticCopy = b
	}
	if v := getenv("WHARF_CDN_BASE_URL"); v != "" {
		c.CDNBaseURL = v
	}
	if v := getenv("WHARF_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("WHARF_PRIVATE: %q is not true or false", v)
		}
		c.Private = b
	}
	for k, p := range parsed {
		if v := getenv(k); v != "" {
			if err := p.Set(v); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return c.SignIn.applyEnv(getenv)
}

// Validate checks every field and fills in derived defaults (the base URL).
// It returns all problems at once, one per line.
func (c *Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen: %q is not host:port (e.g. localhost:5555 or :5555)", c.Listen))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("data: the data directory must not be empty"))
	}
	if c.BaseURL == "" {
		base, err := derivedBaseURL(c.Listen)
		if err != nil {
			errs = append(errs, err)
		}
		c.BaseURL = base
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.CDNBaseURL != "" {
		u, err := url.Parse(c.CDNBaseURL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "":
			errs = append(errs, fmt.Errorf("cdn_base_url: %q must be an http(s) URL without query, e.g. https://cdn.example.com/static", c.CDNBaseURL))
		case !c.StaticCopy:
			errs = append(errs, errors.New("cdn_base_url: the CDN serves the static copy, so static_copy must stay true"))
		}
		c.CDNBaseURL = strings.TrimRight(c.CDNBaseURL, "/")
	}
	if err := validContact(c.Contact); err != nil {
		errs = append(errs, err)
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("base_url: %q must be an absolute http(s) URL such as https://nuget.example.com", c.BaseURL))
	}
	if c.MaxPackageSize < 1<<10 {
		errs = append(errs, errors.New("max_package_size: must be at least 1KB"))
	}
	for name, d := range map[string]Duration{"request_timeout": c.RequestTimeout, "upload_timeout": c.UploadTimeout, "shutdown_timeout": c.ShutdownTimeout, "webhook_timeout": c.WebhookTimeout} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", name))
		}
	}
	if c.Audience == "" {
		c.Audience = c.BaseURL
	}
	if c.TrustedKeyTTL <= 0 || c.TrustedKeyTTL.D() > time.Hour {
		errs = append(errs, errors.New("trusted_key_ttl: must be positive and at most 1h"))
	}
	if c.ExchangesPerMinute < 0 {
		errs = append(errs, errors.New("exchanges_per_minute: must be 0 (no limit) or more"))
	}
	if _, err := c.ProxyRanges(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateScale()...)
	if _, err := c.RetentionEveryFor(); err != nil {
		errs = append(errs, err)
	}
	if err := c.SignIn.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.SessionTTL <= 0 {
		errs = append(errs, errors.New("session_ttl: must be positive"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("log_format: %q must be text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level: %q must be debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// DatabasePath is the SQLite file inside the data directory.
func (c Config) DatabasePath() string { return filepath.Join(c.DataDir, "wharf.db") }

// PackagesDir is the package folder inside the data directory.
func (c Config) PackagesDir() string { return filepath.Join(c.DataDir, "packages") }

// TempDir is where uploads are spooled, on the same disk as the packages.
func (c Config) TempDir() string { return filepath.Join(c.DataDir, "tmp") }

// EnsureDirs creates the data directories.
func (c Config) EnsureDirs() error {
	for _, d := range []string{c.DataDir, c.PackagesDir(), c.TempDir()} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	return nil
}

// Size is a byte count written as "250MB", "1GB", "512KB" or plain bytes.
type Size int64

// Set parses s.
func (s *Size) Set(in string) error {
	v := strings.ToUpper(strings.TrimSpace(in))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return fmt.Errorf("%q is not a size such as 250MB, 512KB or 1GB", in)
	}
	*s = Size(n * mult)
	return nil
}

// String formats the size in the largest whole unit.
func (s Size) String() string {
	switch {
	case s >= 1<<30 && s%(1<<30) == 0:
		return fmt.Sprintf("%dGB", s>>30)
	case s >= 1<<20 && s%(1<<20) == 0:
		return fmt.Sprintf("%dMB", s>>20)
	case s >= 1<<10 && s%(1<<10) == 0:
		return fmt.Sprintf("%dKB", s>>10)
	}
	return strconv.FormatInt(int64(s), 10)
}

// MarshalText writes a size to TOML.
func (s Size) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a size from TOML.
func (s *Size) UnmarshalText(b []byte) error { return s.Set(string(b)) }

// Type names the flag value type.
func (s *Size) Type() string { return "size" }

// Duration is a time.Duration written as "30s", "5m".
type Duration time.Duration

// Set parses v.
func (d *Duration) Set(v string) error {
	x, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 30s or 5m", v)
	}
	*d = Duration(x)
	return nil
}

// String formats the duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes a duration to TOML.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a duration from TOML.
func (d *Duration) UnmarshalText(b []byte) error { return d.Set(string(b)) }

// Type names the flag value type.
func (d *Duration) Type() string { return "duration" }

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ProxyRanges parses TrustedProxies.
func (c Config) ProxyRanges() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies: %q is not a CIDR range such as 10.0.0.0/8", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// derivedBaseURL is the base URL of a server configured with no base_url:
// http://HOST:PORT of the listen address when HOST is one address or
// name, which is then how clients reach it. A wildcard listen address
// (":5555", "0.0.0.0:5555", "[::]:5555") accepts other machines' clients,
// but nothing says which of the machine's names or addresses they use:
// guessing would hand every client a service index full of links that may
// not work from where it is, so it is an error that says what to set.
func derivedBaseURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", nil // reported as a listen error
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		return "http://" + net.JoinHostPort("localhost", port), fmt.Errorf(
			"base_url: the server listens on %s, which accepts clients from other machines, but no base URL says how they reach it, "+
				"and every link Wharf hands out (service index, sign-in, trusted publishing) would name localhost: "+
				"set --base-url, WHARF_BASE_URL or base_url to the URL clients use, e.g. http://nuget.example.com:%s, "+
				"or https://nuget.example.com behind a proxy", listen, port)
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// validContact accepts an empty contact, an e-mail address or an
// absolute http(s) URL, on one line.
func validContact(v string) error {
	if v == "" {
		return nil
	}
	if len(v) > 500 || strings.ContainsAny(v, "\r\n\t<>\"") {
		return fmt.Errorf("contact: %q must be one e-mail address or http(s) URL of at most 500 characters", v)
	}
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		if u, err := url.Parse(v); err != nil || u.Host == "" {
			return fmt.Errorf("contact: %q is not a valid URL", v)
		}
		return nil
	}
	if at := strings.LastIndex(v, "@"); at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " /:") {
		return fmt.Errorf("contact: %q must be an e-mail address (abuse@example.com) or an http(s) URL", v)
	}
	return nil
}
