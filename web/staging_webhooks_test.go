package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestStagingWebhooks: a stage push sends "staged", a promotion
// "promoted" (written with the version in one transaction), never
// "pushed".
func TestStagingWebhooks(t *testing.T) {
	f := newUIFeed(t, uiConfig{reg: registry.Options{Webhooks: events.Options{AllowPrivate: true, Timeout: 2 * time.Second}}})
	rcv := newReceiver(t)
	alice := f.signedIn(t, "alice")
	addHook(t, alice, "/account/webhooks", rcv.srv.URL, "pushed", "staged", "promoted")
	key, _, err := f.reg.CreateKey(context.Background(), registry.NewKey{User: "alice", Scopes: feeds.ScopeRead | feeds.ScopeStage})
	if err != nil {
		t.Fatal(err)
	}
	res := f.do(stageRequest(t, stagingURL(t, f.feed), key, "a.nupkg", nugettest.Spec{ID: "Alice.Hooked", Version: "1.0.0"}.Build(), "rel"))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("stage: %s", res.Status)
	}
	gs, err := f.reg.StagesOf(context.Background(), f.account("alice"))
	if err != nil || len(gs) != 1 {
		t.Fatalf("stages: %v %v", gs, err)
	}
	if res := alice.post(stagePageURL(gs[0].ID)+"/promote", url.Values{"_csrf": {alice.token()}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("promote: %s", res.Status)
	}
	deliverDue(t, f)
	var got []string
	for _, r := range rcv.requests() {
		got = append(got, r.header.Get(events.HeaderEvent))
	}
	if strings.Join(got, " ") != "staged promoted" {
		t.Errorf("events received: %q, want staged then promoted", got)
	}
}
