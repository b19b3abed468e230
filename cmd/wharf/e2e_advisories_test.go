package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2EDeprecationAndAdvisories: the operator deprecates a version and
// publishes and imports advisories from the command line; the running
// server's registration and vulnerability documents show them; NuGet.exe
// 5.8 still installs the deprecated, vulnerable version (5.8 reads
// neither: only Visual Studio's package manager UI in 5.8 parses
// deprecation and vulnerabilities, and the VulnerabilityInfo resource
// arrived in 6.7; see docs/advisories.md); and a push with a dependency
// without a version is refused with the reason NuGet.exe prints.
func TestE2EDeprecationAndAdvisories(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.wharfOK(t, "user", "add", "alice")
	key, _ := e.addKey(t, "--user", "alice")
	old := e.pack(t, pkg{ID: "Contoso.Old", Version: "1.0.0"})
	cur := e.pack(t, pkg{ID: "Contoso.Old", Version: "2.0.0"})
	e.pushOK(t, old, key)
	e.pushOK(t, cur, key)

	e.wharfOK(t, "deprecate", "Contoso.Old", "1.0.0", "--legacy", "--critical-bugs", "--message", "1.0.0 loses data.",
		"--alternate", "Contoso.Old", "--alternate-version", "2.0.0")
	e.wharfOK(t, "advisory", "add", "Contoso.Old", "CVE-2026-0001", "--severity", "critical",
		"--url", "https://example.com/CVE-2026-0001", "--versions", "(, 2.0.0)")
	osv := filepath.Join(e.work, "osv.json")
	if err := os.WriteFile(osv, []byte(`[{"id":"GHSA-e2e0-e2e0-e2e0","modified":"2026-01-01T00:00:00Z",
		"database_specific":{"severity":"MODERATE"},"references":[{"type":"ADVISORY","url":"https://github.com/advisories/GHSA-e2e0-e2e0-e2e0"}],
		"affected":[{"package":{"ecosystem":"NuGet","name":"Contoso.Old"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"1.0.0"}]}]}]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut := e.wharfOK(t, "advisory", "import", osv); !strings.Contains(errOut, "1 added") {
		t.Errorf("first import says %q", errOut)
	}
	if _, errOut := e.wharfOK(t, "advisory", "import", osv); !strings.Contains(errOut, "0 added, 0 updated, 1 unchanged") {
		t.Errorf("second import of the same file says %q, want nothing added", errOut)
	}
	if out, _ := e.wharfOK(t, "advisory", "list", "Contoso.Old"); !strings.Contains(out, "CVE-2026-0001") || !strings.Contains(out, "GHSA-e2e0-e2e0-e2e0") {
		t.Errorf("advisory list:\n%s", out)
	}

	// The command line writes the database; the running server picks
	// the changes up at its next feed sync (every second).
	synced := func(t *testing.T, ok func([]catalogEntry) bool) []catalogEntry {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			entries := e.registration(t, "Contoso.Old")
			if ok(entries) || time.Now().After(deadline) {
				return entries
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	t.Run("registration", func(t *testing.T) {
		entries := synced(t, func(es []catalogEntry) bool {
			for _, ce := range es {
				if ce.Version == "1.0.0" && ce.Deprecation != nil && len(ce.Vulnerabilities) == 2 {
					return true
				}
			}
			return false
		})
		for _, ce := range entries {
			switch ce.Version {
			case "1.0.0":
				if d := ce.Deprecation; d == nil || strings.Join(d.Reasons, ",") != "Legacy,CriticalBugs" || d.Message != "1.0.0 loses data." ||
					d.AlternatePackage == nil || d.AlternatePackage.Range != "[2.0.0, )" {
					t.Errorf("1.0.0's deprecation = %+v", ce.Deprecation)
				}
				if len(ce.Vulnerabilities) != 2 {
					t.Errorf("1.0.0's vulnerabilities = %+v, want the CVE and the imported GHSA", ce.Vulnerabilities)
				}
			case "2.0.0":
				if ce.Deprecation != nil || len(ce.Vulnerabilities) != 0 {
					t.Errorf("2.0.0 = %+v, want neither deprecated nor vulnerable", ce)
				}
			}
		}
	})

	t.Run("vulnerability resource", func(t *testing.T) {
		var idx []struct {
			ID string `json:"@id"`
		}
		if status := e.getJSON(t, e.resource(t, "VulnerabilityInfo/6.7.0"), &idx); status != http.StatusOK || len(idx) != 1 {
			t.Fatalf("vulnerability index: %d %+v", status, idx)
		}
		var page map[string][]struct {
			Severity int    `json:"severity"`
			URL      string `json:"url"`
			Versions string `json:"versions"`
		}
		if status := e.getJSON(t, idx[0].ID, &page); status != http.StatusOK || len(page["contoso.old"]) != 2 {
			t.Errorf("vulnerability page: %d %+v", status, page)
		}
	})

	t.Run("NuGet.exe 5.8 installs the deprecated version", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "packages")
		e.nugetOK(t, "install", "Contoso.Old", "-Version", "1.0.0", "-Source", e.feed, "-OutputDirectory", dir)
		wantInstalled(t, dir, []string{"Contoso.Old.1.0.0"}, map[string]string{"Contoso.Old.1.0.0": old})
	})

	t.Run("undeprecate", func(t *testing.T) {
		e.wharfOK(t, "deprecate", "Contoso.Old", "1.0.0", "--undo")
		for _, ce := range synced(t, func(es []catalogEntry) bool {
			for _, ce := range es {
				if ce.Deprecation != nil {
					return false
				}
			}
			return true
		}) {
			if ce.Deprecation != nil {
				t.Errorf("%s is still deprecated 10s after wharf deprecate --undo: %+v", ce.Version, ce.Deprecation)
			}
		}
	})

	t.Run("dependency without a version", func(t *testing.T) {
		bad := e.pack(t, pkg{ID: "Contoso.Loose", Version: "1.0.0", Deps: `<dependencies><dependency id="Contoso.Old" /></dependencies>`})
		e.pushFails(t, bad, key, "400", "The dependency on 'Contoso.Old' for any framework has no version")
	})
}
