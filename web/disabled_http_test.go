package web_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestDisabledUserExchangeRefused: once an administrator disables the
// user who created a trust policy, a fresh CI token for it is refused at
// /api/v2/token with a sentence, and no key is handed out; enabling the
// user makes the next exchange work again.
func TestDisabledUserExchangeRefused(t *testing.T) {
	f := newTPFeed(t, -1)
	ctx := context.Background()
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	f.mustExchange(f.claims(), "alice")
	if _, err := f.reg.DisableUser(ctx, 0, "alice"); err != nil {
		t.Fatal(err)
	}
	res, out := f.exchange(f.iss.Token(f.claims()), "alice")
	if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusForbidden || out["apiKey"] != "" || !strings.Contains(out["error"], "disabled") {
		t.Errorf("exchange for a disabled user: %s %v, want 401/403 saying the account is disabled and no key", res.Status, out)
	}
	if _, err := f.reg.EnableUser(ctx, 0, "alice"); err != nil {
		t.Fatal(err)
	}
	f.mustExchange(f.claims(), "alice")
}

// TestDisabledUserReadKeyRefused: a read-scoped key of a user who reads a
// private feed gets 401 over HTTP once the user is disabled, and reads
// again once they are enabled.
func TestDisabledUserReadKeyRefused(t *testing.T) {
	f := newFeed(t)
	ctx := context.Background()
	if _, err := f.reg.Feeds().Add(ctx, "secret", "", true); err != nil {
		t.Fatal(err)
	}
	if err := f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "alice", feeds.RolePublisher); err != nil {
		t.Fatal(err)
	}
	secret := f.urls.Feed("secret")
	if res := f.do(nugettest.PushRequest(secret.Publish(), f.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}.Build(), nil)); res.StatusCode != http.StatusCreated {
		t.Fatalf("push to the private feed: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	read, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: "alice", Scopes: feeds.ScopeRead})
	if err != nil {
		t.Fatal(err)
	}
	get := func() *http.Response {
		req, _ := http.NewRequest(http.MethodGet, secret.Versions("secret.lib"), nil)
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("alice:"+read)))
		return f.do(req)
	}
	if res := get(); res.StatusCode != http.StatusOK {
		t.Fatalf("read key of an enabled reader: %s, want 200", res.Status)
	}
	if _, err := f.reg.DisableUser(ctx, 0, "alice"); err != nil {
		t.Fatal(err)
	}
	if res := get(); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("read key of a disabled user on a private feed: %s, want 401", res.Status)
	}
	if _, err := f.reg.EnableUser(ctx, 0, "alice"); err != nil {
		t.Fatal(err)
	}
	if res := get(); res.StatusCode != http.StatusOK {
		t.Errorf("read key after enabling: %s, want 200", res.Status)
	}
}
