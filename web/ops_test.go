// Operations: readiness, metrics, request IDs and what the logs hold.

package web_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/testenv"
)

func TestReadyz(t *testing.T) {
	f := newFeed(t)
	res, body := f.get(f.urls.Base() + "/readyz")
	if res.StatusCode != http.StatusOK || string(body) != "ready\n" {
		t.Fatalf("GET /readyz: %s %q, want 200 ready", res.Status, body)
	}
	f.db.Close() // the database goes away
	res, body = f.get(f.urls.Base() + "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "database does not answer") {
		t.Errorf("GET /readyz without a database: %s %q, want 503 saying the database does not answer", res.Status, body)
	}
	if res, _ := f.get(f.urls.Base() + "/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz without a database: %s, want 200 (the process is up)", res.Status)
	}
}

func TestMetrics(t *testing.T) {
	f := newFeed(t)
	f.mustPush(nugettest.Spec{ID: "Metric.Pkg", Version: "1.0.0"})
	if res := f.push(f.key, nugettest.Spec{ID: "Metric.Pkg", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusConflict {
		t.Fatalf("duplicate push: %s", res.Status)
	}
	for range 3 {
		f.getJSON(f.urls.Base()+"/v3/package/metric.pkg/index.json", http.StatusOK, nil)
	}
	f.get(f.urls.Base() + "/no/such/thing")
	wants := []string{
		`wharf_pushes_total{outcome="created"} 1`,
		`wharf_pushes_total{outcome="conflict"} 1`,
		`wharf_http_requests_total{method="GET",route="/v3/package/:id/index.json",status="200"} 3`,
		`wharf_http_requests_total{method="GET",route="/*",status="404"} 1`,
		`wharf_http_request_duration_seconds_count{method="GET",route="/v3/package/:id/index.json"} 3`,
		`wharf_cache_hits_total{cache="documents"} 2`,
		`wharf_cache_misses_total{cache="documents"} 1`,
		`wharf_cache_hits_total{cache="packages"}`,
	}
	// A request is counted just after its answer is sent: poll briefly.
	var missing []string
	var body []byte
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, body = f.get(f.urls.Base() + "/metrics")
		missing = missing[:0]
		for _, w := range wants {
			if !strings.Contains(string(body), w) {
				missing = append(missing, w)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(missing) > 0 {
		t.Errorf("/metrics lacks %q:\n%s", missing, body)
	}
}

func TestRequestIDs(t *testing.T) {
	f := newFeed(t)
	get := func(id string) string {
		req, _ := http.NewRequest(http.MethodGet, f.urls.ServiceIndex(), nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		return f.do(req).Header.Get("X-Request-Id")
	}
	if got := get("lb-7f3a9c21-0001"); got != "lb-7f3a9c21-0001" {
		t.Errorf("a well-formed incoming request ID came back as %q", got)
	}
	for _, bad := range []string{"", "short", "has spaces in it", "quote\"injection\"here", strings.Repeat("a", 200)} {
		got := get(bad)
		if got == bad || len(got) != 32 {
			t.Errorf("incoming ID %q: answered %q, want a fresh 32-character ID", bad, got)
		}
	}
}

// TestLogsHoldNoSecrets sends requests carrying every kind of secret a
// client sends (API keys, bearer tokens, session cookies, a key in the
// query, sign-in link tokens and keys in the path) and checks that the JSON logs have a line per request with its
// ID, and none of the secrets.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs testenv.Buffer
	f := newFeedWith(t, registry.Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	f.mustPush(nugettest.Spec{ID: "Secret.Pkg", Version: "1.0.0"})
	bogusKey := "wharf_" + strings.Repeat("Zq", 21)
	f.push(bogusKey, nugettest.Spec{ID: "Secret.Pkg", Version: "2.0.0"}.Build())
	del, _ := http.NewRequest(http.MethodDelete, f.urls.Publish()+"/Secret.Pkg/1.0.0", nil)
	del.Header.Set("X-NuGet-ApiKey", f.key)
	f.do(del)
	bearer := "eyJhbGciOiJSUzI1NiJ9.eyJzZWNyZXQiOiJ0b2tlbiJ9.c2lnbmF0dXJlc2VjcmV0"
	ex, _ := http.NewRequest(http.MethodPost, f.urls.Token(), strings.NewReader(`{"username":"alice","tokenType":"ApiKey"}`))
	ex.Header.Set("Authorization", "Bearer "+bearer)
	ex.Header.Set("Content-Type", "application/json")
	ex.Header.Set("User-Agent", "test")
	f.do(ex)
	cookie := "wharf_session=SessionSecretValue0123456789"
	page, _ := http.NewRequest(http.MethodGet, f.urls.Base()+"/account/keys?apikey=QuerySecretValue42", nil)
	page.Header.Set("Cookie", cookie)
	page.Header.Set("X-Request-Id", "trace-0123456789")
	f.do(page)
	linkToken := "q3Vb7Yx_Kp2mZr9TfLw4Hs8DnJc6Ae1GuOiXyB5vRt0"
	for _, path := range []string{"/sign-in/link/" + linkToken, "/sign-in/link/" + linkToken + "/oops", "/v3/package/" + bogusKey + "/index.json"} {
		f.get(f.urls.Base() + path)
	}

	out := logs.String()
	for _, secret := range []string{f.key, bogusKey, bearer, "SessionSecretValue0123456789", "QuerySecretValue42", "signatureSecret", linkToken} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain a secret %q:\n%s", secret, out)
		}
	}
	lines := strings.Count(out, `"msg":"request"`)
	if lines < 5 {
		t.Errorf("%d access-log lines for 5 requests:\n%s", lines, out)
	}
	if !strings.Contains(out, `"request_id":"trace-0123456789"`) || !strings.Contains(out, `"route":"/api/v2/package/:id/:version"`) {
		t.Errorf("the access log lacks the request ID or the route template:\n%s", out)
	}
}
