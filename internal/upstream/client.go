package upstream

import (
	"context"
	"errors"
	"io"
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
}

// New returns a Client.
func New(opts Options) *Client { return &Client{opts: opts} }

// Package reads everything the source's registration says about id.
// Errors: ErrNotFound, ErrUnavailable, ErrRefused, ErrTooLarge.
func (c *Client) Package(ctx context.Context, src Source, id string) (*Package, error) {
	return nil, errors.New("not implemented")
}

// Downloaded describes a .nupkg that Download wrote.
type Downloaded struct {
	Size     int64
	SHA512   string // base64 of the SHA-512 of what was written
	Verified bool   // the source's catalog gave a SHA-512 packageHash and it matched
}

// Download streams v's .nupkg into w, computing its SHA-512, and checks it
// against the packageHash of v's catalog leaf when the source gives one
// (a mismatch is ErrHashMismatch: the caller discards what was written).
// Errors: ErrNotFound, ErrUnavailable, ErrRefused, ErrTooLarge,
// ErrHashMismatch, w's error.
func (c *Client) Download(ctx context.Context, src Source, v *Version, w io.Writer) (Downloaded, error) {
	return Downloaded{}, errors.New("not implemented")
}

// SearchQuery is a search as NuGet clients send it.
type SearchQuery struct {
	Q           string
	Skip, Take  int
	Prerelease  bool
	SemVerLevel string // "2.0.0" or ""
	PackageType string
}

// Search asks the source's SearchQueryService. Errors: ErrUnavailable,
// ErrRefused, ErrTooLarge.
func (c *Client) Search(ctx context.Context, src Source, q SearchQuery) (*SearchResult, error) {
	return nil, errors.New("not implemented")
}

// Autocomplete asks the source's SearchAutocompleteService for IDs
// starting with q (the "q" form; not the "id" form). It returns the IDs
// and the source's totalHits. Errors: ErrUnavailable, ErrRefused, ErrTooLarge.
func (c *Client) Autocomplete(ctx context.Context, src Source, q SearchQuery) ([]string, int, error) {
	return nil, 0, errors.New("not implemented")
}
