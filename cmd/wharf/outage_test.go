package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db/pgtest"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/testenv"
)

// TestServeThroughPostgresOutage stops PostgreSQL under a running "wharf serve" for
// three seconds: pushes and /readyz answer 503 with a sentence, a package
// read before is still served, the background work that fails every
// second is logged once, and so is its recovery; when PostgreSQL is back, pushes work without restarting
// Wharf. The database password never reaches the log.
func TestServeThroughPostgresOutage(t *testing.T) {
	const password = "n0t-in-the-log"
	env := testenv.ServerEnv(t, testenv.PostgresFS)
	for i, kv := range env {
		if strings.HasPrefix(kv, "WHARF_DATABASE_URL=") {
			env[i] = strings.Replace(kv, "postgres@", "postgres:"+password+"@", 1)
		}
	}
	e := startWharfIn(t, "", env...)
	key := e.apiKey(t, "alice")
	kept := e.mustPushHTTP(t, key, nugettest.Spec{ID: "Kept.Pkg", Version: "1.0.0"})
	restart := pgtest.Outage(t)
	time.Sleep(3 * time.Second) // three rounds of background sync
	const phrase = "The registry's database does not answer."
	if status, why := e.pushHTTP(t, key, nugettest.Spec{ID: "New.Pkg", Version: "1.0.0"}); status != http.StatusServiceUnavailable || !strings.Contains(why, phrase) {
		t.Errorf("push while PostgreSQL is down: %s; want 503 saying %q", why, phrase)
	}
	if status, body, err := e.get(e.base + "/readyz"); err != nil || status != http.StatusServiceUnavailable || strings.TrimSpace(string(body)) != "The database does not answer." {
		t.Errorf("/readyz while PostgreSQL is down: %d %q %v", status, body, err)
	}
	if got := e.nupkg(t, "Kept.Pkg", "1.0.0"); string(got) != string(kept) {
		t.Errorf("a package read before the outage downloads %d bytes, want the %d pushed", len(got), len(kept))
	}
	restart()
	time.Sleep(1500 * time.Millisecond) // a round of background sync succeeds
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "New.Pkg", Version: "1.0.0"})
	log := e.srvOut.String()
	if n := strings.Count(log, "quietly until the database answers again"); n != 1 {
		t.Errorf("background work failing every second was logged %d times in 3 s, want once", n)
	}
	if n := strings.Count(log, "the database answers again; background work resumed"); n != 1 {
		t.Errorf("the recovery was logged %d times, want once", n)
	}
	if strings.Contains(log, password) {
		t.Error("the database password is in the log")
	}
	if t.Failed() {
		t.Logf("server output:\n%s", log)
	}
}
