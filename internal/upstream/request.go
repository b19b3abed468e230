package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/wharf-registry/wharf/internal/egress"
)

// request is one GET to a source.
type request struct {
	src  Source
	op   string // the Observe operation
	what string // for sentences
	url  string
	// notFound is the sentinel a 404 maps to (ErrNotFound for a
	// registration or package, ErrUnavailable for a resource that must exist).
	notFound error
}

// open sends a GET and returns the response of a 2xx answer; any other
// outcome is an error wrapping one of the sentinels. The caller closes
// the body.
func (c *Client) open(ctx context.Context, r request) (*http.Response, error) {
	u, err := url.Parse(r.url)
	if err != nil {
		return nil, failf(ErrUnavailable, "the source %s gave an invalid URL for %s.", hostOf(r.src.IndexURL), r.what)
	}
	host := u.Host
	if err := checkScheme(u); err != nil {
		return nil, failf(ErrRefused, "Wharf does not fetch %s from %s: %v.", r.what, hostOf(r.src.IndexURL), err)
	}
	req, err := http.NewRequestWithContext(withSource(ctx, r.src), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, failf(ErrUnavailable, "the URL of %s at %s is not usable.", r.what, host)
	}
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	authorize(req, r.src)
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, host, r.what, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	drain(resp)
	// The final host may differ from the first after redirects.
	host = resp.Request.URL.Host
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return nil, failf(ErrRefused, "%s refused Wharf's request for %s (%d %s); check the upstream's username and password.", host, r.what, code, http.StatusText(code))
	case code == http.StatusNotFound || code == http.StatusGone:
		sentinel := r.notFound
		if sentinel == nil {
			sentinel = ErrUnavailable
		}
		return nil, failf(sentinel, "%s answered %d %s to the request for %s.", host, code, http.StatusText(code), r.what)
	default:
		return nil, failf(ErrUnavailable, "%s answered %d %s to the request for %s; try again later.", host, code, http.StatusText(code), r.what)
	}
}

// transportError turns a failed round trip into a sentence.
func (c *Client) transportError(ctx context.Context, host, what string, err error) error {
	var refused *egress.RefusedError
	if errors.As(err, &refused) {
		return failf(ErrRefused, "Wharf did not contact %s for %s: %v.", host, what, refused)
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return failf(ErrUnavailable, "the request to %s for %s was cancelled.", host, what)
		}
		return failf(ErrUnavailable, "%s did not answer the request for %s in time (the limit is %s).", host, what, c.opts.Timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err // the URL may carry a token; the cause alone is enough
	}
	return failf(ErrUnavailable, "the request to %s for %s failed: %v.", host, what, err)
}

// getJSON reads the document at r.url into v, bounded by
// MaxDocumentBytes and Timeout, and tells Observe.
func (c *Client) getJSON(ctx context.Context, r request, v any) (err error) {
	start := time.Now()
	var n int64
	defer func() {
		if c.opts.Observe != nil {
			c.opts.Observe(r.op, time.Since(start), n, err)
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	resp, err := c.open(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	host := resp.Request.URL.Host
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxDocumentBytes+1))
	n = int64(len(body))
	if err != nil {
		return c.transportError(ctx, host, r.what, err)
	}
	if n > c.opts.MaxDocumentBytes {
		return failf(ErrTooLarge, "%s sent more than %d bytes for %s.", host, c.opts.MaxDocumentBytes, r.what)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return failf(ErrUnavailable, "%s answered something that is not a NuGet JSON document for %s.", host, r.what)
	}
	return nil
}

// drain discards a little of an unwanted body so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
}

// hostOf is the host of a URL for sentences ("" parts never leak userinfo).
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the upstream"
	}
	return u.Host
}

// resolve makes ref absolute against base.
func resolve(base, ref string) string {
	if ref == "" {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}
