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
	"syscall"
	"time"
)

// Defaults for the zero Options.
const (
	defaultTimeout          = 30 * time.Second
	defaultMaxDocumentBytes = 16 << 20
	defaultMaxPackageBytes  = 250 << 20
	maxRedirects            = 5
)

// sharedAddressSpace is 100.64.0.0/10 (carrier-grade NAT), which
// netip.Addr.IsPrivate does not count as private.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// refusedAddress is the dial-time error for an address the operator did
// not allow; errors.As finds it through url.Error and net.OpError.
type refusedAddress struct {
	ip     netip.Addr
	always bool
}

func (e *refusedAddress) Error() string {
	if e.always {
		return fmt.Sprintf("the address %s is link-local, multicast or unspecified, which Wharf never contacts", e.ip)
	}
	return fmt.Sprintf("the address %s is loopback or private; the operator setting upstream_allow_private allows it", e.ip)
}

// checkAddress refuses the addresses Options.AllowPrivate documents.
func checkAddress(ip netip.Addr, allowPrivate bool) error {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return &refusedAddress{ip: ip, always: true}
	}
	if !allowPrivate && (ip.IsLoopback() || ip.IsPrivate() || sharedAddressSpace.Contains(ip)) {
		return &refusedAddress{ip: ip}
	}
	return nil
}

// newHTTPClient builds the one tuned transport of a Client. The dialer
// checks each resolved address just before connecting, so a name that
// resolves to a forbidden address is refused whatever the URL said.
func newHTTPClient(opts Options) *http.Client {
	dialer := &net.Dialer{
		Timeout:   min(opts.Timeout, 10*time.Second),
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return err
			}
			return checkAddress(ip, opts.AllowPrivate)
		},
	}
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
