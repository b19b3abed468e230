// Rate limits on the token exchange and the client addresses they count.

package web_test

import (
	"context"
	"database/sql"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/testenv"
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

// TestRateLimitFloodWritesNothing: once a client address has spent its
// exchange budget for the minute, further exchanges are refused without
// writing to the database: SQLite's data_version, read on a connection of
// our own, stays put, and the address's counter stays at the budget.
func TestRateLimitFloodWritesNothing(t *testing.T) {
	const budget = 3
	dir := t.TempDir()
	path := db.SQLitePath(dir)
	d, err := db.OpenSQLiteWith(context.Background(), path, db.SQLiteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	f, o := trustedPublishing(t, budget)
	f.feed = newFeedOn(t, dir, d, testenv.Blobs(t, testenv.SQLiteFS, dir), o, nil)
	other, err := sql.Open("sqlite3", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	observe := func() (version, counted int64) {
		ctx := context.Background()
		if err := conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&version); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRowContext(ctx, "SELECT COALESCE(SUM(count), 0) FROM rate_limits WHERE key LIKE 'addr:%'").Scan(&counted); err != nil {
			t.Fatal(err)
		}
		return version, counted
	}
	for i := range budget {
		if res, out := f.exchange("junk", "alice"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("exchange %d within the budget: %s %v, want 401", i+1, res.Status, out)
		}
	}
	version, counted := observe()
	if counted != budget {
		t.Fatalf("%d exchanges counted, want %d", counted, budget)
	}
	for i := range 50 {
		if res, _ := f.exchange("junk", "alice"); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("exchange %d past the budget: %s, want 429", budget+i+1, res.Status)
		}
	}
	if v, n := observe(); v != version || n != budget {
		t.Errorf("50 refused exchanges: data_version %d -> %d, counter %d -> %d; want no write at all", version, v, counted, n)
	}
}

// TestRateLimitHoldsUnderConcurrentExchanges: successful exchanges count
// their budget inside the transaction that mints the key, so a burst of
// valid tokens sent at once still gets exactly the budget's worth of keys.
func TestRateLimitHoldsUnderConcurrentExchanges(t *testing.T) {
	const budget = 3
	f := newTPFeed(t, budget)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	f.mustExchange(f.claims(), "alice") // the first use binds the policy
	tokens := make([]string, 12)
	for i := range tokens {
		tokens[i] = f.iss.Token(f.claims())
	}
	codes := make(chan int, len(tokens))
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _ := f.exchange(tok, "alice")
			codes <- res.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if count[http.StatusOK] != budget-1 || count[http.StatusTooManyRequests] != len(tokens)-budget+1 {
		t.Errorf("%d concurrent exchanges with %d left of the budget: %v, want %d × 200 and the rest 429", len(tokens), budget-1, count, budget-1)
	}
}

// TestConcurrentFirstUseOfAPendingPolicy: matrix jobs of one workflow
// that exchange at the same moment, on a policy's first use, all get keys.
// The first binds the policy (a new revision); the others matched the
// revision before it and match again instead of being refused.
func TestConcurrentFirstUseOfAPendingPolicy(t *testing.T) {
	f := newTPFeed(t, -1)
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	tokens := make([]string, 8)
	for i := range tokens {
		tokens[i] = f.iss.Token(f.claims())
	}
	codes := make(chan int, len(tokens))
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _ := f.exchange(tok, "alice")
			codes <- res.StatusCode
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("a job exchanging at the policy's first use, with others: %d, want 200", c)
		}
	}
}
