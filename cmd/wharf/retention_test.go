package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestRetentionCommands drives the retention and pin commands as an
// operator would: bad rules are refused with a sentence, the plan lists
// exactly what the run then applies (by its digest), a pinned prerelease
// and the latest stable version stay, and a second run finds nothing.
func TestRetentionCommands(t *testing.T) {
	e := startWharfIn(t, "")
	key := e.apiKey(t, "alice")
	for _, v := range []string{"1.0.0", "1.1.0-beta.1", "1.1.0-beta.2", "1.1.0-beta.3", "1.1.0-beta.4", "1.1.0"} {
		e.mustPushHTTP(t, key, nugettest.Spec{ID: "Ret.Pkg", Version: v})
	}
	e.stopServer(t)
	e.exited = true

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"retention", "rule", "add", "--action", "delete"}, "either --keep-prereleases"},
		{[]string{"retention", "rule", "add", "--keep-prereleases", "2", "--older-than-days", "3", "--action", "delete"}, "either --keep-prereleases"},
		{[]string{"retention", "rule", "add", "--keep-prereleases", "2", "--action", "shred"}, "delete (for good) or unlist"},
		{[]string{"retention", "rule", "add", "--older-than-days", "30", "--action", "unlist"}, "between 1 and"},
		{[]string{"retention", "rule", "add", "--feed", "nosuch", "--keep-prereleases", "2", "--action", "delete"}, "nosuch"},
		{[]string{"retention", "rule", "add", "--glob", "a/b", "--keep-prereleases", "2", "--action", "delete"}, "glob 'a/b' is invalid"},
		{[]string{"retention", "rule", "remove", "x"}, "not a rule ID"},
		{[]string{"retention", "rule", "remove", "9"}, "no retention rule 9"},
		{[]string{"package", "pin", "Ret.Pkg", "9.9.9"}, "no version '9.9.9'"},
	} {
		if _, stderr, code := e.wharf(t, tc.args...); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("wharf %s: exit %d, stderr %q; want a failure saying %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	if out, _ := e.wharfOK(t, "retention", "rule", "list"); out != "" {
		t.Errorf("refused rules were stored:\n%s", out)
	}
	e.wharfOK(t, "retention", "rule", "add", "--glob", "Ret.*", "--keep-prereleases", "1", "--action", "delete")
	e.wharfOK(t, "package", "pin", "Ret.Pkg", "1.1.0-beta.1")
	out, _ := e.wharfOK(t, "retention", "rule", "list")
	if !strings.Contains(out, "keep the newest 1 prereleases per release line, delete the others") || !strings.Contains(out, "Ret.*") {
		t.Errorf("rule list:\n%s", out)
	}
	out, stderr := e.wharfOK(t, "retention", "plan")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "Ret.Pkg  1.1.0-beta.2") || !strings.Contains(lines[2], "Ret.Pkg  1.1.0-beta.3") ||
		!strings.Contains(lines[1], "rule 1: prerelease number 3 of release line 1.1.0") {
		t.Fatalf("plan, want beta.2 and beta.3 deleted (beta.1 is pinned):\n%s", out)
	}
	digest := regexp.MustCompile(`--plan ([0-9a-f]+)`).FindStringSubmatch(stderr)
	if digest == nil {
		t.Fatalf("plan gives no digest: %q", stderr)
	}
	if _, stderr, code := e.wharf(t, "retention", "run", "--plan", "0123456789abcdef"); code == 0 || !strings.Contains(stderr, "plan changed") {
		t.Errorf("run with another plan's digest: exit %d, %q", code, stderr)
	}
	run, stderr := e.wharfOK(t, "retention", "run", "--plan", digest[1])
	if run != out || !strings.Contains(stderr, "Applied 2 of 2") {
		t.Errorf("run applied\n%s\nwant the plan\n%s(%s)", run, out, stderr)
	}
	if out, _ := e.wharfOK(t, "retention", "plan"); strings.Count(out, "\n") != 1 {
		t.Errorf("plan after the run:\n%s", out)
	}
	if _, stderr, code := e.wharf(t, "package", "delete", "Ret.Pkg", "1.1.0-beta.2", "--reason", "x"); code == 0 || !strings.Contains(stderr, "no version") {
		t.Errorf("the deleted version is still there: %q", stderr)
	}
	audit, _ := e.wharfOK(t, "audit")
	for _, want := range []string{"retention.rule.add", "version.pin", "version.delete", "retention.run"} {
		if !strings.Contains(audit, want) {
			t.Errorf("the audit log has no %s", want)
		}
	}
	e.wharfOK(t, "package", "unpin", "Ret.Pkg", "1.1.0-beta.1")
	e.wharfOK(t, "retention", "rule", "remove", "1")
}
