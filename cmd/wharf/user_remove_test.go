package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestUserRemove removes a user with the admin command against a running
// server: without an heir it is refused with a sentence naming what only
// they hold, and nothing changes (their key still pushes); with
// --transfer-to, the heir owns their package, administers their
// organisation, feed and prefix, their key is refused over HTTP, they are
// gone from the user list, and the audit log says so.
func TestUserRemove(t *testing.T) {
	e := startWharfIn(t, t.TempDir())
	key := e.apiKey(t, "alice")
	bobKey := e.apiKey(t, "bob")
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Alice.Lib", Version: "1.0.0"})
	e.wharfOK(t, "org", "add", "contoso", "--admin", "alice")
	e.wharfOK(t, "feed", "add", "secret", "--private")
	e.wharfOK(t, "feed", "grant", "secret", "--user", "alice", "--role", "admin")
	e.wharfOK(t, "prefix", "reserve", "Alice.*", "--owner", "alice")

	_, stderr, code := e.wharf(t, "user", "remove", "alice")
	for _, want := range []string{"Alice.Lib", "contoso", "secret", "Alice.*", "--transfer-to"} {
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("wharf user remove alice without an heir: exit %d, stderr %q; want a refusal naming %q", code, stderr, want)
		}
	}
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Alice.Lib", Version: "1.1.0"}) // nothing changed
	if _, stderr, code := e.wharf(t, "user", "remove", "alice", "--transfer-to", "nobody"); code == 0 || !strings.Contains(stderr, "no user named 'nobody'") {
		t.Errorf("transfer to an unknown user: exit %d, %q", code, stderr)
	}

	_, stderr = e.wharfOK(t, "user", "remove", "alice", "--transfer-to", "bob")
	if !strings.Contains(stderr, "Removed alice") || !strings.Contains(stderr, "transferred to bob") {
		t.Errorf("wharf user remove says %q", stderr)
	}
	if status, why := e.pushHTTP(t, key, nugettest.Spec{ID: "Alice.Lib", Version: "2.0.0"}); status != http.StatusUnauthorized && status != http.StatusForbidden {
		t.Errorf("push with a removed user's key: %d %q, want 401/403", status, why)
	}
	// The server sees the command's change at its next poll of the feed
	// revision (every second).
	e.pushWithin(t, 5*time.Second, bobKey, nugettest.Spec{ID: "Alice.Lib", Version: "2.0.0"}) // bob owns it now
	e.mustPushHTTP(t, bobKey, nugettest.Spec{ID: "Alice.New", Version: "1.0.0"})              // and the prefix
	out, _ := e.wharfOK(t, "org", "member", "list", "contoso")
	if !regexpLine(out, "bob", "admin") || strings.Contains(out, "alice") {
		t.Errorf("contoso's members after removing alice:\n%s", out)
	}
	out, _ = e.wharfOK(t, "feed", "list")
	if !strings.Contains(out, "bob") {
		t.Errorf("feed list after removing alice does not show bob's grant:\n%s", out)
	}
	out, _ = e.wharfOK(t, "user", "list")
	if strings.Contains(out, "alice") {
		t.Errorf("user list still shows alice:\n%s", out)
	}
	out, _ = e.wharfOK(t, "audit", "--event", "user.remove")
	if !strings.Contains(out, "alice") || !strings.Contains(out, "rejected") || !strings.Contains(out, "done") {
		t.Errorf("audit --event user.remove:\n%s", out)
	}
	if _, stderr, code := e.wharf(t, "user", "remove", "alice"); code == 0 || !strings.Contains(stderr, "no user named 'alice'") {
		t.Errorf("removing alice twice: exit %d, %q", code, stderr)
	}
	// The name is free again.
	e.wharfOK(t, "user", "add", "alice")
}

// pushWithin pushes spec until it is accepted or d has passed: for a
// change made by an admin command, which the server picks up at its next
// poll of the feed revision.
func (e *e2e) pushWithin(t *testing.T, d time.Duration, key string, spec nugettest.Spec) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		status, why := e.pushHTTP(t, key, spec)
		if status == http.StatusCreated {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("push %s %s: %d %s", spec.ID, spec.Version, status, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
