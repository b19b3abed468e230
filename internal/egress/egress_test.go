package egress

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"testing"
)

// TestCheck: which addresses each setting refuses.
func TestCheck(t *testing.T) {
	own := netip.MustParseAddr("203.0.113.7")
	g := Guard{Setting: "x_allow_private", Own: func(ip netip.Addr) bool { return ip == own }}
	for _, tc := range []struct {
		addr                 string
		strict, allowPrivate bool // refused?
	}{
		{"93.184.216.34", false, false},
		{"2606:4700::1111", false, false},
		{"203.0.113.7", true, false},
		{"127.0.0.1", true, false},
		{"::1", true, false},
		{"10.1.2.3", true, false},
		{"172.16.0.1", true, false},
		{"172.32.0.1", false, false},
		{"192.168.1.1", true, false},
		{"100.64.0.1", true, false},
		{"fd00::1", true, false},
		{"::ffff:127.0.0.1", true, false},
		{"169.254.169.254", true, true},
		{"::ffff:169.254.169.254", true, true},
		{"fe80::1", true, true},
		{"0.0.0.0", true, true},
		{"::", true, true},
		{"224.0.0.1", true, true},
		{"ff02::1", true, true},
	} {
		ip := netip.MustParseAddr(tc.addr)
		g.AllowPrivate = false
		if got := g.Check(ip) != nil; got != tc.strict {
			t.Errorf("%s strict: refused = %v, want %v", tc.addr, got, tc.strict)
		}
		g.AllowPrivate = true
		if got := g.Check(ip) != nil; got != tc.allowPrivate {
			t.Errorf("%s allowPrivate: refused = %v, want %v", tc.addr, got, tc.allowPrivate)
		}
	}
}

// TestCheckURL: a name that resolves to loopback is refused with the
// setting named.
func TestCheckURL(t *testing.T) {
	u, _ := url.Parse("http://localhost:9/hook")
	err := Guard{Setting: "webhook_allow_private"}.CheckURL(context.Background(), u)
	var refused *RefusedError
	if !errors.As(err, &refused) || refused.Setting != "webhook_allow_private" {
		t.Fatalf("CheckURL(localhost) = %v, want a RefusedError naming the setting", err)
	}
	if err := (Guard{AllowPrivate: true}).CheckURL(context.Background(), u); err != nil {
		t.Fatalf("allowed: %v", err)
	}
}
