package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// wharfWithEnv runs an admin command on the test's data directory with its
// own environment instead of the server's: an operator's shell that lacks
// (or overrides) the server's WHARF_TRUSTED_ISSUERS.
func (e *e2e) wharfWithEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, append(args, "--data", e.data)...)
	cmd.Env = append(cleanEnv(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.String(), errOut.String(), exitCode(t, err)
}

// restartWith stops the server and starts it again on the same data
// directory with another environment (which the admin commands then share).
func (e *e2e) restartWith(t *testing.T, env ...string) {
	t.Helper()
	if !e.exited {
		e.stopServer(t)
	}
	e.exited = false
	e.extraEnv = env
	if err := e.startServer(t); err != nil {
		t.Fatalf("restart: %v\n%s", err, e.srvOut.String())
	}
}

// policiesAPI lists the policies the manage key sees, as the API answers.
func (e *e2e) policiesAPI(t *testing.T, key string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+"/api/v2/policies", nil)
	req.Header.Set("X-NuGet-ApiKey", key)
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Policies []map[string]any }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v2/policies: %d, %v", res.StatusCode, err)
	}
	return out.Policies
}

// sqliteExec runs one statement on a stopped server's SQLite database.
func sqliteExec(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

// createPolicyAPI posts a policy to the API and returns the status and the
// answer's error sentence.
func (e *e2e) createPolicyAPI(t *testing.T, key string, body map[string]any) (int, string) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.base+"/api/v2/policies", bytes.NewReader(b))
	req.Header.Set("X-NuGet-ApiKey", key)
	req.Header.Set("Content-Type", "application/json")
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	msg, _ := out["error"].(string)
	return res.StatusCode, msg
}

// TestCLIPolicyUnderServerWithOtherIssuers is the bug of the issue: the
// server trusts a GitHub Enterprise Server named ghes (and a GitLab);
// 'wharf policy add' runs in a shell whose WHARF_TRUSTED_ISSUERS says
// github (GitHub Actions). Before, the policy silently took GitHub
// Actions and the GHES job was refused; now the command judges by the
// server's recorded list, says that its own differs, and the policy is on
// ghes; the command's own name is refused with the server's names; the
// API and policy files name issuers the same way; wharf doctor reports
// the disagreement.
func TestCLIPolicyUnderServerWithOtherIssuers(t *testing.T) {
	t.Parallel()
	ghes, gitlab := trusttest.NewIssuer(t), trusttest.NewIssuer(t)
	audience := "https://wharf.e2e.test"
	e := startWharfIn(t, "", "WHARF_TRUSTED_ISSUERS=ghes=github:"+ghes.URL+",gitlab-corp=gitlab:"+gitlab.URL, "WHARF_OIDC_AUDIENCE="+audience)
	e.wharfOK(t, "user", "add", "alice")
	shell := []string{"WHARF_TRUSTED_ISSUERS=github"}
	trusted := "it trusts ghes (" + ghes.URL + "), gitlab-corp (" + gitlab.URL + ")"

	out, stderr, code := e.wharfWithEnv(t, shell, "policy", "add", "--user", "alice", "--repository", "contoso/sdk", "--workflow", "release.yml")
	if code != 0 || !strings.Contains(stderr, "differ from those wharf serve runs with") {
		t.Fatalf("policy add from a shell with other issuers: exit %d\n%s%s", code, out, stderr)
	}
	if show, _ := e.wharfOK(t, "policy", "show", strings.TrimSpace(out), "--user", "alice"); !strings.Contains(show, "ghes ("+ghes.URL+")") || !strings.Contains(show, "pending") {
		t.Errorf("the policy is not on the server's ghes:\n%s", show)
	}
	token := ghes.Token(trusttest.With(trusttest.GitHubClaims(ghes.URL, audience, time.Now()), "repository_owner_id", "654321", "repository_id", "123456"))
	if status, res := e.exchangeHTTP(t, token, "alice"); status != http.StatusOK {
		t.Errorf("the GHES job's exchange: %d %v, want 200", status, res)
	}

	if _, stderr, code := e.wharfWithEnv(t, shell, "policy", "add", "--user", "alice", "--issuer", "github", "--repository", "contoso/lib", "--workflow", "release.yml"); code == 0 ||
		!strings.Contains(stderr, "'github' is not an issuer this server trusts; "+trusted) {
		t.Errorf("policy add --issuer github (the shell's, not the server's): exit %d, %s", code, stderr)
	}
	if _, stderr, code := e.wharf(t, "policy", "add", "--user", "alice", "--issuer", "gitlab-corp", "--provider", "github", "--repository", "contoso/lib", "--workflow", "release.yml"); code == 0 ||
		!strings.Contains(stderr, "'gitlab-corp' is a gitlab issuer, not a github one") {
		t.Errorf("policy add --issuer gitlab-corp --provider github: exit %d, %s", code, stderr)
	}
	if _, stderr := e.wharfOK(t, "policy", "add", "--user", "alice", "--issuer", "gitlab-corp", "--repository", "contoso/dotnet/sdk"); strings.Contains(stderr, "differ") {
		t.Errorf("a command with the server's settings warned: %s", stderr)
	}

	key, _ := e.addKey(t, "--user", "alice", "--scope", "manage")
	if status, msg := e.createPolicyAPI(t, key, map[string]any{"issuer": "github", "repository": "contoso/api", "workflow": "release.yml"}); status != http.StatusBadRequest ||
		!strings.Contains(msg, "'github' is not an issuer this server trusts; "+trusted) {
		t.Errorf("API create with an untrusted issuer name: %d %q", status, msg)
	}
	if status, msg := e.createPolicyAPI(t, key, map[string]any{"issuer": "ghes", "repository": "contoso/api", "workflow": "release.yml"}); status != http.StatusCreated {
		t.Errorf("API create on ghes: %d %q", status, msg)
	}
	file := filepath.Join(t.TempDir(), "policies.yml")
	os.WriteFile(file, []byte("policies:\n  - owner: alice\n    name: from a file\n    issuer: gitlab\n    repository: contoso/dotnet/lib\n"), 0o600)
	if _, stderr, code := e.wharfWithEnv(t, shell, "policy", "apply", "-f", file, "--user", "alice", "--dry-run"); code == 0 || !strings.Contains(stderr, "'gitlab' is not an issuer this server trusts") {
		t.Errorf("policy apply with an untrusted issuer name: exit %d, %s", code, stderr)
	}
	var names []string
	for _, p := range e.policiesAPI(t, key) {
		names = append(names, p["issuer"].(string)+"@"+p["issuerUrl"].(string))
	}
	if want := "ghes@" + ghes.URL + " gitlab-corp@" + gitlab.URL + " ghes@" + ghes.URL; strings.Join(names, " ") != want {
		t.Errorf("API issuers %v, want %s", names, want)
	}

	doctor, _, _ := e.wharfWithEnv(t, shell, "doctor")
	if !strings.Contains(doctor, "this command's trusted_issuers give github=github:"+trust.GitHubActionsIssuer) || !strings.Contains(doctor, "ghes=github:"+ghes.URL) {
		t.Errorf("doctor does not report the disagreement:\n%s", doctor)
	}
	if doctor, _, _ := e.wharf(t, "doctor"); strings.Contains(doctor, "wharf serve last started") {
		t.Errorf("doctor with the server's settings reports a disagreement:\n%s", doctor)
	}
}

// TestPolicyInactiveWhenIssuerChanges: a policy made on ghes stays on it.
// Restarted with ghes naming another URL (and the policy's URL named
// old), the policy is inactive with the reason in policy list, show and
// the API; a token from its URL is refused with the generic answer and the
// audit log says why. Restarted without ghes at all, it says so. Editing
// it onto a trusted issuer (confirmed) makes it pending again.
func TestPolicyInactiveWhenIssuerChanges(t *testing.T) {
	t.Parallel()
	first, second := trusttest.NewIssuer(t), trusttest.NewIssuer(t)
	audience := "https://wharf.e2e.test"
	env := func(issuers string) []string {
		return []string{"WHARF_TRUSTED_ISSUERS=" + issuers, "WHARF_OIDC_AUDIENCE=" + audience}
	}
	e := startWharfIn(t, "", env("ghes=github:"+first.URL)...)
	e.wharfOK(t, "user", "add", "alice")
	key, _ := e.addKey(t, "--user", "alice", "--scope", "manage")
	out, _ := e.wharfOK(t, "policy", "add", "--user", "alice", "--issuer", "ghes", "--repository", "contoso/sdk", "--workflow", "release.yml")
	id := strings.TrimSpace(out)
	token := func(iss *trusttest.Issuer) string {
		return iss.Token(trusttest.With(trusttest.GitHubClaims(iss.URL, audience, time.Now()), "repository_owner_id", "654321", "repository_id", "123456"))
	}
	if status, res := e.exchangeHTTP(t, token(first), "alice"); status != http.StatusOK {
		t.Fatalf("binding exchange: %d %v", status, res)
	}

	e.restartWith(t, env("ghes=github:"+second.URL+",old=github:"+first.URL)...)
	moved := "its issuer 'ghes' now names " + second.URL + ", not " + first.URL
	if list, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(list, "inactive: "+moved) {
		t.Errorf("policy list after ghes moved:\n%s", list)
	}
	if show, _ := e.wharfOK(t, "policy", "show", id, "--user", "alice"); !strings.Contains(show, moved) {
		t.Errorf("policy show after ghes moved:\n%s", show)
	}
	if ps := e.policiesAPI(t, key); len(ps) != 1 || ps[0]["status"] != "inactive" || !strings.Contains(ps[0]["reason"].(string), moved) {
		t.Errorf("API after ghes moved: %v", ps)
	}
	for _, iss := range []*trusttest.Issuer{first, second} {
		if status, res := e.exchangeHTTP(t, token(iss), "alice"); status != http.StatusUnauthorized || !strings.Contains(res["error"], "No matching trust policy") {
			t.Errorf("exchange from %s after ghes moved: %d %v, want the generic 401", iss.URL, status, res)
		}
	}
	if audit, _ := e.wharfOK(t, "audit", "--event", "token.exchange", "--outcome", "rejected"); !strings.Contains(audit, "is inactive: "+moved) {
		t.Errorf("the audit log does not say why the old issuer's token was refused:\n%s", audit)
	}

	e.restartWith(t, env("github")...)
	// With one trusted issuer, policy add needs neither --issuer nor
	// --provider.
	if out, stderr, code := e.wharf(t, "policy", "add", "--user", "alice", "--repository", "contoso/only", "--workflow", "release.yml"); code != 0 {
		t.Errorf("policy add under one trusted issuer: exit %d\n%s%s", code, out, stderr)
	}
	if list, _ := e.wharfOK(t, "policy", "list", "--user", "alice"); !strings.Contains(list, "inactive: its issuer 'ghes' ("+first.URL+") is no longer trusted by this server (it trusts github)") {
		t.Errorf("policy list after ghes was removed:\n%s", list)
	}

	e.restartWith(t, env("ghes=github:"+second.URL)...)
	update := []string{"policy", "update", id, "--user", "alice", "--issuer", "ghes", "--repository", "contoso/sdk", "--workflow", "release.yml"}
	if _, stderr, code := e.wharf(t, update...); code == 0 || !strings.Contains(stderr, "--rebind") {
		t.Errorf("moving the policy to the new ghes without --rebind: exit %d, %s", code, stderr)
	}
	e.wharfOK(t, append(update, "--rebind")...)
	if status, res := e.exchangeHTTP(t, token(second), "alice"); status != http.StatusOK {
		t.Errorf("exchange on the new ghes after a confirmed move: %d %v", status, res)
	}
	e.stopServer(t)
	e.exited = true
}

// TestServeNamesOlderPolicies: a policy from before issuer names (its
// name empty, as migration 21 leaves it) is named by wharf serve at start
// from its URL against the settings.
func TestServeNamesOlderPolicies(t *testing.T) {
	t.Parallel()
	iss := trusttest.NewIssuer(t)
	e := startWharfIn(t, "", "WHARF_TRUSTED_ISSUERS=corp=github:"+iss.URL)
	e.wharfOK(t, "user", "add", "alice")
	out, _ := e.wharfOK(t, "policy", "add", "--user", "alice", "--repository", "contoso/sdk", "--workflow", "release.yml")
	id := strings.TrimSpace(out)
	e.stopServer(t)
	e.exited = true
	sqliteExec(t, filepath.Join(e.data, "wharf.db"), `UPDATE trust_policies SET issuer_name = ''`)
	if show, _ := e.wharfOK(t, "policy", "show", id, "--user", "alice"); !strings.Contains(show, iss.URL+" (not named yet") || strings.Contains(show, "inactive") {
		t.Errorf("an unnamed policy on a trusted URL before the server starts:\n%s", show)
	}
	e.restartWith(t, "WHARF_TRUSTED_ISSUERS=corp=github:"+iss.URL)
	if show, _ := e.wharfOK(t, "policy", "show", id, "--user", "alice"); !strings.Contains(show, "corp ("+iss.URL+")") {
		t.Errorf("the policy after wharf serve started:\n%s", show)
	}
	e.stopServer(t) // flushes the log
	e.exited = true
	if !strings.Contains(e.srvOut.String(), "named the issuers of older trust policies") {
		t.Errorf("the server did not log the backfill:\n%s", e.srvOut.String())
	}
}
