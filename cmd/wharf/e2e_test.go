// End-to-end tests: the real wharf binary ("wharf serve" and its admin
// commands) driven by Microsoft's NuGet.exe 5.8 under Mono, the way a user
// works with a registry: create users and API keys, push, run into every
// push refusal (duplicate, bad/expired/revoked key, another owner's package,
// a key scoped to other packages), install, restore a packages.config,
// search, unlist, relist, and push an ID in another casing.
//
// They need WHARF_NUGET_EXE, the path of nuget-5.8.0.exe (.ci/run sets it);
// without it they skip, except when CI is set, where they fail. Run them with
//
//	WHARF_NUGET_EXE=/path/to/nuget-5.8.0.exe go test ./cmd/wharf/ -run E2E -v
package main

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// widgetDeps makes Contoso.Widget depend on Contoso.Core [1.0.0, ).
const widgetDeps = `
    <dependencies>
      <group targetFramework="netstandard2.0">
        <dependency id="Contoso.Core" version="[1.0.0, )" />
      </group>
    </dependencies>`

// TestE2ENuGetExe walks one registry through a publisher's and a consumer's
// day with NuGet.exe. The steps build on each other and run in order; a step
// that fails does not stop the independent ones after it.
func TestE2ENuGetExe(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	mustStep := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.Fatalf("step %q failed; the later steps depend on it", name)
		}
	}

	// The packages: Contoso.Core, the dependency; Contoso.Widget in a
	// release, a later release, a SemVer 2.0.0 prerelease with build
	// metadata and a four-part version; Other.Gadget for the scoped key.
	var core, w100, w110, wBeta, w1005, gadget string
	mustStep("pack", func(t *testing.T) {
		packs := []struct {
			p        pkg
			into     *string
			fileName string // what NuGet.exe names it: normalized, no metadata
		}{
			{pkg{ID: "Contoso.Core", Version: "1.0.0"}, &core, "Contoso.Core.1.0.0.nupkg"},
			{pkg{ID: "Contoso.Widget", Version: "1.0.0", Deps: widgetDeps}, &w100, "Contoso.Widget.1.0.0.nupkg"},
			{pkg{ID: "Contoso.Widget", Version: "1.1.0", Deps: widgetDeps}, &w110, "Contoso.Widget.1.1.0.nupkg"},
			{pkg{ID: "Contoso.Widget", Version: "2.0.0-beta.1+build.5", Deps: widgetDeps}, &wBeta, "Contoso.Widget.2.0.0-beta.1.nupkg"},
			{pkg{ID: "Contoso.Widget", Version: "1.0.0.5", Deps: widgetDeps}, &w1005, "Contoso.Widget.1.0.0.5.nupkg"},
			{pkg{ID: "Other.Gadget", Version: "1.0.0"}, &gadget, "Other.Gadget.1.0.0.nupkg"},
		}
		for _, pk := range packs {
			t.Run(pk.fileName, func(t *testing.T) {
				t.Parallel()
				*pk.into = e.pack(t, pk.p)
				if got := filepath.Base(*pk.into); got != pk.fileName {
					t.Errorf("nuget pack %s %s made %s, want %s", pk.p.ID, pk.p.Version, got, pk.fileName)
				}
			})
		}
	})

	var aliceKey, bobKey, scopedKey, expiredKey, revokedKey string
	var expiredAt time.Time
	mustStep("01 users and keys", func(t *testing.T) {
		e.wharfOK(t, "user", "add", "alice", "--email", "alice@example.com")
		e.wharfOK(t, "user", "add", "bob")
		aliceKey, _ = e.addKey(t, "--user", "alice", "--description", "alice's publishing key")
		bobKey, _ = e.addKey(t, "--user", "bob")
		scopedKey, _ = e.addKey(t, "--user", "alice", "--package", "Other.*", "--description", "only Other.*")
		expiredKey, _ = e.addKey(t, "--user", "alice", "--expires", "1s")
		expiredAt = time.Now().Add(time.Second)
		var revokedID string
		revokedKey, revokedID = e.addKey(t, "--user", "alice", "--description", "to be revoked")
		e.wharfOK(t, "key", "revoke", revokedID)

		keys := []string{aliceKey, bobKey, scopedKey, expiredKey, revokedKey}
		slices.Sort(keys)
		if len(slices.Compact(keys)) != 5 {
			t.Errorf("wharf key add printed the same key twice: %q", keys)
		}
		list, _ := e.wharfOK(t, "key", "list", "--user", "alice")
		found := false
		for line := range strings.Lines(list) {
			if f := strings.Fields(line); len(f) > 0 && f[0] == revokedID {
				found = true
				if !strings.Contains(line, "revoked") {
					t.Errorf("wharf key list: the row of revoked key %s does not say revoked: %q", revokedID, line)
				}
			}
		}
		if !found {
			t.Errorf("wharf key list --user alice has no row with ID %s:\n%s", revokedID, list)
		}
	})

	mustStep("02 push", func(t *testing.T) {
		e.pushOK(t, core, aliceKey)
		out := e.pushOK(t, w100, aliceKey)
		if m := missingFrom(out, "Your package was pushed"); len(m) > 0 {
			t.Errorf("nuget push: the output lacks %q:\n%s", m, out)
		}
		e.wantVersions(t, "Contoso.Widget", "1.0.0")
	})

	t.Run("03 duplicate push", func(t *testing.T) {
		out, code := e.push(t, w100, aliceKey)
		if code != 1 {
			t.Errorf("pushing Contoso.Widget 1.0.0 again: exit %d, want 1; output:\n%s", code, out)
		}
		if m := missingFrom(out, "409", "already exists"); len(m) > 0 {
			t.Errorf("pushing Contoso.Widget 1.0.0 again: the output lacks %q; output:\n%s", m, out)
		}
		e.pushOK(t, w100, aliceKey, "-SkipDuplicate")
	})

	t.Run("04 unauthenticated push", func(t *testing.T) {
		t.Run("random key", func(t *testing.T) {
			e.pushFails(t, w110, "oy2notarealkeyatall0000000000000000000000000", "401", "not valid")
		})
		t.Run("expired key", func(t *testing.T) {
			time.Sleep(time.Until(expiredAt.Add(500 * time.Millisecond)))
			e.pushFails(t, w110, expiredKey, "401", "expired")
		})
		t.Run("revoked key", func(t *testing.T) {
			e.pushFails(t, w110, revokedKey, "401", "revoked")
		})
		t.Run("no key", func(t *testing.T) {
			e.pushFails(t, w110, "", "401")
		})
		e.wantVersions(t, "Contoso.Widget", "1.0.0")
	})

	t.Run("05 forbidden push", func(t *testing.T) {
		t.Run("another user's package", func(t *testing.T) {
			e.pushFails(t, w110, bobKey, "403", "may not push")
		})
		t.Run("key scoped to other packages", func(t *testing.T) {
			e.pushFails(t, w110, scopedKey, "403", "limited to packages matching", "Other.*")
		})
		e.wantVersions(t, "Contoso.Widget", "1.0.0")
		t.Run("scoped key on its own packages", func(t *testing.T) {
			e.pushOK(t, gadget, scopedKey)
			e.wantVersions(t, "Other.Gadget", "1.0.0")
		})
	})

	mustStep("06 push more versions", func(t *testing.T) {
		e.pushOK(t, w110, aliceKey)
		e.pushOK(t, wBeta, aliceKey)
		e.pushOK(t, w1005, aliceKey)
		// Lowercase, normalized, without build metadata, ascending.
		e.wantVersions(t, "Contoso.Widget", "1.0.0", "1.0.0.5", "1.1.0", "2.0.0-beta.1")
	})

	t.Run("07 install", func(t *testing.T) {
		t.Run("latest stable", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "packages")
			e.nugetOK(t, "install", "Contoso.Widget", "-Source", e.feed, "-OutputDirectory", dir)
			wantInstalled(t, dir, []string{"Contoso.Core.1.0.0", "Contoso.Widget.1.1.0"},
				map[string]string{"Contoso.Widget.1.1.0": w110, "Contoso.Core.1.0.0": core})
		})
		t.Run("four-part version", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "packages")
			e.nugetOK(t, "install", "Contoso.Widget", "-Version", "1.0.0.5", "-Source", e.feed, "-OutputDirectory", dir)
			wantInstalled(t, dir, []string{"Contoso.Core.1.0.0", "Contoso.Widget.1.0.0.5"},
				map[string]string{"Contoso.Widget.1.0.0.5": w1005})
		})
		t.Run("prerelease", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "packages")
			e.nugetOK(t, "install", "Contoso.Widget", "-Prerelease", "-Source", e.feed, "-OutputDirectory", dir)
			wantInstalled(t, dir, []string{"Contoso.Core.1.0.0", "Contoso.Widget.2.0.0-beta.1"},
				map[string]string{"Contoso.Widget.2.0.0-beta.1": wBeta})
		})
	})

	t.Run("08 restore packages.config", func(t *testing.T) {
		dir := restore(t, e, "1.0.0")
		wantInstalled(t, dir, []string{"Contoso.Widget.1.0.0"}, map[string]string{"Contoso.Widget.1.0.0": w100})
	})

	t.Run("09 search", func(t *testing.T) {
		out := e.nugetOK(t, "search", "Widget", "-Source", e.feed)
		if v := searchVersion(out, "Contoso.Widget"); v != "1.1.0" {
			t.Errorf("nuget search Widget: Contoso.Widget shown with version %q, want 1.1.0; output:\n%s", v, out)
		}
	})

	t.Run("10 unlist and relist", func(t *testing.T) {
		out := e.nugetOK(t, "delete", "Contoso.Widget", "1.1.0", "-Source", e.feed, "-ApiKey", aliceKey)
		if m := missingFrom(out, "Contoso.Widget 1.1.0"); len(m) > 0 {
			t.Errorf("nuget delete: the output does not name the package; output:\n%s", out)
		}
		if e.listed(t, "Contoso.Widget", "1.1.0") {
			t.Errorf("after nuget delete, the registration still has Contoso.Widget 1.1.0 listed")
		}
		// Unlisted is not deleted: the version stays restorable.
		e.wantVersions(t, "Contoso.Widget", "1.0.0", "1.0.0.5", "1.1.0", "2.0.0-beta.1")

		t.Run("search hides it", func(t *testing.T) {
			out := e.nugetOK(t, "search", "Widget", "-Source", e.feed)
			if v := searchVersion(out, "Contoso.Widget"); v != "1.0.0.5" {
				t.Errorf("nuget search Widget after unlisting 1.1.0: Contoso.Widget shown with version %q, want 1.0.0.5; output:\n%s", v, out)
			}
		})
		// NuGet.exe's install ignores listing: its InstallCommand resolves
		// with includeUnlisted: true, so "install Contoso.Widget" without a
		// version would still take 1.1.0 whatever the feed says (dotnet and
		// Visual Studio read listed:false; the registration check above
		// covers them). What holds for every client: an unlisted version
		// asked for by number still installs.
		t.Run("install of the exact version still works", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "packages")
			e.nugetOK(t, "install", "Contoso.Widget", "-Version", "1.1.0", "-Source", e.feed, "-OutputDirectory", dir)
			wantInstalled(t, dir, []string{"Contoso.Core.1.0.0", "Contoso.Widget.1.1.0"},
				map[string]string{"Contoso.Widget.1.1.0": w110})
		})
		t.Run("restore of the pinned version still works", func(t *testing.T) {
			dir := restore(t, e, "1.1.0")
			wantInstalled(t, dir, []string{"Contoso.Widget.1.1.0"}, map[string]string{"Contoso.Widget.1.1.0": w110})
		})

		t.Run("relist", func(t *testing.T) {
			status, detail := e.changeListing(t, http.MethodPost, "Contoso.Widget", "1.1.0", aliceKey)
			if status != http.StatusOK && status != http.StatusNoContent {
				t.Fatalf("relist: want 200 or 204: %s", detail)
			}
			if !e.listed(t, "Contoso.Widget", "1.1.0") {
				t.Errorf("after relisting, the registration has Contoso.Widget 1.1.0 unlisted")
			}
			out := e.nugetOK(t, "search", "Widget", "-Source", e.feed)
			if v := searchVersion(out, "Contoso.Widget"); v != "1.1.0" {
				t.Errorf("nuget search Widget after relisting 1.1.0: Contoso.Widget shown with version %q, want 1.1.0; output:\n%s", v, out)
			}
		})
	})

	t.Run("11 delete with another user's key", func(t *testing.T) {
		e.nugetFails(t, []string{"403"}, "delete", "Contoso.Widget", "1.1.0", "-Source", e.feed, "-ApiKey", bobKey)
		if !e.listed(t, "Contoso.Widget", "1.1.0") {
			t.Errorf("bob's refused delete unlisted Contoso.Widget 1.1.0")
		}
	})
}

// restore restores a packages.config pinning Contoso.Widget at version into
// a fresh packages directory, which it returns.
func restore(t *testing.T, e *e2e, version string) string {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "packages.config")
	xml := `<?xml version="1.0" encoding="utf-8"?>
<packages>
  <package id="Contoso.Widget" version="` + version + `" targetFramework="net472" />
</packages>
`
	if err := os.WriteFile(config, []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	packages := filepath.Join(dir, "packages")
	e.nugetOK(t, "restore", config, "-PackagesDirectory", packages, "-Source", e.feed)
	return packages
}

// TestE2EMixedCaseID pushes an ID in another casing: it is the same
// package, and the feed keeps the casing of the first push.
func TestE2EMixedCaseID(t *testing.T) {
	t.Parallel()
	e := newE2E(t)
	e.wharfOK(t, "user", "add", "alice")
	key, _ := e.addKey(t, "--user", "alice")

	var first, upper, lowerDup string
	t.Run("pack", func(t *testing.T) {
		for _, pk := range []struct {
			p    pkg
			into *string
		}{
			{pkg{ID: "Contoso.Widget", Version: "1.0.0"}, &first},
			{pkg{ID: "CONTOSO.WIDGET", Version: "1.2.0"}, &upper},
			{pkg{ID: "contoso.widget", Version: "1.0.0"}, &lowerDup},
		} {
			t.Run(pk.p.ID+"."+pk.p.Version, func(t *testing.T) {
				t.Parallel()
				*pk.into = e.pack(t, pk.p)
			})
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	e.pushOK(t, first, key)
	e.pushOK(t, upper, key)
	e.wantVersions(t, "Contoso.Widget", "1.0.0", "1.2.0")

	t.Run("same version in other casing is a duplicate", func(t *testing.T) {
		e.pushFails(t, lowerDup, key, "409", "already exists")
	})

	t.Run("registration keeps the first casing", func(t *testing.T) {
		entries := e.registration(t, "contoso.widget")
		if len(entries) != 2 {
			t.Errorf("the registration of contoso.widget has %d versions, want 2: %+v", len(entries), entries)
		}
		for _, ce := range entries {
			if ce.ID != "Contoso.Widget" {
				t.Errorf("registration entry %s has id %q, want the first push's casing Contoso.Widget", ce.Version, ce.ID)
			}
		}
	})

	t.Run("search shows one package in the first casing", func(t *testing.T) {
		hits := e.searchHTTP(t, "widget", false)
		if len(hits) != 1 || hits[0].ID != "Contoso.Widget" || hits[0].Version != "1.2.0" {
			t.Errorf("search q=widget = %+v, want one hit Contoso.Widget 1.2.0", hits)
		}
		out := e.nugetOK(t, "search", "widget", "-Source", e.feed)
		if v := searchVersion(out, "Contoso.Widget"); v != "1.2.0" {
			t.Errorf("nuget search widget: Contoso.Widget shown with version %q, want 1.2.0; output:\n%s", v, out)
		}
		if v := searchVersion(out, "CONTOSO.WIDGET"); v != "" {
			t.Errorf("nuget search widget shows the second push's casing CONTOSO.WIDGET; output:\n%s", out)
		}
	})

	t.Run("install by any casing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "packages")
		e.nugetOK(t, "install", "contoso.widget", "-Version", "1.2.0", "-Source", e.feed, "-OutputDirectory", dir)
		got := installedPackages(t, dir)
		if len(got) != 1 || !strings.EqualFold(got[0], "Contoso.Widget.1.2.0") {
			t.Fatalf("package folders in %s = %q, want Contoso.Widget.1.2.0 (in any casing)", dir, got)
		}
		wantInstalled(t, dir, got, map[string]string{got[0]: upper})
	})
}

// TestE2ELargeRefusedPush checks that a refused push of a package bigger
// than socket buffers still reaches the user as the reason, not as
// "connection reset" followed by three retries: NuGet.exe sends the whole
// body before it reads the answer.
func TestE2ELargeRefusedPush(t *testing.T) {
	t.Parallel()
	// The server drains a refused body up to twice the size limit; both
	// bodies are larger than socket buffers and than any small fixed drain.
	e := newE2EWith(t, []string{"WHARF_MAX_PACKAGE_SIZE=16MB"})
	e.wharfOK(t, "user", "add", "alice")
	key, _ := e.addKey(t, "--user", "alice")
	fits := e.pack(t, pkg{ID: "Big.Pkg", Version: "1.0.0", Payload: 12 << 20})
	tooBig := e.pack(t, pkg{ID: "Big.Pkg", Version: "2.0.0", Payload: 20 << 20})
	for _, tc := range []struct{ name, nupkg, key, want string }{
		{"bad key", fits, "wharf_not_a_key", "401 (Unauthorized - The API key is not valid"},
		{"over the size limit", tooBig, key, "413 (Request Entity Too Large - The package is larger than this feed's limit of 16 MB."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := e.pushFails(t, tc.nupkg, tc.key, tc.want)
			if strings.Contains(out, "reset") || strings.Contains(out, "will now be retried") {
				t.Errorf("NuGet.exe saw a dropped connection instead of the answer:\n%s", out)
			}
		})
	}
}
