package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EUpstream drives NuGet.exe through one source whose packages come
// partly from this Wharf and partly from an upstream feed mirroring
// another Wharf: a dependency chain spanning both installs with the
// upstream's exact bytes; it installs again with the upstream stopped; an
// ID the registry has locally is never taken from the upstream, even when
// someone publishes a newer version of it there later (dependency
// confusion); a push of an ID only the upstream has is refused with a
// sentence.
func TestE2EUpstream(t *testing.T) {
	up := newE2E(t)
	down := newE2EWith(t, []string{"WHARF_UPSTREAM_ALLOW_PRIVATE=true"})
	upKey, downKey := up.apiKey(t, "carol"), down.apiKey(t, "alice")

	base := up.pack(t, pkg{ID: "Up.Base", Version: "1.0.0"})
	mid := up.pack(t, pkg{ID: "Up.Mid", Version: "1.0.0", Deps: `<dependencies><dependency id="Up.Base" version="1.0.0" /></dependencies>`})
	up.pushOK(t, base, upKey)
	up.pushOK(t, mid, upKey)
	up.pushOK(t, up.pack(t, pkg{ID: "Only.Upstream", Version: "1.0.0"}), upKey)

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
		out, err := os.MkdirTemp(down.work, "out-")
		if err != nil {
			t.Fatal(err)
		}
		cfg := down.sourceConfig(t, down.feed, "")
		down.nugetOK(t, "install", id, "-Source", down.feed, "-ConfigFile", cfg, "-OutputDirectory", out)
		return out
	}
	want := []string{"Local.App.1.0.0", "Up.Base.1.0.0", "Up.Mid.1.0.0"}
	same := map[string]string{"Local.App.1.0.0": app, "Up.Base.1.0.0": base, "Up.Mid.1.0.0": mid}
	wantInstalled(t, install("Local.App"), want, same)

	// Latest Shadow.Lib through the registry: the local 1.0.0, never the
	// upstream's 2.0.0.
	wantInstalled(t, install("Shadow.Lib"), []string{"Shadow.Lib.1.0.0"}, map[string]string{"Shadow.Lib.1.0.0": shadow})

	down.pushFails(t, down.pack(t, pkg{ID: "Only.Upstream", Version: "2.0.0"}), downKey, "comes from an upstream source")

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
