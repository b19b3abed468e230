package main

import (
	"os"
	"path/filepath"
	"testing"
)

// sourceConfig writes a NuGet.Config naming one source, with credentials
// when password is not "", as 'nuget sources add -Username -Password
// -StorePasswordInClearText -ConfigFile' writes it, and returns its path.
func (e *e2e) sourceConfig(t *testing.T, url, password string) string {
	t.Helper()
	dir, err := os.MkdirTemp(e.work, "config-")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "NuGet.Config")
	if err := os.WriteFile(cfg, []byte(isolatedNuGetConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"sources", "add", "-Name", "wharf", "-Source", url, "-ConfigFile", cfg}
	if password != "" {
		args = append(args, "-Username", "ci", "-Password", password, "-StorePasswordInClearText")
	}
	e.nugetOK(t, args...)
	return cfg
}

// TestE2EPrivateFeed drives NuGet.exe against a private feed: push to the
// feed's own URL, install with stored credentials, fail without them with
// a message about credentials, and the registry-wide index serving public
// and private packages to the right caller.
func TestE2EPrivateFeed(t *testing.T) {
	e := newE2E(t)
	pushKey := e.apiKey(t, "alice")
	readKey, _ := e.addKey(t, "--user", "alice", "--scope", "read")
	e.wharfOK(t, "feed", "add", "secret", "--private")
	e.wharfOK(t, "feed", "grant", "secret", "--user", "alice", "--role", "publisher")
	secretFeed := e.base + "/feeds/secret/v3/index.json"

	// Push to the named feed. NuGet.exe reads the service index before it
	// pushes, without the API key: the push key stored as the source's
	// password lets it read the index of a feed its user publishes to.
	pushCfg := e.sourceConfig(t, secretFeed, pushKey)
	e.nugetOK(t, "push", e.pack(t, pkg{ID: "Secret.Lib", Version: "1.0.0"}), "-Source", secretFeed, "-ApiKey", pushKey, "-ConfigFile", pushCfg)
	e.pushOK(t, e.pack(t, pkg{ID: "Public.Lib", Version: "1.0.0"}), pushKey)

	install := func(cfg, id, source string) []string {
		out, err := os.MkdirTemp(e.work, "out-")
		if err != nil {
			t.Fatal(err)
		}
		return []string{"install", id, "-Version", "1.0.0", "-Source", source, "-ConfigFile", cfg, "-OutputDirectory", out}
	}
	t.Run("with stored credentials", func(t *testing.T) {
		cfg := e.sourceConfig(t, secretFeed, readKey)
		e.nugetOK(t, install(cfg, "Secret.Lib", secretFeed)...)
	})
	t.Run("without credentials", func(t *testing.T) {
		cfg := e.sourceConfig(t, secretFeed, "")
		e.nugetFails(t, []string{"401", "credentials"}, install(cfg, "Secret.Lib", secretFeed)...)
	})
	t.Run("with a push-only key as the password", func(t *testing.T) {
		e.nugetFails(t, []string{"Secret.Lib"}, install(pushCfg, "Secret.Lib", secretFeed)...)
	})
	t.Run("the union with a read key", func(t *testing.T) {
		cfg := e.sourceConfig(t, e.feed, readKey)
		e.nugetOK(t, install(cfg, "Secret.Lib", e.feed)...)
		e.nugetOK(t, install(cfg, "Public.Lib", e.feed)...)
	})
	t.Run("the union anonymously", func(t *testing.T) {
		cfg := e.sourceConfig(t, e.feed, "")
		e.nugetOK(t, install(cfg, "Public.Lib", e.feed)...)
		e.nugetFails(t, []string{"401"}, install(cfg, "Secret.Lib", e.feed)...)
	})
	t.Run("the public feed anonymously", func(t *testing.T) {
		feed := e.base + "/feeds/default/v3/index.json"
		cfg := e.sourceConfig(t, feed, "")
		e.nugetOK(t, install(cfg, "Public.Lib", feed)...)
		e.nugetFails(t, []string{"Secret.Lib"}, install(cfg, "Secret.Lib", feed)...)
	})
}
