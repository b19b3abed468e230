package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/egress"
)

// Defaults for the zero Options.
const (
	defaultTimeout          = 30 * time.Second
	defaultMaxDocumentBytes = 16 << 20
	defaultMaxPackageBytes  = 250 << 20
	maxRedirects            = 5
)

// guard is the SSRF guard of a Client (package egress).
func guard(allowPrivate bool) egress.Guard {
	return egress.Guard{AllowPrivate: allowPrivate, Setting: "upstream_allow_private"}
}

// checkAddress refuses the addresses Options.AllowPrivate documents.
func checkAddress(ip netip.Addr, allowPrivate bool) error { return guard(allowPrivate).Check(ip) }

// newHTTPClient builds the one tuned transport of a Client. The dialer
// checks each resolved address just before connecting, so a name that
// resolves to a forbidden address is refused whatever the URL said.
func newHTTPClient(opts Options) *http.Client {
	dialer := guard(opts.AllowPrivate).Dialer(min(opts.Timeout, 10*time.Second))
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would make the address check meaningless
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(opts.Timeout, 10*time.Second),
		ResponseHeaderTimeout: opts.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: transport, CheckRedirect: checkRedirect}
}

// sourceKey carries the Source of a request to checkRedirect.
type sourceKey struct{}

// checkRedirect bounds redirects, keeps them on http(s), and sends the
// source's credentials only where the service index lives.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("it redirected more than %d times", maxRedirects)
	}
	if err := checkScheme(req.URL); err != nil {
		return err
	}
	req.Header.Del("Authorization")
	if src, ok := req.Context().Value(sourceKey{}).(Source); ok {
		authorize(req, src)
	}
	return nil
}

// checkScheme allows only http and https URLs.
func checkScheme(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("the URL scheme %q is not http or https", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("the URL has no host")
	}
	return nil
}

// authorize adds the source's Basic credentials when req goes to the
// same scheme, host and port as the source's service index.
func authorize(req *http.Request, src Source) {
	if src.Username == "" && src.Password == "" {
		return
	}
	index, err := url.Parse(src.IndexURL)
	if err != nil || origin(index) != origin(req.URL) {
		return
	}
	req.SetBasicAuth(src.Username, src.Password)
}

// origin is scheme://host:port with the default port filled in.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// withSource records src in ctx for checkRedirect.
func withSource(ctx context.Context, src Source) context.Context {
	return context.WithValue(ctx, sourceKey{}, src)
}
