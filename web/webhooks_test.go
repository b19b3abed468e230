package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// receiver is a webhook receiver on 127.0.0.1: it records every request
// and answers with the next of its statuses (the last one repeats).
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	got      []received
	statuses []int
	body     string
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses, body: `<b>thanks</b>`}
	if len(r.statuses) == 0 {
		r.statuses = []int{http.StatusOK}
	}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{header: req.Header.Clone(), body: b})
		st := r.statuses[min(len(r.got)-1, len(r.statuses)-1)]
		r.mu.Unlock()
		w.WriteHeader(st)
		_, _ = io.WriteString(w, r.body)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// hookFeed is a UI feed whose webhooks may reach 127.0.0.1 (the
// receivers), retried at most three times, a minute apart at first.
func hookFeed(t *testing.T, allowPrivate bool) *uiFeed {
	return newUIFeed(t, uiConfig{reg: registry.Options{Webhooks: events.Options{
		AllowPrivate: allowPrivate, MaxAttempts: 3, Backoff: time.Minute, Timeout: 2 * time.Second}}})
}

// addHook adds a webhook through the page's form and returns its ID and
// secret, read from the answer.
func addHook(t *testing.T, b *browser, base, hookURL string, kinds ...string) (int64, string) {
	t.Helper()
	tok := b.get(base).csrf()
	p := b.postWith(base, url.Values{"_csrf": {tok}, "url": {hookURL}, "event": kinds}.Encode(), nil)
	if p.res.StatusCode != http.StatusCreated {
		t.Fatalf("add webhook: %s: %s", p.res.Status, p.reason())
	}
	secret := ""
	for _, n := range p.byTestID("new-webhook-secret") {
		secret = attr(n, "value")
	}
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("no secret shown after adding: %q", secret)
	}
	if cc := p.res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("the answer showing the secret has Cache-Control %q", cc)
	}
	links := p.byTestID("webhook-row")
	if len(links) == 0 {
		t.Fatal("the new webhook is not listed")
	}
	href := ""
	for _, a := range findAll(links[len(links)-1], func(n *html.Node) bool { return n.Data == "a" }) {
		href = attr(a, "href")
	}
	id, err := strconv.ParseInt(href[strings.LastIndex(href, "/")+1:], 10, 64)
	if err != nil {
		t.Fatalf("webhook link %q", href)
	}
	return id, secret
}

// pushAs pushes a package with a fresh key of the user.
func pushAs(t *testing.T, f *uiFeed, user string, s nugettest.Spec) {
	t.Helper()
	if res := f.push(f.userKey(user), s.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push %s %s: %s", s.ID, s.Version, res.Status)
	}
}

func deliverDue(t *testing.T, f *uiFeed) int {
	t.Helper()
	n, err := f.reg.Webhooks().DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestWebhookDeliversSignedEvents: a webhook added in the UI receives the
// push and the unlist, signed with the secret shown once; the event ID
// header is the payload's; the page lists the deliveries with the
// receiver's answer escaped; the secret is never shown again.
func TestWebhookDeliversSignedEvents(t *testing.T) {
	f := hookFeed(t, true)
	rcv := newReceiver(t)
	alice := f.signedIn(t, "alice")
	id, secret := addHook(t, alice, "/account/webhooks", rcv.srv.URL+"/hook?token=abc", "pushed", "unlisted")
	key := f.userKey("alice")

	if res := f.push(key, nugettest.Spec{ID: "Alice.Hooked", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push: %s", res.Status)
	}
	// Relisted is not subscribed: no event for it.
	for _, m := range []string{http.MethodDelete, http.MethodPost} {
		req, _ := http.NewRequest(m, f.urls.Publish()+"/Alice.Hooked/1.0.0", nil)
		req.Header.Set("X-NuGet-ApiKey", key)
		if res := f.do(req); res.StatusCode >= 300 {
			t.Fatalf("%s: %s", m, res.Status)
		}
	}
	if n := deliverDue(t, f); n != 2 {
		t.Fatalf("delivered %d, want 2 (pushed, unlisted)", n)
	}
	got := rcv.requests()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(got))
	}
	// Deliveries run in parallel: they may arrive in any order.
	if got[0].header.Get(events.HeaderEvent) != string(events.Pushed) {
		got[0], got[1] = got[1], got[0]
	}
	for i, want := range []events.Kind{events.Pushed, events.Unlisted} {
		r := got[i]
		if err := events.Verify(secret, r.header.Get(events.HeaderSignature), r.body, f.clock.Now(), events.DefaultTolerance); err != nil {
			t.Errorf("delivery %d: signature does not verify: %v", i, err)
		}
		if err := events.Verify(secret, r.header.Get(events.HeaderSignature), r.body, f.clock.Now().Add(10*time.Minute), events.DefaultTolerance); err == nil {
			t.Errorf("delivery %d verifies ten minutes later: a replay would be accepted", i)
		}
		var e struct {
			ID      string `json:"id"`
			Type    string `json:"type"`
			Actor   string `json:"actor"`
			Feed    string `json:"feed"`
			Package struct {
				ID       string   `json:"id"`
				Versions []string `json:"versions"`
			} `json:"package"`
		}
		if err := json.Unmarshal(r.body, &e); err != nil {
			t.Fatal(err)
		}
		if e.Type != string(want) || r.header.Get(events.HeaderEvent) != string(want) || e.Package.ID != "Alice.Hooked" ||
			len(e.Package.Versions) != 1 || e.Package.Versions[0] != "1.0.0" || e.Actor != "alice" || e.Feed != "default" {
			t.Errorf("delivery %d: %s %s", i, r.header.Get(events.HeaderEvent), r.body)
		}
		if e.ID == "" || r.header.Get(events.HeaderEventID) != e.ID {
			t.Errorf("delivery %d: event ID header %q, payload %q", i, r.header.Get(events.HeaderEventID), e.ID)
		}
	}
	if n := deliverDue(t, f); n != 0 || len(rcv.requests()) != 2 {
		t.Errorf("a second pass sent %d more", n)
	}

	p := alice.get("/account/webhooks/" + strconv.FormatInt(id, 10))
	if p.res.StatusCode != http.StatusOK {
		t.Fatalf("webhook page: %s", p.res.Status)
	}
	rows := p.byTestID("delivery-row")
	if len(rows) != 2 || attr(rows[0], "data-status") != "delivered" {
		t.Fatalf("deliveries listed: %d, first %q", len(rows), p.testIDText("deliveries"))
	}
	if strings.Contains(p.body, "<b>thanks</b>") || !strings.Contains(p.body, "&lt;b&gt;thanks&lt;/b&gt;") {
		t.Error("the receiver's answer is not shown escaped")
	}
	if !strings.Contains(p.testIDText("delivery-code"), "200") {
		t.Errorf("status code shown: %q", p.testIDText("delivery-code"))
	}
	for _, path := range []string{"/account/webhooks", "/account/webhooks/" + strconv.FormatInt(id, 10)} {
		if body := alice.get(path).body; strings.Contains(body, secret) {
			t.Errorf("%s shows the secret again", path)
		}
	}
	if strings.Contains(f.log.String(), secret) {
		t.Error("the secret is in the log")
	}

	// The test button queues a test event for this webhook alone.
	tok := p.csrf()
	if res := alice.post("/account/webhooks/"+strconv.FormatInt(id, 10)+"/test", url.Values{"_csrf": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("test: %s", res.Status)
	}
	deliverDue(t, f)
	got = rcv.requests()
	if len(got) != 3 || got[2].header.Get(events.HeaderEvent) != "test" {
		t.Fatalf("after the test button the receiver has %d requests", len(got))
	}
}

// TestWebhookRetriesWithBackoff: a receiver that fails gets the same event
// (same ID) again after the backoff, not before; after MaxAttempts the
// delivery is failed and not tried again.
func TestWebhookRetriesWithBackoff(t *testing.T) {
	f := hookFeed(t, true)
	flaky := newReceiver(t, http.StatusInternalServerError, http.StatusBadGateway, http.StatusOK)
	down := newReceiver(t, http.StatusServiceUnavailable)
	alice := f.signedIn(t, "alice")
	flakyID, _ := addHook(t, alice, "/account/webhooks", flaky.srv.URL, "pushed")
	downID, _ := addHook(t, alice, "/account/webhooks", down.srv.URL, "pushed")
	pushAs(t, f, "alice", nugettest.Spec{ID: "Alice.Retry", Version: "1.0.0"})

	status := func(id int64) events.Delivery {
		t.Helper()
		ds, err := f.feed.db.Deliveries(context.Background(), id, 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries of %d: %v, %d", id, err, len(ds))
		}
		return ds[0]
	}
	deliverDue(t, f)
	if d := status(flakyID); d.Status != events.StatusPending || d.Attempts != 1 || d.Last.Code != 500 || !d.NextAttempt.Equal(f.clock.Now().Add(time.Minute)) {
		t.Fatalf("after one failure: %+v", d)
	}
	if n := deliverDue(t, f); n != 0 {
		t.Fatalf("retried %d before the backoff ran out", n)
	}
	f.clock.Advance(time.Minute)
	deliverDue(t, f)
	if d := status(flakyID); d.Attempts != 2 || d.Last.Code != 502 || !d.NextAttempt.Equal(f.clock.Now().Add(2*time.Minute)) {
		t.Fatalf("after two failures (backoff doubles): %+v", d)
	}
	f.clock.Advance(2 * time.Minute)
	deliverDue(t, f)
	if d := status(flakyID); d.Status != events.StatusDelivered || d.Attempts != 3 {
		t.Fatalf("third attempt: %+v", d)
	}
	if d := status(downID); d.Status != events.StatusFailed || d.Attempts != 3 {
		t.Fatalf("a receiver that is always down: %+v, want failed after 3", d)
	}
	f.clock.Advance(24 * time.Hour)
	if n := deliverDue(t, f); n != 0 {
		t.Errorf("a failed delivery was tried again")
	}
	ids := map[string]bool{}
	for _, r := range flaky.requests() {
		ids[r.header.Get(events.HeaderEventID)] = true
	}
	if len(flaky.requests()) != 3 || len(ids) != 1 {
		t.Errorf("flaky receiver: %d requests with %d event IDs, want 3 with one", len(flaky.requests()), len(ids))
	}
	p := alice.get("/account/webhooks/" + strconv.FormatInt(downID, 10))
	if rows := p.byTestID("delivery-row"); len(rows) != 1 || attr(rows[0], "data-status") != "failed" {
		t.Errorf("the page does not show the failed delivery")
	}
}

// TestWebhookRefusesPrivateAddresses: without webhook_allow_private, a URL
// on loopback or a name resolving to it is refused at registration with a
// sentence beside the field, and nothing is stored; a webhook whose
// address became private later (DNS rebinding) is refused at connect time.
func TestWebhookRefusesPrivateAddresses(t *testing.T) {
	f := hookFeed(t, false)
	rcv := newReceiver(t)
	alice := f.signedIn(t, "alice")
	for _, u := range []string{rcv.srv.URL, "http://localhost:9/x", "http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "ftp://example.com/x"} {
		tok := alice.get("/account/webhooks").csrf()
		p := alice.postWith("/account/webhooks", url.Values{"_csrf": {tok}, "url": {u}, "event": {"pushed"}}.Encode(), nil)
		if p.res.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %s, want 400", u, p.res.Status)
			continue
		}
		msg := p.testIDText("form-error")
		if !strings.Contains(msg, "Wharf does not send webhooks to") && !strings.Contains(msg, "is not an http or https URL") {
			t.Errorf("%s: the sentence is %q", u, msg)
		}
		if len(findAll(p.doc, func(n *html.Node) bool { return attr(n, "id") == "webhook-url-error" })) != 1 {
			t.Errorf("%s: the error is not beside the URL field", u)
		}
	}
	if hooks, _ := f.feed.db.Webhooks(context.Background(), events.Scope{}); len(hooks) != 0 {
		t.Fatalf("refused URLs stored %d webhooks", len(hooks))
	}
	// No event chosen: the sentence is beside the events.
	tok := alice.get("/account/webhooks").csrf()
	p := alice.postWith("/account/webhooks", url.Values{"_csrf": {tok}, "url": {"https://93.184.216.34/x"}}.Encode(), nil)
	if p.res.StatusCode != http.StatusBadRequest || !strings.Contains(p.testIDText("form-error"), "Choose at least one event") {
		t.Errorf("no events: %s %q", p.res.Status, p.testIDText("form-error"))
	}

	// The name resolved to a public address when it was added; now it
	// resolves to loopback. Stored directly, as registration would have.
	w := &events.Webhook{OwnerID: f.account("alice").ID, URL: rcv.srv.URL, Secret: "whsec_x", Events: []events.Kind{events.Pushed}, CreatedAt: f.clock.Now()}
	if err := f.feed.db.CreateWebhook(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	pushAs(t, f, "alice", nugettest.Spec{ID: "Alice.Rebound", Version: "1.0.0"})
	deliverDue(t, f)
	if n := len(rcv.requests()); n != 0 {
		t.Fatalf("the receiver on loopback got %d requests", n)
	}
	ds, _ := f.feed.db.Deliveries(context.Background(), w.ID, 10)
	if len(ds) != 1 || ds[0].Last.Code != 0 || !strings.Contains(ds[0].Last.Error, "refused: the address 127.0.0.1 is loopback or private; the operator setting webhook_allow_private allows it") {
		t.Fatalf("delivery to a rebound name: %+v", ds)
	}
}

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
