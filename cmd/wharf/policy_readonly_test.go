package main

import (
	"strings"
	"testing"
)

// TestReadOnlyPolicyCommands: 'wharf policy add --read-only' needs no
// workflow, takes no package globs, shows as read-only in 'policy list',
// and 'policy update --read-only=false --rebind' makes it a push policy,
// which needs its workflow.
func TestReadOnlyPolicyCommands(t *testing.T) {
	e := &e2e{bin: wharfBinary(t), data: t.TempDir()}
	e.wharfOK(t, "user", "add", "alice")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"policy", "add", "--user", "alice", "--repository", "contoso/sdk"}, "workflow file is required"},
		{[]string{"policy", "add", "--user", "alice", "--repository", "contoso/sdk", "--read-only", "--package", "Contoso.*"}, "leave the packages out"},
	} {
		if _, stderr, code := e.wharf(t, tc.args...); code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("wharf %s: exit %d, stderr %q; want a failure saying %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
	stdout, stderr := e.wharfOK(t, "policy", "add", "--user", "alice", "--repository", "contoso/sdk", "--read-only")
	if !strings.Contains(stderr, "read-only, restoring for alice") {
		t.Errorf("policy add --read-only says %q", stderr)
	}
	id := strings.TrimSpace(stdout)
	out, _ := e.wharfOK(t, "policy", "list", "--user", "alice")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "ACCESS") || !strings.Contains(lines[1], "(any)") || !strings.Contains(lines[1], " read-only ") {
		t.Errorf("policy list, want one read-only policy for any workflow:\n%s", out)
	}
	if _, stderr, code := e.wharf(t, "policy", "update", id, "--user", "alice", "--repository", "contoso/sdk", "--read-only=false", "--rebind"); code == 0 || !strings.Contains(stderr, "workflow file is required") {
		t.Errorf("update to a push policy without a workflow: exit %d, %q", code, stderr)
	}
	e.wharfOK(t, "policy", "update", id, "--user", "alice", "--repository", "contoso/sdk", "--workflow", "release.yml", "--read-only=false", "--rebind")
	if out, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); strings.Contains(out, "read-only") || !strings.Contains(out, " push ") {
		t.Errorf("after update --read-only=false --rebind, want a push policy:\n%s", out)
	}
	if out, _ := e.wharfOK(t, "audit"); !strings.Contains(out, "read-only, restoring for alice") {
		t.Errorf("the audit log does not record the read-only policy's creation:\n%s", out)
	}
}

// TestPolicyUpdateKeepsReadOnly: 'policy update' of a bound read-only
// policy without --read-only keeps it read-only (it does not silently
// become a push policy that every ci.yml run could publish with);
// --read-only=false is refused with a sentence unless --rebind confirms it.
func TestPolicyUpdateKeepsReadOnly(t *testing.T) {
	e := &e2e{bin: wharfBinary(t), data: t.TempDir()}
	e.wharfOK(t, "user", "add", "alice")
	stdout, _ := e.wharfOK(t, "policy", "add", "--user", "alice", "--repository", "contoso/sdk", "--workflow", "ci.yml", "--read-only",
		"--owner-id", "654321", "--repository-id", "123456")
	id := strings.TrimSpace(stdout)
	e.wharfOK(t, "policy", "update", id, "--user", "alice", "--repository", "contoso/sdk", "--workflow", "ci.yml", "--environment", "x")
	if out, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(out, " read-only ") || !strings.Contains(out, "active") {
		t.Errorf("after an update without --read-only, want the policy still read-only and active:\n%s", out)
	}
	_, stderr, code := e.wharf(t, "policy", "update", id, "--user", "alice", "--repository", "contoso/sdk", "--workflow", "ci.yml", "--read-only=false")
	if code == 0 || !strings.Contains(stderr, "publish") || !strings.Contains(stderr, "--rebind") {
		t.Errorf("--read-only=false without --rebind: exit %d, %q; want a refusal saying every matching job would publish", code, stderr)
	}
	if out, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(out, " read-only ") {
		t.Errorf("a refused update changed the policy:\n%s", out)
	}
	e.wharfOK(t, "policy", "update", id, "--user", "alice", "--repository", "contoso/sdk", "--workflow", "ci.yml", "--read-only=false", "--rebind")
	if out, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); strings.Contains(out, "read-only") || !strings.Contains(out, " push ") || !strings.Contains(out, "active") {
		t.Errorf("after a confirmed --read-only=false, want an active push policy:\n%s", out)
	}
}

// TestPolicyRefusesAnyRepositoryID: a policy for one repository refuses
// the repository ID '*' (which would bind it to the owner only), on add
// and update, with a sentence.
func TestPolicyRefusesAnyRepositoryID(t *testing.T) {
	e := &e2e{bin: wharfBinary(t), data: t.TempDir()}
	e.wharfOK(t, "user", "add", "alice")
	args := []string{"--user", "alice", "--repository", "contoso/sdk", "--workflow", "release.yml", "--owner-id", "654321", "--repository-id", "*"}
	if _, stderr, code := e.wharf(t, append([]string{"policy", "add"}, args...)...); code == 0 || !strings.Contains(stderr, "'*'") {
		t.Errorf("policy add --repository-id '*': exit %d, %q; want a refusal", code, stderr)
	}
	stdout, _ := e.wharfOK(t, "policy", "add", "--user", "alice", "--repository", "contoso/sdk", "--workflow", "release.yml")
	id := strings.TrimSpace(stdout)
	if _, stderr, code := e.wharf(t, append([]string{"policy", "update", id, "--rebind"}, args...)...); code == 0 || !strings.Contains(stderr, "'*'") {
		t.Errorf("policy update --repository-id '*': exit %d, %q; want a refusal", code, stderr)
	}
	if out, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(out, "pending") {
		t.Errorf("want the one policy still pending:\n%s", out)
	}
}
