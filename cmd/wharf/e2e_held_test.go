package main

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestE2EProvenanceGuard: with the real binary and NuGet.exe, a version
// pushed with a long-lived key after trusted-published ones is held:
// NuGet.exe reports success with the server's warning, cannot install it,
// and `wharf package held` shows what changed; `wharf package release`
// makes it installable, `wharf package reject` removes another one; and
// `wharf package require-trusted` / `wharf owner require-trusted` make
// NuGet.exe's long-lived push fail with the sentence.
func TestE2EProvenanceGuard(t *testing.T) {
	t.Parallel()
	iss := trusttest.NewIssuer(t)
	audience := "https://wharf.e2e.test"
	e := newE2EWith(t, []string{"WHARF_TRUSTED_ISSUERS=github=" + iss.URL, "WHARF_OIDC_AUDIENCE=" + audience})
	longLived := e.apiKey(t, "alice")
	e.wharfOK(t, "policy", "add", "--user", "alice", "--provider", "github", "--repository", "contoso/sdk", "--workflow", "release.yml")
	trusted := func() string {
		t.Helper()
		status, out := e.exchangeHTTP(t, iss.Token(trusttest.GitHubClaims(iss.URL, audience, time.Now())), "alice")
		if status != http.StatusOK {
			t.Fatalf("exchange: %d %v", status, out)
		}
		return out["apiKey"]
	}
	e.pushOK(t, e.pack(t, pkg{ID: "Contoso.Sdk", Version: "1.0.0"}), trusted())

	out := e.pushOK(t, e.pack(t, pkg{ID: "Contoso.Sdk", Version: "1.1.0"}), longLived)
	if !strings.Contains(out, "Contoso.Sdk 1.1.0 is held for review") {
		t.Errorf("NuGet.exe does not show that the push is held:\n%s", out)
	}
	e.pushOK(t, e.pack(t, pkg{ID: "Contoso.Sdk", Version: "1.2.0"}), longLived)
	install := func(version string) (string, int) {
		return e.nuget(t, "install", "Contoso.Sdk", "-Version", version, "-Source", e.feed, "-OutputDirectory", filepath.Join(t.TempDir(), "out"))
	}
	if out, code := install("1.1.0"); code == 0 {
		t.Errorf("NuGet.exe installed the held 1.1.0:\n%s", out)
	}
	e.wantVersions(t, "Contoso.Sdk", "1.0.0")
	list, _ := e.wharfOK(t, "package", "held")
	for _, want := range []string{"Contoso.Sdk", "1.1.0", "1.2.0", "publisher: trusted publishing from contoso/sdk → the long-lived API key wharf_"} {
		if !strings.Contains(list, want) {
			t.Errorf("wharf package held lacks %q:\n%s", want, list)
		}
	}

	e.wharfOK(t, "package", "release", "Contoso.Sdk", "1.1.0")
	if out, code := install("1.1.0"); code != 0 {
		t.Errorf("NuGet.exe cannot install the released 1.1.0 (exit %d):\n%s", code, out)
	}
	e.wharfOK(t, "package", "reject", "Contoso.Sdk", "1.2.0")
	if list, stderr := e.wharfOK(t, "package", "held", "Contoso.Sdk"); list != "" || !strings.Contains(stderr, "No version is held") {
		t.Errorf("held after release and reject: %q %q", list, stderr)
	}
	e.wantVersions(t, "Contoso.Sdk", "1.0.0", "1.1.0")

	e.wharfOK(t, "package", "require-trusted", "Contoso.Sdk", "on")
	e.pushFails(t, e.pack(t, pkg{ID: "Contoso.Sdk", Version: "1.3.0"}), longLived, "403", "only through trusted publishing")
	e.wharfOK(t, "package", "require-trusted", "Contoso.Sdk", "off")
	e.wharfOK(t, "owner", "require-trusted", "alice", "on")
	e.pushFails(t, e.pack(t, pkg{ID: "Alice.Tools", Version: "1.0.0"}), longLived, "403", "wharf owner require-trusted alice off")
	if _, stderr, code := e.wharf(t, "owner", "require-trusted", "alice", "maybe"); code == 0 || !strings.Contains(stderr, "neither on nor off") {
		t.Errorf("a bad switch value: exit %d %q", code, stderr)
	}
	out, _ = e.wharfOK(t, "audit", "--json")
	for _, want := range []string{`"Kind":"version.hold"`, `"Kind":"version.release"`, `"Kind":"version.reject"`, `"Kind":"package.require-trusted"`, `"Kind":"owner.require-trusted"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the audit log lacks %s", want)
		}
	}
}
