package s3

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/wharf-registry/wharf/internal/storage"
)

// Config says which bucket to use and how to reach it. ParseURL fills
// everything but the credentials, which CredentialsFromEnv (or the caller)
// sets.
type Config struct {
	// Bucket is the bucket's name. It must exist: Open does not create it.
	Bucket string
	// Endpoint is the server's base URL, "https://host[:port]" or
	// "http://host[:port]"; the scheme decides whether TLS is used. Empty
	// means AWS S3 (https://s3.amazonaws.com).
	Endpoint string
	// Region is the bucket's region, such as "us-east-1" (or "auto" for
	// Cloudflare R2). Empty lets the client ask the server for it, which
	// costs one request and a permission some servers do not grant.
	Region string
	// AccessKeyID, SecretAccessKey and the optional SessionToken sign the
	// requests. All empty means anonymous requests.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// PathStyle forces path-style requests (https://host/bucket/key), which
	// MinIO, Ceph and versitygw need unless they are set up with wildcard
	// DNS. When false the client picks: virtual-hosted style for AWS, path
	// style for other hosts.
	PathStyle bool
	// Prefix is an optional key prefix inside the bucket, such as "wharf":
	// key "packages/a" is then stored as object "wharf/packages/a". It
	// lets several registries, or other data, share a bucket. It must be
	// a valid key (storage.ValidKey); surrounding slashes are ignored.
	Prefix string
	// PresignDownloads is how long a presigned download URL stays valid;
	// 0 switches presigning off. At most 7 days (a SigV4 limit).
	PresignDownloads time.Duration
}

// Environment variables that CredentialsFromEnv reads, in order of
// preference: the Wharf pair, then the standard AWS pair.
const (
	EnvAccessKeyID        = "WHARF_S3_ACCESS_KEY_ID"
	EnvSecretAccessKey    = "WHARF_S3_SECRET_ACCESS_KEY"
	EnvSessionToken       = "WHARF_S3_SESSION_TOKEN"
	EnvAWSAccessKeyID     = "AWS_ACCESS_KEY_ID"
	EnvAWSSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	EnvAWSSessionToken    = "AWS_SESSION_TOKEN"
)

// maxPresign is the longest validity SigV4 allows for a presigned URL.
const maxPresign = 7 * 24 * time.Hour

// urlSyntax is the shape of a storage URL, quoted in ParseURL's errors.
const urlSyntax = "s3://BUCKET[/PREFIX]?endpoint=https://host:port&region=REGION&path_style=true&presign=5m"

// ParseURL parses the operator-facing form of a Config:
//
//	s3://BUCKET[/PREFIX]?endpoint=https://host:port&region=us-east-1&path_style=true&presign=5m
//
// Every parameter is optional: endpoint (default AWS S3), region (default:
// asked of the server), path_style (true or false, default false) and
// presign (a Go duration such as 5m or 1h; 0 or absent means off).
// Credentials are not part of the URL, which ends up in logs and process
// listings: set them with CredentialsFromEnv. The error says what is wrong
// with the URL and how to write it.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("s3: storage URL cannot be parsed (%v); write it as %s", errors.Unwrap(err), urlSyntax)
	}
	cfg, err := parseURL(u)
	if err != nil {
		shown := raw
		if u.User != nil { // never show credentials
			noUser := *u
			noUser.User = nil
			shown = noUser.String()
		}
		return Config{}, fmt.Errorf("s3: storage URL %q: %w", shown, err)
	}
	return cfg, nil
}

func parseURL(u *url.URL) (Config, error) {
	if err := checkURLShape(u); err != nil {
		return Config{}, err
	}
	cfg := Config{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	if err := cfg.checkBucketPrefix(); err != nil {
		return Config{}, err
	}
	if err := cfg.setParams(u.Query()); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// checkURLShape checks the parts of u other than the bucket, prefix and
// parameters.
func checkURLShape(u *url.URL) error {
	switch {
	case u.Scheme != "s3":
		return fmt.Errorf("the scheme is %q; write it as %s", u.Scheme, urlSyntax)
	case u.User != nil:
		return fmt.Errorf("credentials do not belong in the URL, which ends up in logs; set %s and %s (or %s and %s) instead",
			EnvAccessKeyID, EnvSecretAccessKey, EnvAWSAccessKeyID, EnvAWSSecretAccessKey)
	case u.Opaque != "":
		return fmt.Errorf("write it with two slashes, as %s", urlSyntax)
	case u.Port() != "":
		return fmt.Errorf("the bucket %q has a port; put the server's host and port in the endpoint parameter, as in %s", u.Host, urlSyntax)
	case u.Fragment != "":
		return fmt.Errorf("remove the fragment %q", "#"+u.Fragment)
	}
	return nil
}

// checkBucketPrefix checks the bucket name and the key prefix.
func (c Config) checkBucketPrefix() error {
	if c.Bucket == "" {
		return fmt.Errorf("no bucket; write it as %s", urlSyntax)
	}
	if err := s3utils.CheckValidBucketName(c.Bucket); err != nil {
		return fmt.Errorf("bucket %q is not a valid bucket name: %v", c.Bucket, err)
	}
	if c.Prefix == "" {
		return nil
	}
	if err := storage.ValidKey(c.Prefix); err != nil {
		return fmt.Errorf("the prefix is not usable: %w", err)
	}
	return nil
}

// setParams sets the fields the query parameters give.
func (c *Config) setParams(q url.Values) error {
	for name, vals := range q {
		if len(vals) > 1 {
			return fmt.Errorf("parameter %s is given %d times; give it once", name, len(vals))
		}
		if err := c.setParam(name, vals[0]); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) setParam(name, val string) error {
	switch name {
	case "endpoint":
		if err := checkEndpoint(val); err != nil {
			return err
		}
		c.Endpoint = val
	case "region":
		c.Region = val
	case "path_style":
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("path_style=%q: want true or false", val)
		}
		c.PathStyle = b
	case "presign":
		d, err := parsePresign(val)
		if err != nil {
			return err
		}
		c.PresignDownloads = d
	default:
		return fmt.Errorf("unknown parameter %q; the parameters are endpoint, region, path_style and presign", name)
	}
	return nil
}

func parsePresign(val string) (time.Duration, error) {
	if val == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(val)
	if err != nil {
		return 0, fmt.Errorf("presign=%q: want a duration such as 5m or 1h, or 0 for off", val)
	}
	if d <= 0 || d > maxPresign {
		return 0, fmt.Errorf("presign=%q: want a duration above 0 and at most 168h (7 days), or 0 for off", val)
	}
	return d, nil
}

// checkEndpoint checks that raw is http(s)://host[:port] with no path.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("endpoint %q: want a URL such as https://host:port", raw)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return fmt.Errorf("endpoint %q: want only scheme, host and port, such as %s://%s", raw, u.Scheme, u.Host)
	}
	return nil
}

// CredentialsFromEnv sets the credentials from the environment, read
// through getenv (os.Getenv, in production): WHARF_S3_ACCESS_KEY_ID and
// WHARF_S3_SECRET_ACCESS_KEY (with WHARF_S3_SESSION_TOKEN) when the first
// is set, otherwise AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with
// AWS_SESSION_TOKEN). Halves of two pairs are never mixed. When neither
// pair is set, c is left as it is. It fails when a pair has only one half.
func (c *Config) CredentialsFromEnv(getenv func(string) string) error {
	pairs := [][3]string{
		{EnvAccessKeyID, EnvSecretAccessKey, EnvSessionToken},
		{EnvAWSAccessKeyID, EnvAWSSecretAccessKey, EnvAWSSessionToken},
	}
	for _, p := range pairs {
		id, secret := getenv(p[0]), getenv(p[1])
		if id == "" && secret == "" {
			continue
		}
		if id == "" || secret == "" {
			set, unset := p[0], p[1]
			if id == "" {
				set, unset = unset, set
			}
			return fmt.Errorf("s3: %s is set but %s is not; set both", set, unset)
		}
		c.AccessKeyID, c.SecretAccessKey, c.SessionToken = id, secret, getenv(p[2])
		return nil
	}
	return nil
}
