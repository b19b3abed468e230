package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TestWebhookPrivateFeedEventsStayWithTheirFeed: an event about a package
// in a private feed goes to the webhooks of its owner and of its feed, and
// to no other owner's or feed's webhook.
func TestWebhookPrivateFeedEventsStayWithTheirFeed(t *testing.T) {
	f := hookFeed(t, true)
	ctx := context.Background()
	if _, err := f.reg.Feeds().Add(ctx, "team", "", true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.Feeds().Add(ctx, "other", "", true); err != nil {
		t.Fatal(err)
	}
	f.addUser("alice")
	for _, g := range []struct{ feed, user string }{{"team", "alice"}, {"other", "bob"}} {
		f.addUser(g.user)
		if err := f.reg.GrantFeed(ctx, g.feed, feeds.SubjectUser, g.user, feeds.RoleAdmin); err != nil {
			t.Fatal(err)
		}
	}
	aliceRcv, teamRcv, bobRcv, otherRcv := newReceiver(t), newReceiver(t), newReceiver(t), newReceiver(t)
	alice, bob := f.signedIn(t, "alice"), f.signedIn(t, "bob")
	all := []string{"pushed", "unlisted", "deleted", "deprecated", "held"}
	addHook(t, alice, "/account/webhooks", aliceRcv.srv.URL, all...)
	addHook(t, alice, "/account/feeds/team/webhooks", teamRcv.srv.URL, all...)
	addHook(t, bob, "/account/webhooks", bobRcv.srv.URL, all...)
	addHook(t, bob, "/account/feeds/other/webhooks", otherRcv.srv.URL, all...)
	if p := bob.get("/account/feeds/team/webhooks"); p.res.StatusCode != http.StatusNotFound {
		t.Errorf("bob sees the team feed's webhooks: %s", p.res.Status)
	}

	key := f.userKey("alice")
	if res := f.push(key, nugettest.Spec{ID: "Team.Secret", Version: "1.0.0"}.Build()); res.StatusCode >= 300 {
		t.Fatalf("push to default: %s", res.Status)
	}
	res := f.do(nugettest.PushRequest(f.urls.Feed("team").Publish(), key, nugettest.Spec{ID: "Team.Private", Version: "1.0.0"}.Build(), nil))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("push to team: %s", res.Status)
	}
	// A held version is for the package's owners only, not its feed's
	// admins (who learn of it when it is released).
	if err := f.reg.Webhooks().Emit(ctx, events.HeldEvent("Team.Private", "1.0.1", 0, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	deliverDue(t, f)
	if n := len(aliceRcv.requests()); n != 3 {
		t.Errorf("alice's webhook got %d events, want 3 (two pushes and the held version)", n)
	}
	if got := teamRcv.requests(); len(got) != 1 || !strings.Contains(string(got[0].body), "Team.Private") {
		t.Errorf("the team feed's webhook got %d events, want the one of its feed", len(got))
	}
	for name, r := range map[string]*receiver{"bob's": bobRcv, "the other feed's": otherRcv} {
		if n := len(r.requests()); n != 0 {
			t.Errorf("%s webhook got %d events about alice's packages", name, n)
		}
	}
}

// TestWebhookEmitIsOneCall: the staging events (not emitted by anything
// yet) reach a subscribed webhook through one call.
func TestWebhookEmitIsOneCall(t *testing.T) {
	f := hookFeed(t, true)
	rcv := newReceiver(t)
	alice := f.signedIn(t, "alice")
	addHook(t, alice, "/account/webhooks", rcv.srv.URL, "staged", "promoted", "held")
	pushAs(t, f, "alice", nugettest.Spec{ID: "Alice.Staged", Version: "1.0.0"})
	ctx := context.Background()
	for _, e := range []events.Event{
		events.StagedEvent("alice.staged", "1.0.0", f.account("alice").ID, f.clock.Now()),
		events.HeldEvent("Alice.Staged", "1.0.0", 0, f.clock.Now()),
		events.PromotedEvent("Alice.Staged", "1.0.0", 0, f.clock.Now()),
	} {
		if err := f.reg.Webhooks().Emit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	err := f.reg.Webhooks().Emit(ctx, events.StagedEvent("No.Such", "1.0.0", 0, f.clock.Now()))
	if !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("an event about no package: %v, want ErrNotFound", err)
	}
	deliverDue(t, f)
	got := rcv.requests()
	if len(got) != 3 || got[0].header.Get(events.HeaderEvent) != "staged" || !strings.Contains(string(got[0].body), `"id":"Alice.Staged"`) {
		t.Fatalf("receiver got %d: %v", len(got), got)
	}
}

// TestWebhookGoesWithItsUser: removing a user removes their webhooks and
// outbox rows; nothing is sent on their behalf afterwards.
func TestWebhookGoesWithItsUser(t *testing.T) {
	f := hookFeed(t, true)
	rcv := newReceiver(t)
	bob := f.signedIn(t, "bob")
	id, _ := addHook(t, bob, "/account/webhooks", rcv.srv.URL, "pushed")
	tok := bob.get("/account/webhooks/" + strconv.FormatInt(id, 10)).csrf()
	if res := bob.post("/account/webhooks/"+strconv.FormatInt(id, 10)+"/test", url.Values{"_csrf": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("test: %s", res.Status)
	}
	if _, err := f.reg.RemoveUser(context.Background(), 0, "bob", "", false); err != nil {
		t.Fatal(err)
	}
	if hooks, _ := f.feed.db.Webhooks(context.Background(), events.Scope{}); len(hooks) != 0 {
		t.Errorf("%d webhooks left after removing their user", len(hooks))
	}
	if n := deliverDue(t, f); n != 0 || len(rcv.requests()) != 0 {
		t.Errorf("sent %d deliveries of a removed user's webhook", n)
	}
}

// TestWebhookEveryEventKind: each change the registry makes today sends
// its event, through the use cases the UI, the API and the command line
// call: push, unlist, relist, deprecate, undeprecate, delete, and a trust
// policy's creation, change and removal.
func TestWebhookEveryEventKind(t *testing.T) {
	f := newUIFeed(t, uiConfig{reg: registry.Options{
		Issuers:  []trust.Issuer{{URL: trust.GitHubActionsIssuer, Provider: trust.GitHub, Name: "github", Title: "GitHub Actions"}},
		Webhooks: events.Options{AllowPrivate: true, Timeout: 2 * time.Second}}})
	ctx := context.Background()
	rcv := newReceiver(t)
	alice := f.signedIn(t, "alice")
	kinds := make([]string, len(events.Kinds))
	for i, k := range events.Kinds {
		kinds[i] = string(k)
	}
	addHook(t, alice, "/account/webhooks", rcv.srv.URL, kinds...)
	a := f.account("alice")
	root, err := f.reg.AddUser(ctx, registry.NewUser{Name: "root", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	pushAs(t, f, "alice", nugettest.Spec{ID: "Alice.Every", Version: "1.0.0"})
	pushAs(t, f, "alice", nugettest.Spec{ID: "Alice.Every", Version: "2.0.0"})
	steps := []func() error{
		func() error { return f.reg.SetListedAs(ctx, a, "Alice.Every", "1.0.0", false) },
		func() error { return f.reg.SetListedAs(ctx, a, "Alice.Every", "1.0.0", true) },
		func() error {
			return f.reg.DeprecateAs(ctx, a, "Alice.Every", []string{"1.0.0"}, registry.Deprecation{Legacy: true, Message: "old"})
		},
		func() error {
			return f.reg.DeprecateAs(ctx, a, "Alice.Every", []string{"1.0.0"}, registry.Deprecation{})
		},
		func() error {
			_, err := f.reg.DeleteVersionAs(ctx, root, "Alice.Every", "1.0.0", "shipped a secret")
			return err
		},
	}
	var policyID int64
	steps = append(steps,
		func() error {
			p, err := f.reg.CreatePolicy(ctx, registry.NewPolicy{User: "alice", Name: "release", Provider: trust.GitHub, Repository: "alice/tools", Workflow: "release.yml"})
			if err == nil {
				policyID = p.ID
			}
			return err
		},
		func() error {
			_, err := f.reg.UpdatePolicy(ctx, "alice", policyID, registry.NewPolicy{Name: "release", Provider: trust.GitHub, Repository: "alice/tools", Workflow: "publish.yml"})
			return err
		},
		func() error { return f.reg.RemovePolicy(ctx, "alice", policyID) },
	)
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	deliverDue(t, f)
	var got []string
	for _, r := range rcv.requests() {
		var e struct {
			Reason string `json:"reason"`
			Policy *struct {
				Name, Owner string
			} `json:"policy"`
		}
		_ = json.Unmarshal(r.body, &e)
		k := r.header.Get(events.HeaderEvent)
		if e.Reason != "" {
			k += "(" + e.Reason + ")"
		}
		if e.Policy != nil {
			k += "(" + e.Policy.Name + " of " + e.Policy.Owner + ")"
		}
		got = append(got, k)
	}
	want := []string{"pushed", "pushed", "unlisted", "relisted", "deprecated", "deprecated(undeprecated)", "deleted(shipped a secret)",
		"policy.created(release of alice)", "policy.changed(release of alice)", "policy.removed(release of alice)"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events received:\n got %q\nwant %q", got, want)
	}
}
