package main

import (
	"strings"
	"testing"
)

// TestPrefixCommands drives 'wharf prefix' as an operator would, on a
// fresh data directory.
func TestPrefixCommands(t *testing.T) {
	e := &e2e{bin: wharfBinary(t), data: t.TempDir()}
	e.wharfOK(t, "user", "add", "alice")
	e.wharfOK(t, "org", "add", "contoso", "--admin", "alice")

	_, stderr := e.wharfOK(t, "prefix", "reserve", "Contoso.*", "--owner", "contoso")
	if !strings.Contains(stderr, "Reserved Contoso.* for contoso.") {
		t.Errorf("prefix reserve says %q", stderr)
	}
	e.wharfOK(t, "prefix", "reserve", "Alice.Tools", "--owner", "alice")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"prefix", "reserve", "contoso.*", "--owner", "alice"}, "'Contoso.*' is already reserved for contoso"},
		{[]string{"prefix", "reserve", "*", "--owner", "alice"}, "would reserve every package ID"},
		{[]string{"prefix", "reserve", "Bad*", "--owner", "alice"}, "'*' may only end it"},
		{[]string{"prefix", "reserve", "Fabrikam.*", "--owner", "nobody"}, "no user or organisation named 'nobody'"},
		{[]string{"prefix", "reserve", "Fabrikam.*"}, "--owner"},
		{[]string{"prefix", "release", "Nothing.*"}, "'Nothing.*' is not reserved"},
	} {
		if _, stderr, code := e.wharf(t, tc.args...); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("wharf %s: exit %d, stderr %q; want a failure saying %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	out, _ := e.wharfOK(t, "prefix", "list")
	for _, want := range []string{"PATTERN", "Contoso.*", "contoso", "Alice.Tools", "alice"} {
		if !strings.Contains(out, want) {
			t.Errorf("prefix list does not show %q:\n%s", want, out)
		}
	}
	e.wharfOK(t, "prefix", "release", "CONTOSO.*")
	if out, _ = e.wharfOK(t, "prefix", "list"); strings.Contains(out, "Contoso.*") {
		t.Errorf("prefix list still shows a released prefix:\n%s", out)
	}
	out, _ = e.wharfOK(t, "audit")
	for _, want := range []string{"prefix.reserve", "prefix.release"} {
		if !strings.Contains(out, want) {
			t.Errorf("the audit log has no %s:\n%s", want, out)
		}
	}
}
