package upstream

import (
	"net/http"
	"sync"
	"time"
)

// Options configure a Client.
type Options struct {
	// AllowPrivate lets requests reach loopback and private addresses
	// (10/8, 172.16/12, 192.168/16, fc00::/7, 127/8, ::1): needed for an
	// upstream inside the company network. Link-local addresses (cloud
	// metadata endpoints) and unspecified addresses are always refused.
	AllowPrivate bool
	// Timeout bounds each document request (default 30s).
	Timeout time.Duration
	// MaxDocumentBytes bounds each JSON document read (default 16 MiB).
	MaxDocumentBytes int64
	// MaxPackageBytes bounds a .nupkg download (default 250 MiB).
	MaxPackageBytes int64
	// UserAgent is sent with every request.
	UserAgent string
	// Observe, when set, is told about every request: the operation
	// ("index", "registration", "catalog", "package", "search",
	// "autocomplete"), its duration, the bytes read and its error.
	Observe func(op string, d time.Duration, bytes int64, err error)
}

// Client talks to upstream sources. It is safe for concurrent use and
// caches each source's service index.
type Client struct {
	opts Options

	hc      *http.Client // one tuned transport per Client
	mu      sync.Mutex
	indexes map[string]*resources // by Source.IndexURL
	now     func() time.Time      // the clock; tests move it
}

// New returns a Client.
func New(opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.MaxDocumentBytes <= 0 {
		opts.MaxDocumentBytes = defaultMaxDocumentBytes
	}
	if opts.MaxPackageBytes <= 0 {
		opts.MaxPackageBytes = defaultMaxPackageBytes
	}
	return &Client{opts: opts, hc: newHTTPClient(opts), indexes: map[string]*resources{}, now: time.Now}
}

// Downloaded describes a .nupkg that Download wrote.
type Downloaded struct {
	Size     int64
	SHA512   string // base64 of the SHA-512 of what was written
	Verified bool   // the source's catalog gave a SHA-512 packageHash and it matched
}

// SearchQuery is a search as NuGet clients send it.
type SearchQuery struct {
	Q           string
	Skip, Take  int
	Prerelease  bool
	SemVerLevel string // "2.0.0" or ""
	PackageType string
}
