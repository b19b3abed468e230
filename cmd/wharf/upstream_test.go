package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestUpstreamPullFillsAnAirGappedRegistry pre-caches a package and its
// dependencies with 'wharf upstream pull --deps' (the lowest version each
// range allows, as restore picks it), then cuts the upstream off: every
// pulled package still downloads, byte for byte, and what was not pulled
// is not there.
func TestUpstreamPullFillsAnAirGappedRegistry(t *testing.T) {
	up := startWharfIn(t, "")
	down := startWharfIn(t, "", "WHARF_UPSTREAM_ALLOW_PRIVATE=true")
	key := up.apiKey(t, "carol")
	base1 := up.mustPushHTTP(t, key, nugettest.Spec{ID: "Air.Base", Version: "1.2.0"})
	up.mustPushHTTP(t, key, nugettest.Spec{ID: "Air.Base", Version: "1.5.0"})
	app := up.mustPushHTTP(t, key, nugettest.Spec{ID: "Air.App", Version: "3.0.0",
		Dependencies: map[string][]nugettest.Dep{"net8.0": {{ID: "Air.Base", Range: "1.1.0"}}}})
	up.mustPushHTTP(t, key, nugettest.Spec{ID: "Air.Other", Version: "1.0.0"})

	down.wharfOK(t, "feed", "add", "nuget", "--upstream", up.feed, "--refresh", "1m")
	out, _ := down.wharfOK(t, "upstream", "pull", "Air.App", "--deps")
	if want := "stored  Air.App 3.0.0\nstored  Air.Base 1.2.0\n"; out != want {
		t.Errorf("wharf upstream pull said %q, want %q", out, want)
	}
	if _, stderr, code := down.wharf(t, "upstream", "pull", "No.Such.Package"); code == 0 || !strings.Contains(stderr, "There is no package 'No.Such.Package'") {
		t.Errorf("pull of an unknown ID: exit %d, %q", code, stderr)
	}

	// Anonymous reads see a feed made by the command line once the
	// server's background sync has run (every second).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if status, _, _ := down.get(down.base + "/v3/package/air.app/index.json"); status == http.StatusOK || time.Now().After(deadline) {
			break
		}
	}
	up.stopServer(t)
	up.exited = true
	if got := down.nupkg(t, "Air.App", "3.0.0"); !bytes.Equal(got, app) {
		t.Errorf("Air.App 3.0.0 with the upstream gone: %d bytes, want the upstream's %d", len(got), len(app))
	}
	if got := down.nupkg(t, "Air.Base", "1.2.0"); !bytes.Equal(got, base1) {
		t.Errorf("Air.Base 1.2.0 with the upstream gone: %d bytes, want the upstream's %d", len(got), len(base1))
	}
	status, _, err := down.get(down.base + "/v3/package/air.other/index.json")
	if err != nil || status == http.StatusOK {
		t.Errorf("a package never pulled, with the upstream gone: status %d (%v), want a failure", status, err)
	}
}
