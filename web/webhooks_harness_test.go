package web_test

import (
	"context"
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
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
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
