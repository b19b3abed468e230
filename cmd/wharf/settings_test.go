package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestAdminCommandsUseServerSettings: the server is started with its base
// URL on the command line and its trusted issuer in its environment; admin
// commands run in the same data directory with neither (as an operator
// does from another shell) print sign-in links to the server's base URL
// and create policies on the server's issuer, which then work.
func TestAdminCommandsUseServerSettings(t *testing.T) {
	t.Parallel()
	iss := trusttest.NewIssuer(t)
	e := startWharfIn(t, "", "WHARF_TRUSTED_ISSUERS=github="+iss.URL)
	e.extraEnv = nil // the admin commands get only --data

	file := filepath.Join(e.data, "wharf.toml")
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("wharf serve did not record its settings in the data directory: %v", err)
	}
	if !strings.Contains(string(text), `base_url = "`+e.base+`"`) || !strings.Contains(string(text), `trusted_issuers = "github=`+iss.URL+`"`) {
		t.Errorf("%s does not hold the server's base URL and issuer:\n%s", file, text)
	}

	e.wharfOK(t, "user", "add", "ops", "--admin")
	out, _ := e.wharfOK(t, "user", "login-link", "ops")
	if link := strings.TrimSpace(out); !strings.HasPrefix(link, e.base+"/sign-in/link/") {
		t.Errorf("login-link printed %q, want a link under the server's base URL %s", link, e.base)
	}

	e.wharfOK(t, "user", "add", "alice")
	e.wharfOK(t, "policy", "add", "--user", "alice", "--repository", "contoso/sdk", "--workflow", "release.yml", "--environment", "prod")
	if list, _ := e.wharfOK(t, "policy", "show", "1", "--user", "alice"); !strings.Contains(list, "github ("+iss.URL+")") {
		t.Errorf("the policy is not on the server's issuer %s:\n%s", iss.URL, list)
	}
	token := iss.Token(trusttest.GitHubClaims(iss.URL, e.base, time.Now()))
	if status, res := e.exchangeHTTP(t, token, "alice"); status != http.StatusOK || res["apiKey"] == "" {
		t.Errorf("exchange for the policy an admin command made: %d %v", status, res)
	}

	// The admin shell's own environment still wins, as documented.
	e.extraEnv = []string{"WHARF_BASE_URL=https://elsewhere.example"}
	out, _ = e.wharfOK(t, "user", "login-link", "ops")
	if !strings.HasPrefix(strings.TrimSpace(out), "https://elsewhere.example/sign-in/link/") {
		t.Errorf("WHARF_BASE_URL in the admin command's environment was not used: %q", out)
	}
	// Info lines are written at most a second late.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(e.srvOut.String(), "recorded settings for the admin commands") {
		if time.Now().After(deadline) {
			t.Errorf("the server did not say it recorded its settings:\n%s", e.srvOut.String())
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
}
