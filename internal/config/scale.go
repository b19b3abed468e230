package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// validateScale checks the settings for running on PostgreSQL, another
// package store and several replicas. Messages never repeat a password.
func (c *Config) validateScale() []error {
	var errs []error
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			errs = append(errs, errors.New("database_url: must be a postgres://user:password@host:5432/dbname URL, or empty for SQLite in the data directory"))
		}
	}
	if _, err := c.StoragePath(); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.FeedMaxAgeFor(c.DatabaseURL == ""); err != nil {
		errs = append(errs, err)
	}
	switch m := c.MetricsListen; {
	case m == "" || m == "off":
	default:
		if _, _, err := net.SplitHostPort(m); err != nil {
			errs = append(errs, fmt.Errorf("metrics_listen: %q is not host:port, empty (the main listener) or off", m))
		}
	}
	if p := c.PprofListen; p != "" {
		host, _, err := net.SplitHostPort(p)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			errs = append(errs, fmt.Errorf("pprof_listen: %q must be a loopback host:port such as 127.0.0.1:6060, or empty", p))
		}
	}
	return errs
}

// StoragePath returns the folder of the filesystem package store that
// StorageURL names: the data directory's packages/ when it is empty, or
// the path of a file:// URL; "" for an s3:// URL, which cmd/wharf parses
// with the S3 backend. Other schemes are refused.
func (c Config) StoragePath() (string, error) {
	s := c.StorageURL
	switch {
	case s == "":
		return c.PackagesDir(), nil
	case strings.HasPrefix(s, "s3://"):
		return "", nil
	case strings.HasPrefix(s, "file://"):
		u, err := url.Parse(s)
		if err != nil || u.Host != "" || !filepath.IsAbs(u.Path) {
			return "", fmt.Errorf("storage_url: %q must be file:///absolute/path", s)
		}
		return filepath.Clean(u.Path), nil
	}
	scheme, _, _ := strings.Cut(s, ":")
	return "", fmt.Errorf("storage_url: %q URLs are not supported; leave it empty (the data directory's packages/ folder), or use file:///absolute/path or s3://bucket/prefix?endpoint=...", scheme)
}

// FeedMaxAgeFor returns how stale the cached feed may be when a read uses
// it: the configured duration, -1 for "off" (the once-a-second background
// sync only), or the default: 0 on PostgreSQL, where replicas must see each
// other's pushes at once, and "off" on SQLite, where one server makes every
// push itself.
func (c Config) FeedMaxAgeFor(sqlite bool) (time.Duration, error) {
	switch v := strings.TrimSpace(c.FeedMaxAge); v {
	case "":
		if sqlite {
			return -1, nil
		}
		return 0, nil
	case "off":
		return -1, nil
	default:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("feed_max_age: %q must be a duration such as 0s or 500ms, or off", v)
		}
		return d, nil
	}
}
