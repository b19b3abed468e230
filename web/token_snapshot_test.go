package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestMintedKeysDoNotReloadReadAccess: a token exchange does not move the
// feed revision (which made every replica reload every live key, so each
// CI run's exchange cost grew with the number of keys: 878/s fell to
// 48/s after 9,000 exchanges), yet the key it mints reads private
// packages at once, and stops reading when its bearer revokes it.
func TestMintedKeysDoNotReloadReadAccess(t *testing.T) {
	f := newTPFeed(t, -1)
	ctx := context.Background()
	must(t, func() error { _, err := f.reg.Feeds().Add(ctx, "secret", "", true); return err })
	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	if res := f.pushTo(f.urls.Feed("secret").Publish(), f.key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("push: %s", res.Status)
	}
	f.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	first := f.mustExchange(f.claims(), "alice") // binds the policy: a policy change moves the revision
	// Load the access snapshot as a read does.
	if res := f.basicGet(f.urls.Versions("secret.lib"), first); res.StatusCode != http.StatusOK {
		t.Fatalf("read with the first minted key: %s", res.Status)
	}
	_, before, err := f.reg.Changes(ctx, 1<<62)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for range 5 {
		keys = append(keys, f.mustExchange(f.claims(), "alice"))
	}
	if _, after, _ := f.reg.Changes(ctx, 1<<62); after != before {
		t.Errorf("5 exchanges moved the feed revision from %d to %d; every replica would reload every key", before, after)
	}
	for i, k := range keys {
		if res := f.basicGet(f.urls.Versions("secret.lib"), k); res.StatusCode != http.StatusOK {
			t.Errorf("a key minted after the access snapshot (%d) cannot read: %s", i, res.Status)
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, f.urls.Token(), nil)
	req.Header.Set("Authorization", "Bearer "+keys[0])
	if res := f.do(req); res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke: %s", res.Status)
	}
	if res := f.basicGet(f.urls.Versions("secret.lib"), keys[0]); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a revoked key still reads: %s", res.Status)
	}
	if res := f.basicGet(f.urls.Versions("secret.lib"), keys[1]); res.StatusCode != http.StatusOK {
		t.Errorf("another minted key stopped reading after the revocation: %s", res.Status)
	}
}
