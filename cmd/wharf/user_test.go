package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestUserLifecycle lists, disables, enables and promotes a user with the
// admin commands against a running server: a disabled user's push key is
// refused with a sentence on the next push, and enabling restores it.
func TestUserLifecycle(t *testing.T) {
	e := startWharfIn(t, t.TempDir())
	key := e.apiKey(t, "alice")
	e.wharfOK(t, "user", "add", "bob", "--admin")
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Alice.Lib", Version: "1.0.0"})

	out, _ := e.wharfOK(t, "user", "list")
	if !strings.Contains(out, "NAME") || !regexpLine(out, "alice", "user", "no", "-") || !regexpLine(out, "bob", "user", "yes") {
		t.Errorf("user list:\n%s", out)
	}

	_, stderr := e.wharfOK(t, "user", "disable", "alice")
	if !strings.Contains(stderr, "Disabled alice") {
		t.Errorf("user disable says %q", stderr)
	}
	status, why := e.pushHTTP(t, key, nugettest.Spec{ID: "Alice.Lib", Version: "2.0.0"})
	if status != http.StatusUnauthorized && status != http.StatusForbidden || !strings.Contains(why, "disabled") {
		t.Errorf("push with a disabled user's key: %d %q, want 401/403 saying the account is disabled", status, why)
	}
	out, _ = e.wharfOK(t, "user", "list")
	if regexpLine(out, "alice", "user", "no", "-") {
		t.Errorf("user list does not show alice disabled:\n%s", out)
	}

	e.wharfOK(t, "user", "enable", "alice")
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Alice.Lib", Version: "2.0.0"})

	e.wharfOK(t, "user", "set-admin", "alice", "--admin=true")
	e.wharfOK(t, "user", "set-admin", "bob", "--admin=false")
	out, _ = e.wharfOK(t, "user", "list")
	if !regexpLine(out, "alice", "user", "yes") || !regexpLine(out, "bob", "user", "no") {
		t.Errorf("user list after set-admin:\n%s", out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"user", "disable", "nobody"}, "no user named 'nobody'"},
		{[]string{"user", "set-admin", "alice"}, "--admin=true or --admin=false"},
	} {
		if _, stderr, code := e.wharf(t, tc.args...); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("wharf %s: exit %d, stderr %q; want a failure saying %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	out, _ = e.wharfOK(t, "audit")
	for _, want := range []string{"user.disable", "user.enable", "user.admin"} {
		if !strings.Contains(out, want) {
			t.Errorf("audit log lacks %s:\n%s", want, out)
		}
	}
}

// regexpLine reports whether some line of out starts with fields[0] and
// has the other fields as its next columns.
func regexpLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= len(fields) && strings.Join(f[:len(fields)], " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}
