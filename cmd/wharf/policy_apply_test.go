package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyApply: 'wharf policy apply' prints its plan, --dry-run
// changes nothing, applying creates, updates (keeping the binding) and
// deletes the owners' policies, a second apply plans nothing, and an
// invalid file is refused with a sentence naming the entry and field and
// changes nothing.
func TestPolicyApply(t *testing.T) {
	e := &e2e{bin: wharfBinary(t), data: t.TempDir()}
	e.wharfOK(t, "user", "add", "alice")
	e.wharfOK(t, "org", "add", "contoso", "--admin", "alice")
	// Two policies exist: one the file keeps (bound, changed environment),
	// one it does not name (deleted).
	e.wharfOK(t, "policy", "add", "--user", "alice", "--owner", "contoso", "--name", "sdk", "--repository", "contoso/sdk",
		"--workflow", "release.yml", "--owner-id", "654321", "--repository-id", "123456")
	e.wharfOK(t, "policy", "add", "--user", "alice", "--owner", "contoso", "--name", "old", "--repository", "contoso/old", "--workflow", "release.yml")
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	file := write("policies.yaml", `# contoso's trusted publishing
policies:
  - owner: contoso
    name: sdk
    repository: contoso/sdk
    workflow: release.yml
    environment: prod
  - owner: contoso
    name: every-sdk
    repository: contoso/sdk-*
    workflow: release.yml
    packages: [Contoso.*]
  - name: tools
    repository: alice/tools
    readOnly: true
`)
	list := func() string {
		out, _ := e.wharfOK(t, "policy", "list", "--user", "alice")
		return out
	}
	before := list()
	out, _ := e.wharfOK(t, "policy", "apply", "-f", file, "--user", "alice", "--dry-run")
	for _, want := range []string{"~ update    contoso/sdk (ID 1): environment: \"\" → \"prod\"", "+ create    contoso/every-sdk", "+ create    alice/tools",
		"- delete    contoso/old (ID 2)", "2 to create, 1 to update, 1 to delete, 0 unchanged.", "Dry run: nothing was changed."} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run's plan lacks %q:\n%s", want, out)
		}
	}
	if after := list(); after != before {
		t.Errorf("--dry-run changed the policies:\n%s\nwas\n%s", after, before)
	}
	out, _ = e.wharfOK(t, "policy", "apply", "-f", file, "--user", "alice")
	if !strings.Contains(out, "Applied 4 changes.") {
		t.Errorf("apply: %s", out)
	}
	got := list()
	if strings.Contains(got, "contoso/old") || !strings.Contains(got, "contoso/sdk-*") || !strings.Contains(got, "alice/tools") {
		t.Errorf("after apply:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "1 ") && (!strings.Contains(l, "active") || !strings.Contains(l, "prod")) {
			t.Errorf("the updated policy lost its binding or its environment: %s", l)
		}
	}
	if !strings.Contains(got, "has not been used by any repository yet") {
		t.Errorf("policy list does not show the glob policy's (lack of) first uses:\n%s", got)
	}
	if show, _ := e.wharfOK(t, "policy", "show", "3", "--user", "alice"); !strings.Contains(show, "contoso/sdk-*") || !strings.Contains(show, "Bound IDs:") ||
		!strings.Contains(show, "has not been used by any repository yet") {
		t.Errorf("policy show of the glob policy:\n%s", show)
	}
	out, _ = e.wharfOK(t, "policy", "apply", "-f", file, "--user", "alice")
	if !strings.Contains(out, "0 to create, 0 to update, 0 to delete, 3 unchanged.") || !strings.Contains(out, "Nothing to change.") {
		t.Errorf("a second apply plans changes:\n%s", out)
	}
	// Invalid files change nothing and name the entry and field.
	before = list()
	for name, tc := range map[string]struct{ text, want string }{
		"bad repository": {"policies:\n  - name: a\n    repository: contoso/sdk\n    workflow: release.yml\n  - name: b\n    repository: nope\n    workflow: release.yml\n",
			"policies[1] (b), field 'repository': 'nope' is not a repository"},
		"unknown field": {"policies:\n  - name: a\n    repo: contoso/sdk\n", "field repo not found"},
		"no name":       {"policies:\n  - repository: contoso/sdk\n    workflow: release.yml\n", "policies[0], field 'name': Give every policy a name"},
		"duplicate":     {"policies:\n  - {name: a, repository: x/y, workflow: r.yml}\n  - {name: a, repository: x/z, workflow: r.yml}\n", "policies[0] (a) already names a policy 'a'"},
		"not my org":    {"policies:\n  - {owner: fabrikam, name: a, repository: x/y, workflow: r.yml}\n", "field 'owner': There is no organisation named 'fabrikam'"},
		"rebind":        {"owners: [contoso]\npolicies:\n  - {owner: contoso, name: sdk, repository: contoso/other, workflow: release.yml, environment: prod}\n", "--rebind"},
	} {
		_, stderr, code := e.wharf(t, "policy", "apply", "-f", write(strings.ReplaceAll(name, " ", "-")+".yaml", tc.text), "--user", "alice")
		if code == 0 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want a refusal saying %q", name, code, stderr, tc.want)
		}
	}
	if after := list(); after != before {
		t.Errorf("a refused file changed the policies:\n%s\nwas\n%s", after, before)
	}
	// JSON is a policy file too; an owner listed with no entries loses its policies.
	out, _ = e.wharfOK(t, "policy", "apply", "-f", write("p.json", `{"owners": ["contoso"], "policies": [{"name": "tools", "repository": "alice/tools", "readOnly": true}]}`), "--user", "alice")
	if !strings.Contains(out, "0 to create, 0 to update, 2 to delete, 1 unchanged.") {
		t.Errorf("JSON file emptying contoso:\n%s", out)
	}
}
