// Package egress guards the requests Wharf makes to addresses other
// people chose (upstream sources, webhook receivers) against server-side
// request forgery: it refuses link-local, multicast and unspecified
// addresses always, and loopback, private, shared (CGNAT) addresses and
// the server's own interface addresses unless the operator allows them.
// The check runs on every address a connection is about to use (the
// dialer's Control), so a name that resolves differently later (DNS
// rebinding) is refused all the same; CheckURL runs the same check ahead,
// to refuse a URL with a sentence when it is entered.
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// sharedAddressSpace is 100.64.0.0/10 (carrier-grade NAT), which
// netip.Addr.IsPrivate does not count as private.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// Guard decides which addresses outbound connections may reach.
type Guard struct {
	// AllowPrivate lets connections reach loopback, private and shared
	// addresses and the server's own addresses. Link-local (cloud metadata
	// endpoints), multicast and unspecified addresses are always refused.
	AllowPrivate bool
	// Setting names the operator setting that sets AllowPrivate, for the
	// refusal's sentence (e.g. "upstream_allow_private").
	Setting string
	// Own reports whether an address is one of the server's own; nil uses
	// the machine's interface addresses (OwnAddresses).
	Own func(netip.Addr) bool
}

// RefusedError is the error for an address the guard refuses; errors.As
// finds it through url.Error and net.OpError.
type RefusedError struct {
	IP      netip.Addr
	Always  bool   // refused whatever the setting
	Setting string // the setting that would allow it
	Own     bool   // one of the server's own addresses
}

func (e *RefusedError) Error() string {
	switch {
	case e.Always:
		return fmt.Sprintf("the address %s is link-local, multicast or unspecified, which Wharf never contacts", e.IP)
	case e.Own:
		return fmt.Sprintf("the address %s is one of this server's own; the operator setting %s allows it", e.IP, e.Setting)
	}
	return fmt.Sprintf("the address %s is loopback or private; the operator setting %s allows it", e.IP, e.Setting)
}

// Check returns a *RefusedError when g refuses ip, nil otherwise.
func (g Guard) Check(ip netip.Addr) error {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return &RefusedError{IP: ip, Always: true}
	}
	if g.AllowPrivate {
		return nil
	}
	if ip.IsLoopback() || ip.IsPrivate() || sharedAddressSpace.Contains(ip) {
		return &RefusedError{IP: ip, Setting: g.Setting}
	}
	own := g.Own
	if own == nil {
		own = OwnAddresses
	}
	if own(ip) {
		return &RefusedError{IP: ip, Setting: g.Setting, Own: true}
	}
	return nil
}

// Control is a net.Dialer Control that applies Check to the address a
// connection is about to use.
func (g Guard) Control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return err
	}
	return g.Check(ip)
}

// Dialer returns a dialer with the given connect timeout that applies
// the guard to every connection.
func (g Guard) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: g.Control}
}

// CheckURL resolves u's host and applies Check to every address it
// names, so a refused URL can be refused when it is entered (the dialer
// checks again at connect time). Errors: a *RefusedError, or a resolver
// error.
func (g Guard) CheckURL(ctx context.Context, u *url.URL) error {
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return g.Check(ip)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return errors.New("the name has no address")
	}
	for _, ip := range addrs {
		if err := g.Check(ip); err != nil {
			return err
		}
	}
	return nil
}

// OwnAddresses reports whether ip is an address of one of this machine's
// network interfaces.
func OwnAddresses(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if own, ok := netip.AddrFromSlice(n.IP); ok && own.Unmap() == ip.Unmap() {
				return true
			}
		}
	}
	return false
}
