package upstream

import (
	"context"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"sync"
	"time"
)

type catalogLeafJSON struct {
	PackageHash          flexString `json:"packageHash"`
	PackageHashAlgorithm flexString `json:"packageHashAlgorithm"`
}

// knownHash reads the SHA-512 packageHash of v's catalog leaf: "" when
// the source gives none or the leaf cannot be read. Only a refusal stops
// the download.
func (c *Client) knownHash(ctx context.Context, src Source, v *Version) (string, error) {
	if v.CatalogURL == "" {
		return "", nil
	}
	var leaf catalogLeafJSON
	err := c.getJSON(ctx, request{src: src, op: "catalog", what: "the catalog leaf of " + v.Version, url: v.CatalogURL}, &leaf)
	if errors.Is(err, ErrRefused) {
		return "", err
	}
	if err != nil {
		return "", nil
	}
	alg := strings.ToUpper(strings.ReplaceAll(string(leaf.PackageHashAlgorithm), "-", ""))
	if alg != "SHA512" && alg != "" {
		return "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(string(leaf.PackageHash))
	if err != nil || len(raw) != sha512.Size {
		return "", nil
	}
	return base64.StdEncoding.EncodeToString(raw), nil
}

// Download streams v's .nupkg into w, computing its SHA-512, and checks it
// against the packageHash of v's catalog leaf when the source gives one
// (a mismatch is ErrHashMismatch: the caller discards what was written).
// Errors: ErrNotFound, ErrUnavailable, ErrRefused, ErrTooLarge,
// ErrHashMismatch, w's error.
func (c *Client) Download(ctx context.Context, src Source, v *Version, w io.Writer) (d Downloaded, err error) {
	want, err := c.knownHash(ctx, src, v)
	if err != nil {
		return Downloaded{}, err
	}
	start := time.Now()
	defer func() {
		if c.opts.Observe != nil {
			c.opts.Observe("package", time.Since(start), d.Size, err)
		}
	}()
	// The whole download may take longer than Timeout; a stall may not.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stall := newStallTimer(c.opts.Timeout, cancel)
	defer stall.stop()
	what := "the package " + v.Version
	resp, err := c.open(ctx, request{src: src, op: "package", what: what, url: v.ContentURL, notFound: ErrNotFound})
	if err != nil {
		if stall.fired() {
			return Downloaded{}, failf(ErrUnavailable, "%s did not answer the request for %s in time (the limit is %s).", hostOf(v.ContentURL), what, c.opts.Timeout)
		}
		return Downloaded{}, err
	}
	defer resp.Body.Close()
	host := resp.Request.URL.Host
	limit := c.opts.MaxPackageBytes
	if resp.ContentLength > limit {
		return Downloaded{}, failf(ErrTooLarge, "%s is %d bytes at %s; the limit is %d.", what, resp.ContentLength, host, limit)
	}
	hash := sha512.New()
	sink := &recordingWriter{w: w}
	n, err := io.Copy(io.MultiWriter(sink, hash), &stallReader{r: io.LimitReader(resp.Body, limit+1), stall: stall})
	d.Size = n
	switch {
	case sink.err != nil:
		return d, sink.err
	case err != nil && stall.fired():
		return d, failf(ErrUnavailable, "%s stopped sending %s for longer than %s.", host, what, c.opts.Timeout)
	case err != nil:
		return d, c.transportError(ctx, host, what, err)
	case n > limit:
		return d, failf(ErrTooLarge, "%s at %s is larger than the limit of %d bytes.", what, host, limit)
	}
	d.SHA512 = base64.StdEncoding.EncodeToString(hash.Sum(nil))
	if want != "" {
		if want != d.SHA512 {
			return d, failf(ErrHashMismatch, "%s from %s has SHA-512 %s… but the source's catalog says %s…; it was changed or corrupted.", what, host, d.SHA512[:16], want[:16])
		}
		d.Verified = true
	}
	return d, nil
}

// recordingWriter remembers the error of the caller's writer, so it is
// returned as is rather than as a network failure.
type recordingWriter struct {
	w   io.Writer
	err error
}

func (r *recordingWriter) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err != nil {
		r.err = err
	}
	return n, err
}

// stallTimer cancels a download that makes no progress for its duration.
type stallTimer struct {
	d       time.Duration
	t       *time.Timer
	mu      sync.Mutex
	expired bool
}

func newStallTimer(d time.Duration, cancel context.CancelFunc) *stallTimer {
	s := &stallTimer{d: d}
	s.t = time.AfterFunc(d, func() {
		s.mu.Lock()
		s.expired = true
		s.mu.Unlock()
		cancel()
	})
	return s
}

func (s *stallTimer) reset() { s.t.Reset(s.d) }
func (s *stallTimer) stop()  { s.t.Stop() }
func (s *stallTimer) fired() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expired
}

// stallReader resets the stall timer on every read that makes progress.
type stallReader struct {
	r     io.Reader
	stall *stallTimer
}

func (s *stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.stall.reset()
	}
	return n, err
}
