package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/upstream/upstreamtest"
)

// TestE2EUpstream drives NuGet.exe through one source whose packages come
// partly from this Wharf and partly from an upstream feed mirroring
// another Wharf: a dependency chain spanning both installs with the
// upstream's exact bytes; it installs again with the upstream stopped; an
// ID the registry has locally is never taken from the upstream, even when
// someone publishes a newer version of it there later (dependency
// confusion); a reserved prefix is never taken from the upstream and only
// its owner pushes under it; a push of an ID only the upstream has is
// refused with a sentence.
func TestE2EUpstream(t *testing.T) {
	up := newE2E(t)
	down := newE2EWith(t, []string{"WHARF_UPSTREAM_ALLOW_PRIVATE=true"})
	upKey, downKey := up.apiKey(t, "carol"), down.apiKey(t, "alice")

	base := up.pack(t, pkg{ID: "Up.Base", Version: "1.0.0"})
	mid := up.pack(t, pkg{ID: "Up.Mid", Version: "1.0.0", Deps: `<dependencies><dependency id="Up.Base" version="1.0.0" /></dependencies>`})
	up.pushOK(t, base, upKey)
	up.pushOK(t, mid, upKey)
	up.pushOK(t, up.pack(t, pkg{ID: "Only.Upstream", Version: "1.0.0"}), upKey)
	up.pushOK(t, up.pack(t, pkg{ID: "Contoso.Tools", Version: "1.0.0"}), upKey)

	_, stderr := down.wharfOK(t, "feed", "add", "nuget", "--upstream", up.feed)
	if !strings.Contains(stderr, "It mirrors "+up.feed) {
		t.Errorf("feed add --upstream said %q", stderr)
	}
	app := down.pack(t, pkg{ID: "Local.App", Version: "1.0.0", Deps: `<dependencies><dependency id="Up.Mid" version="1.0.0" /></dependencies>`})
	down.pushOK(t, app, downKey)
	shadow := down.pack(t, pkg{ID: "Shadow.Lib", Version: "1.0.0"})
	down.pushOK(t, shadow, downKey)
	// Dependency confusion: someone publishes the internal ID upstream,
	// with a higher version.
	up.pushOK(t, up.pack(t, pkg{ID: "Shadow.Lib", Version: "1.0.0"}), upKey)
	up.pushOK(t, up.pack(t, pkg{ID: "Shadow.Lib", Version: "2.0.0"}), upKey)

	install := func(id string) string {
		out, args := installArgs(t, down, id)
		down.nugetOK(t, args...)
		return out
	}
	want := []string{"Local.App.1.0.0", "Up.Base.1.0.0", "Up.Mid.1.0.0"}
	same := map[string]string{"Local.App.1.0.0": app, "Up.Base.1.0.0": base, "Up.Mid.1.0.0": mid}
	wantInstalled(t, install("Local.App"), want, same)

	// Latest Shadow.Lib through the registry: the local 1.0.0, never the
	// upstream's 2.0.0.
	wantInstalled(t, install("Shadow.Lib"), []string{"Shadow.Lib.1.0.0"}, map[string]string{"Shadow.Lib.1.0.0": shadow})

	down.pushFails(t, down.pack(t, pkg{ID: "Only.Upstream", Version: "2.0.0"}), downKey, "comes from an upstream source")

	// A reserved prefix: never from upstream, and only its owner pushes.
	down.wharfOK(t, "prefix", "reserve", "Contoso.*", "--owner", "alice")
	_, args := installArgs(t, down, "Contoso.Tools")
	down.nugetFails(t, []string{"Contoso.Tools"}, args...)
	bobKey := down.apiKey(t, "bob")
	down.pushFails(t, down.pack(t, pkg{ID: "Contoso.Tools", Version: "2.0.0"}), bobKey, "falls under the prefix 'Contoso.*'")
	down.pushOK(t, down.pack(t, pkg{ID: "Contoso.Tools", Version: "2.0.0"}), downKey)

	// The internal package's owners keep publishing it.
	down.pushOK(t, down.pack(t, pkg{ID: "Shadow.Lib", Version: "1.1.0"}), downKey)

	// The upstream goes away: what was restored once restores again.
	up.stopServer(t)
	up.exited = true
	wantInstalled(t, install("Local.App"), want, same)
	if _, err := os.Stat(filepath.Join(down.data, "tmp")); err != nil {
		t.Errorf("data directory: %v", err)
	}
}

// TestE2EUpstreamNuGetOrgShaped mirrors a static feed shaped like
// nuget.org's (gzip-encoded registration, catalog hashes) and installs
// through Wharf with NuGet.exe: a legacy package with a dependency without
// a version comes as it is, with its dependency; a package whose bytes do
// not match the source's hash fails with the reason; the source's
// deprecation, advisories, publication dates and listing come through;
// a Unicode ID is served.
func TestE2EUpstreamNuGetOrgShaped(t *testing.T) {
	published := time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)
	pkgs := []upstreamtest.Package{
		{ID: "Json.Like", Versions: []upstreamtest.Version{{Version: "12.0.1", Published: published}, {Version: "13.0.1"}}},
		{ID: "Legacy.Lib", Legacy: true, Versions: []upstreamtest.Version{{Version: "1.0.0", Deps: []upstreamtest.Dep{{ID: "Json.Like"}}}}},
		{ID: "Tampered.Lib", Versions: []upstreamtest.Version{{Version: "1.0.0", WrongHash: true}}},
		{ID: "Old.Lib", Versions: []upstreamtest.Version{
			{Version: "1.0.0", Unlisted: true},
			{Version: "2.0.0", Published: published,
				Deprecation:     &nuget.Deprecation{Reasons: []string{"Legacy"}, Message: "Use New.Lib", AlternatePackage: &nuget.AlternatePackage{ID: "New.Lib", Range: "[1.0.0, )"}},
				Vulnerabilities: []nuget.Vulnerability{{AdvisoryURL: "https://example.com/advisory/1", Severity: "2"}}},
		}},
		{ID: "Ünïcode.Lib", Versions: []upstreamtest.Version{{Version: "1.0.0"}}},
	}
	src := upstreamtest.Start(t, pkgs)
	down := newE2EWith(t, []string{"WHARF_UPSTREAM_ALLOW_PRIVATE=true"})
	down.wharfOK(t, "feed", "add", "nuget", "--upstream", src.IndexURL)

	install := func(id string) (string, []string) { return installArgs(t, down, id) }
	out, args := install("Legacy.Lib")
	down.nugetOK(t, args...)
	wantInstalled(t, out, []string{"Json.Like.12.0.1", "Legacy.Lib.1.0.0"}, nil)
	legacy, err := os.ReadFile(filepath.Join(out, "Legacy.Lib.1.0.0", "Legacy.Lib.1.0.0.nupkg"))
	if err != nil || !bytes.Equal(legacy, upstreamtest.Nupkg(pkgs[1], pkgs[1].Versions[0])) {
		t.Errorf("Legacy.Lib was not installed byte for byte as the source has it (%v)", err)
	}

	_, args = install("Tampered.Lib")
	down.nugetFails(t, []string{"does not match the SHA-512 hash"}, args...)

	entries := down.registration(t, "Old.Lib")
	if len(entries) != 2 || entries[0].Listed == nil || *entries[0].Listed || entries[1].Listed != nil && !*entries[1].Listed {
		t.Fatalf("Old.Lib registration = %+v, want 1.0.0 unlisted and 2.0.0 listed", entries)
	}
	var leaf struct {
		CatalogEntry struct {
			Published       string                `json:"published"`
			Deprecation     *nuget.Deprecation    `json:"deprecation"`
			Vulnerabilities []nuget.Vulnerability `json:"vulnerabilities"`
		} `json:"catalogEntry"`
	}
	var index struct {
		Items []struct {
			Items []json.RawMessage `json:"items"`
		} `json:"items"`
	}
	down.getJSON(t, down.base+"/v3/registration/old.lib/index.json", &index)
	if err := json.Unmarshal(index.Items[0].Items[1], &leaf); err != nil {
		t.Fatal(err)
	}
	e := leaf.CatalogEntry
	if !strings.HasPrefix(e.Published, "2019-03-04T05:06:07") || e.Deprecation == nil || e.Deprecation.Message != "Use New.Lib" ||
		len(e.Vulnerabilities) != 1 || e.Vulnerabilities[0].Severity != "2" {
		t.Errorf("Old.Lib 2.0.0 through Wharf = %+v, want the source's date, deprecation and advisory", e)
	}

	uni := url.PathEscape(strings.ToLower("Ünïcode.Lib"))
	status, body, err := down.get(down.base + "/v3/package/" + uni + "/1.0.0/" + uni + ".1.0.0.nupkg")
	if err != nil || status != http.StatusOK || !bytes.Equal(body, upstreamtest.Nupkg(pkgs[4], pkgs[4].Versions[0])) {
		t.Errorf("Unicode ID download: %d, %d bytes (%v)", status, len(body), err)
	}
}

// installArgs are the NuGet.exe arguments that install id from e's
// registry-wide source into a fresh folder, and that folder.
func installArgs(t *testing.T, e *e2e, id string) (string, []string) {
	t.Helper()
	out, err := os.MkdirTemp(e.work, "out-")
	if err != nil {
		t.Fatal(err)
	}
	cfg := e.sourceConfig(t, e.feed, "")
	return out, []string{"install", id, "-Source", e.feed, "-ConfigFile", cfg, "-OutputDirectory", out}
}
