package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

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
