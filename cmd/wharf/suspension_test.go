package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestSuspensionAtStart: ada signs in through OpenID Connect as a member
// of the allowed group "engineering" and pushes with a key. The operator
// restarts wharf serve allowing only "research": at start it suspends ada
// from her recorded groups, so her open session has ended, her key gets
// 401 saying she is suspended, and 'wharf user list' says why. Restarted
// with "engineering" allowed again, she is restored without signing in.
func TestSuspensionAtStart(t *testing.T) {
	login := trusttest.NewIssuer(t)
	secret := trusttest.JTI()
	login.AddClient("wharf-ui", secret)
	env := func(groups string) []string {
		return []string{"WHARF_SIGNIN_OIDC_ISSUER=" + login.URL, "WHARF_SIGNIN_OIDC_CLIENT_ID=wharf-ui",
			"WHARF_SIGNIN_OIDC_CLIENT_SECRET=" + secret, "WHARF_SIGNIN_ALLOWED_GROUPS=" + groups}
	}
	data := t.TempDir()
	e := startWharfIn(t, data, env("engineering")...)
	login.SignInAs(trusttest.LoginUser{Subject: "s-ada", Login: "ada", Email: "ada@example.com", EmailVerified: true, Groups: []string{"engineering"}})
	ada := newVisitor(t, e.base)
	_, toProvider, _ := ada.do("GET", "/sign-in/oidc", nil)
	_, back, _ := ada.do("GET", toProvider, nil)
	if status, _, _ := ada.do("GET", back, nil); status != http.StatusSeeOther || ada.cookie("wharf_session") == "" {
		t.Fatalf("ada's sign-in: %d", status)
	}
	key, _ := e.addKey(t, "--user", "ada")
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Ada.Lib", Version: "1.0.0"})

	restart := func(groups string) *e2e {
		t.Helper()
		e.stopServer(t)
		e.exited = true
		return startWharfIn(t, data, env(groups)...)
	}
	e = restart("research")
	ada.base = e.base
	if status, _, _ := ada.do("GET", "/account/keys", nil); status != http.StatusSeeOther {
		t.Errorf("ada's session after the rules left her out: %d, want 303 to sign in", status)
	}
	status, why := e.pushHTTP(t, key, nugettest.Spec{ID: "Ada.Lib", Version: "2.0.0"})
	if status != http.StatusUnauthorized || !strings.Contains(why, "suspended") {
		t.Errorf("ada's push after the rules left her out: %d %q, want 401 saying suspended", status, why)
	}
	out, _ := e.wharfOK(t, "user", "list")
	if !strings.Contains(out, "No longer allowed by the sign-in rules") || !strings.Contains(out, "research") {
		t.Errorf("user list does not say why ada is suspended:\n%s", out)
	}
	second := e
	e = restart("engineering")
	// The server writes its log as it stops.
	if log := second.srvOut.String(); !strings.Contains(log, "suspended=1") {
		t.Errorf("the server's log does not say it suspended one user:\n%s", log)
	}
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Ada.Lib", Version: "2.0.0"})
}
