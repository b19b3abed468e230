package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// hangingReceiver records every delivery; it holds the first one open
// (the server is mid-delivery) and answers the others 200.
type hangingReceiver struct {
	srv   *httptest.Server
	mu    sync.Mutex
	got   []webhookCall
	first chan struct{} // closed when the first delivery arrives
	once  sync.Once
}

type webhookCall struct {
	event, id, signature string
	body                 []byte
}

func newHangingReceiver(t *testing.T) *hangingReceiver {
	r := &hangingReceiver{first: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, webhookCall{req.Header.Get(events.HeaderEvent), req.Header.Get(events.HeaderEventID), req.Header.Get(events.HeaderSignature), b})
		n := len(r.got)
		r.mu.Unlock()
		if n == 1 {
			r.once.Do(func() { close(r.first) })
			<-req.Context().Done() // until the server that sent it is killed
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hangingReceiver) calls() []webhookCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]webhookCall(nil), r.got...)
}

// waitFor polls until cond holds or the time is up.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
	}
}

var addedWebhookRE = regexp.MustCompile(`Added webhook (\d+) `)

// TestWebhookSurvivesKill9: "wharf serve" is killed with SIGKILL while it
// is sending a push's event (the receiver holds the request open); after
// a restart, once the dead process's lease has run out, the event is
// delivered again with the same event ID and a valid signature. A second
// push is answered and the server killed at once: its event, written with
// the push, is delivered after the next restart too.
func TestWebhookSurvivesKill9(t *testing.T) {
	rcv := newHangingReceiver(t)
	data := t.TempDir()
	env := []string{"WHARF_WEBHOOK_ALLOW_PRIVATE=true", "WHARF_WEBHOOK_TIMEOUT=1s"}
	wharfBinary(t)
	e := startWharfIn(t, data, env...)
	key := e.apiKey(t, "alice")
	secret, stderr := e.wharfOK(t, "webhook", "add", "--owner", "alice", "--url", rcv.srv.URL+"/hook", "--event", "pushed")
	secret = strings.TrimSpace(secret)
	m := addedWebhookRE.FindStringSubmatch(stderr)
	if !strings.HasPrefix(secret, "whsec_") || m == nil {
		t.Fatalf("wharf webhook add: stdout %q, stderr %q", secret, stderr)
	}
	hookID := m[1]

	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Crash.Hooked", Version: "1.0.0"})
	select {
	case <-rcv.first:
	case <-time.After(10 * time.Second):
		t.Fatalf("no delivery within 10s\nserver output:\n%s", e.srvOut.String())
	}
	kill9(t, e)
	killedAt := time.Now()

	e = startWharfIn(t, data, env...)
	waitFor(t, 15*time.Second, "the event delivered again after the restart", func() bool { return len(rcv.calls()) >= 2 })
	t.Logf("delivered again %v after the kill", time.Since(killedAt).Round(100*time.Millisecond))
	calls := rcv.calls()
	if calls[0].id == "" || calls[1].id != calls[0].id || calls[1].event != "pushed" {
		t.Fatalf("redelivery: %+v, want the same event ID as %q", calls[1], calls[0].id)
	}
	if err := events.Verify(secret, calls[1].signature, calls[1].body, time.Now(), events.DefaultTolerance); err != nil {
		t.Errorf("the redelivery's signature: %v", err)
	}
	if !strings.Contains(string(calls[1].body), `"id":"Crash.Hooked"`) {
		t.Errorf("payload %s", calls[1].body)
	}

	// Killed right after answering a push.
	e.mustPushHTTP(t, key, nugettest.Spec{ID: "Crash.Second", Version: "1.0.0"})
	kill9(t, e)
	e = startWharfIn(t, data, env...)
	waitFor(t, 15*time.Second, "the second push's event delivered", func() bool {
		for _, c := range rcv.calls() {
			if strings.Contains(string(c.body), `"id":"Crash.Second"`) {
				return true
			}
		}
		return false
	})
	out, _ := e.wharfOK(t, "webhook", "deliveries", hookID)
	if strings.Count(out, " delivered ") != 2 || strings.Contains(out, " pending ") {
		t.Errorf("wharf webhook deliveries %s:\n%s\nwant both delivered", hookID, out)
	}
}

// kill9 kills the server with SIGKILL and waits for it to go.
func kill9(t *testing.T, e *e2e) {
	t.Helper()
	if err := e.srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-e.srvDone
	e.exited = true
}

// TestWebhookCommands: the operator's commands refuse a private address
// with the sentence, add one (the secret on stdout alone), list it without
// the secret, show its deliveries and remove it.
func TestWebhookCommands(t *testing.T) {
	e := startWharfIn(t, "")
	e.wharfOK(t, "user", "add", "alice")
	_, stderr, code := e.wharf(t, "webhook", "add", "--owner", "alice", "--url", "http://10.1.2.3:9/x", "--event", "pushed")
	if code == 0 || !strings.Contains(stderr, "Wharf does not send webhooks to 10.1.2.3: the address 10.1.2.3 is loopback or private; the operator setting webhook_allow_private allows it.") {
		t.Errorf("a private URL: exit %d, stderr %q", code, stderr)
	}
	// The server's own base URL (127.0.0.1 here).
	_, stderr, code = e.wharf(t, "webhook", "add", "--owner", "alice", "--url", e.base+"/x", "--event", "pushed")
	if code == 0 || !strings.Contains(stderr, "Wharf does not send webhooks to itself (127.0.0.1)") {
		t.Errorf("the server's own URL: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := e.wharf(t, "webhook", "add", "--url", "https://93.184.216.34/x", "--event", "pushed"); code == 0 || !strings.Contains(stderr, "--owner ACCOUNT or --feed FEED") {
		t.Errorf("no owner or feed: exit %d, stderr %q", code, stderr)
	}
	secret, stderr := e.wharfOK(t, "webhook", "add", "--owner", "alice", "--url", "https://93.184.216.34/x?token=t", "--event", "pushed,policy")
	m := addedWebhookRE.FindStringSubmatch(stderr)
	if m == nil || strings.Count(secret, "\n") != 1 || !strings.HasPrefix(secret, "whsec_") || strings.Contains(stderr, strings.TrimSpace(secret)) {
		t.Fatalf("add: stdout %q, stderr %q", secret, stderr)
	}
	list, _ := e.wharfOK(t, "webhook", "list", "--owner", "alice")
	if !strings.Contains(list, "https://93.184.216.34/x?token=t") || !strings.Contains(list, "pushed,policy.created,policy.changed,policy.removed") ||
		strings.Contains(list, strings.TrimSpace(secret)) {
		t.Errorf("list:\n%s", list)
	}
	if out, _ := e.wharfOK(t, "webhook", "deliveries", m[1]); strings.Count(out, "\n") != 1 {
		t.Errorf("deliveries of a new webhook:\n%s", out)
	}
	e.wharfOK(t, "webhook", "remove", m[1])
	if list, _ := e.wharfOK(t, "webhook", "list"); strings.Contains(list, "93.184.216.34") {
		t.Errorf("after remove:\n%s", list)
	}
	if _, stderr, code := e.wharf(t, "webhook", "remove", m[1]); code == 0 || !strings.Contains(stderr, "There is no webhook "+m[1]) {
		t.Errorf("removing it again: exit %d, %q", code, stderr)
	}
	if strings.Contains(e.srvOut.String(), strings.TrimSpace(secret)) {
		t.Error("the secret is in the server's log")
	}
}
