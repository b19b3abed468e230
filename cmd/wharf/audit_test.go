package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// forgedEnvironment is a CI token's environment claim that tries to add a
// row to `wharf audit`, colour the operator's terminal, set its title and
// reverse the text after it.
const forgedEnvironment = "prod'\n2026-01-01 00:00:00  token.exchange  accepted  alice  1  -  minted key wharf_forged \x1b[31mRED\x1b]0;pwned\x07 \u202eevil\u009b"

// TestAuditEscapesClaims: a token's claims are not validated like the
// fields people type, and one carrying a newline, terminal escapes and a
// text-direction override reaches the audit log through a real token
// exchange (the policy's refusal quotes it); `wharf audit` then prints
// no raw control character and no forged row, in either format.
func TestAuditEscapesClaims(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	audience := "https://wharf.e2e.test"
	e := startWharf(t, []string{"WHARF_TRUSTED_ISSUERS=github=" + iss.URL, "WHARF_OIDC_AUDIENCE=" + audience})
	e.wharfOK(t, "user", "add", "alice")
	e.wharfOK(t, "policy", "add", "--user", "alice", "--provider", "github", "--repository", "contoso/sdk",
		"--workflow", ".github/workflows/release.yml", "--environment", "prod")
	claims := trusttest.With(trusttest.GitHubClaims(iss.URL, audience, time.Now()), "environment", forgedEnvironment)
	body, _ := json.Marshal(map[string]string{"username": "alice", "tokenType": "ApiKey"})
	req, _ := http.NewRequest(http.MethodPost, e.base+"/api/v2/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+iss.Token(claims))
	res, err := e.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Fatalf("the exchange with environment %q was accepted", forgedEnvironment)
	}

	jsonOut, _ := e.wharfOK(t, "audit", "--json")
	if !strings.Contains(jsonOut, `2026-01-01 00:00:00`) {
		t.Fatalf("the claim did not reach the audit log:\n%s", jsonOut)
	}
	events := strings.Count(strings.TrimSpace(jsonOut), "\n") + 1
	for name, out := range map[string]string{"wharf audit": must1(e.wharfOK(t, "audit")), "wharf audit --json": jsonOut} {
		for i, r := range out {
			if r != '\n' && (unicode.IsControl(r) || r == '\u202e') {
				t.Errorf("%s prints a raw %U at byte %d:\n%q", name, r, i, out)
				break
			}
		}
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		want := events
		if name == "wharf audit" {
			want++ // the header
		}
		if len(lines) != want {
			t.Errorf("%s prints %d lines for %d events:\n%s", name, len(lines), events, out)
		}
		for _, l := range lines {
			if strings.HasPrefix(l, "2026-01-01") {
				t.Errorf("%s prints a forged row: %q", name, l)
			}
		}
	}
}

// must1 is the first of two results.
func must1(a, _ string) string { return a }
