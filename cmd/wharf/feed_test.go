package main

import (
	"strings"
	"testing"
)

// TestFeedCommands drives the feed, grant, move and key-scope commands
// as an operator would, on a fresh data directory.
func TestFeedCommands(t *testing.T) {
	e := &e2e{bin: wharfBinary(t), data: t.TempDir()}
	e.wharfOK(t, "user", "add", "alice")
	e.wharfOK(t, "org", "add", "contoso", "--admin", "alice")

	_, stderr := e.wharfOK(t, "feed", "add", "secret", "--private", "--description", "Contoso's own packages")
	if !strings.Contains(stderr, "/feeds/secret/v3/index.json") {
		t.Errorf("feed add does not print the feed's source URL: %q", stderr)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"feed", "add", "Bad_Name"}, "not a valid feed name"},
		{[]string{"feed", "add", "secret"}, "already a feed named 'secret'"},
		{[]string{"feed", "grant", "secret", "--user", "nobody", "--role", "reader"}, "nobody"},
		{[]string{"feed", "grant", "secret", "--user", "alice", "--role", "owner"}, "not a feed role"},
		{[]string{"feed", "grant", "secret", "--user", "alice", "--signed-in", "--role", "reader"}, "exactly one subject"},
		{[]string{"feed", "grant", "nosuch", "--user", "alice", "--role", "reader"}, "no feed named 'nosuch'"},
		{[]string{"feed", "revoke", "secret", "--user", "alice"}, "has no grant"},
		{[]string{"feed", "set", "secret"}, "nothing to change"},
		{[]string{"package", "move", "No.Such", "secret"}, "no package 'no.such'"},
		{[]string{"package", "delete", "No.Such", "1.0.0", "--reason", "gone"}, "No.Such"},
		{[]string{"package", "delete", "No.Such", "1.0.0"}, `"reason" not set`},
		{[]string{"feed", "set", "nosuch", "--owners-may-delete"}, "no feed named 'nosuch'"},
		{[]string{"key", "add", "--user", "alice", "--scope", "write"}, "not a key scope"},
	} {
		if _, stderr, code := e.wharf(t, tc.args...); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("wharf %s: exit %d, stderr %q; want a failure saying %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	e.wharfOK(t, "feed", "grant", "secret", "--user", "alice", "--role", "reader")
	e.wharfOK(t, "feed", "grant", "secret", "--org", "contoso", "--role", "publisher")
	e.wharfOK(t, "feed", "grant", "secret", "--user", "alice", "--role", "admin") // replaces the reader grant
	out, _ := e.wharfOK(t, "feed", "list")
	for _, want := range []string{"default", "public", "signed-in: publisher", "secret", "private", "user alice: admin", "org contoso: publisher", "Contoso's own packages"} {
		if !strings.Contains(out, want) {
			t.Errorf("feed list does not show %q:\n%s", want, out)
		}
	}
	e.wharfOK(t, "feed", "revoke", "secret", "--org", "contoso")
	e.wharfOK(t, "feed", "set", "secret", "--public")
	if _, stderr := e.wharfOK(t, "feed", "set", "secret", "--owners-may-delete"); !strings.Contains(stderr, "package owners may delete versions for good") {
		t.Errorf("feed set --owners-may-delete: %q", stderr)
	}
	if _, stderr := e.wharfOK(t, "feed", "set", "secret", "--owners-may-delete=false"); !strings.Contains(stderr, "only administrators may delete") {
		t.Errorf("feed set --owners-may-delete=false: %q", stderr)
	}
	out, _ = e.wharfOK(t, "feed", "list")
	if strings.Contains(out, "contoso") || strings.Contains(out, "private") {
		t.Errorf("after revoke and set --public, feed list still shows them:\n%s", out)
	}

	e.addKey(t, "--user", "alice", "--scope", "read")
	e.addKey(t, "--user", "alice", "--scope", "read", "--scope", "push")
	e.addKey(t, "--user", "alice")
	out, _ = e.wharfOK(t, "key", "list", "--user", "alice")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "SCOPES") || !strings.Contains(lines[1], " push ") ||
		!strings.Contains(lines[2], " read,push ") || !strings.Contains(lines[3], " read ") {
		t.Errorf("key list, newest first, want scopes push, read,push, read:\n%s", out)
	}
	out, _ = e.wharfOK(t, "audit")
	for _, want := range []string{"feed.create", "feed.grant", "feed.revoke", "feed.update"} {
		if !strings.Contains(out, want) {
			t.Errorf("the audit log has no %s:\n%s", want, out)
		}
	}
}
