// Rate limits on the token exchange and the client addresses they count.

package web_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

func TestExchangeRateLimit(t *testing.T) {
	f := newTPFeed(t, 3)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	for i := 0; i < 3; i++ {
		f.mustExchange(f.claims(), "alice")
	}
	res, out := f.exchange(f.iss.Token(f.claims()), "alice")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("4th exchange in a minute: %s %v, Retry-After %q", res.Status, out, res.Header.Get("Retry-After"))
	}
	f.advance(time.Minute)
	f.mustExchange(f.claims(), "alice")
}

func TestRateLimitIsNotKeyedOnTheClaimedUsername(t *testing.T) {
	f := newTPFeed(t, 3)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	ctx := context.Background()
	for i := 0; i < 10; i++ { // an attacker floods alice's name with junk from its own address
		f.reg.Exchange(ctx, registry.ExchangeRequest{Token: "junk", Username: "alice", RemoteAddr: "192.0.2.66"})
	}
	if _, err := f.reg.Exchange(ctx, registry.ExchangeRequest{Token: f.iss.Token(f.claims()), Username: "alice", RemoteAddr: "192.0.2.10"}); err != nil {
		t.Errorf("alice's CI was locked out by someone else's junk: %v", err)
	}
	long := strings.Repeat("a", 5000)
	res, out := f.exchange(f.iss.Token(f.claims()), long)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("a 5,000-character username: %s %v, want 400", res.Status, out)
	}
	if events, _ := f.reg.AuditLog(ctx, 100); len(events) > 0 && len(events[0].Subject) > 64 {
		t.Errorf("an over-long username reached the audit log")
	}
}

func TestClientAddressBehindProxies(t *testing.T) {
	post := func(f *feed, xff string) int {
		req, _ := http.NewRequest(http.MethodPost, f.urls.Token(), strings.NewReader(`{"username":"alice","tokenType":"ApiKey"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer junk")
		req.Header.Set("User-Agent", "test")
		req.Header.Set("X-Forwarded-For", xff)
		return f.do(req).StatusCode
	}
	iss := trusttest.NewIssuer(t)
	issuers := []trust.Issuer{{URL: iss.URL, Provider: trust.GitHub}}
	v, _ := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: "https://a"})
	opts := registry.Options{Verifier: v, Issuers: issuers, ExchangesPerMinute: 1}

	direct := newFeedWith(t, opts)
	if a, b := post(direct, "192.0.2.1"), post(direct, "192.0.2.2"); a != 401 || b != 429 {
		t.Errorf("without trusted proxies a forged X-Forwarded-For must not count: got %d then %d, want 401 then 429", a, b)
	}
	_, loopback, _ := net.ParseCIDR("127.0.0.0/8")
	proxied := newFeedBehind(t, opts, []*net.IPNet{loopback})
	if a, b := post(proxied, "192.0.2.1"), post(proxied, "192.0.2.2"); a != 401 || b != 401 {
		t.Errorf("behind a trusted proxy each client has its own budget: got %d then %d, want 401 twice", a, b)
	}
	if c := post(proxied, "192.0.2.1"); c != 429 {
		t.Errorf("the same forwarded client again: %d, want 429", c)
	}
}
