package web_test

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/web"
)

// TestSlowLoris dribbles requests one byte every 50ms, never finishing
// them: headers (bounded by the header timeout), a push body (the upload
// timeout), a token exchange and a sign-out form (the request timeout).
// The server runs with all three set to WHARF_HOSTILE_TIMEOUT (1s) and
// must close each connection after about that long, leaving no spool
// file and nothing stored.
func TestSlowLoris(t *testing.T) {
	timeout := hostileTimeout(t)
	f := newFeedServer(t, registry.Options{}, func(c *web.ServerConfig) {
		c.HeaderTimeout, c.RequestTimeout, c.UploadTimeout = timeout, timeout, timeout
	})
	f.mustPush(widget("1.0.0"))
	before := f.stored()
	body := func(method, path, contentType string) string {
		return fmt.Sprintf("%s %s HTTP/1.1\r\nHost: wharf.test\r\nX-NuGet-ApiKey: %s\r\nAuthorization: Bearer x.y.z\r\n"+
			"User-Agent: slow\r\nContent-Type: %s\r\nContent-Length: 1048576\r\n\r\n", method, path, f.key, contentType)
	}
	// A push is answered with the reason, as NuGet clients show it, and a
	// token exchange with its JSON error, as NuGet/login shows it; the
	// others are past their write deadline too and just closed.
	const pushAnswer = "HTTP/1.1 400 Bad Request - The upload did not finish within the "
	const tokenAnswer = "HTTP/1.1 400 Bad Request\r\n"
	tests := []struct{ name, head, trickle, answer string }{
		{"headers", "GET /v3/index.json HTTP/1.1\r\nHost: wharf.test\r\nX-Slow: ", "a", ""},
		{"raw push body", body("PUT", "/api/v2/package/", "application/octet-stream"), "P", pushAnswer},
		{"multipart push body", body("PUT", "/api/v2/package/", "multipart/form-data; boundary=b") + "--b\r\nContent-Type: application/octet-stream\r\n\r\n", "P", pushAnswer},
		{"multipart part headers", body("PUT", "/api/v2/package/", "multipart/form-data; boundary=b") + "--b\r\nX-Slow: ", "a", pushAnswer},
		{"token exchange body", body("POST", "/api/v2/token", "application/json") + `{"username": "`, "a", tokenAnswer},
		{"form body", body("POST", "/sign-out", "application/x-www-form-urlencoded") + "csrf=", "a", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			took, answer := dribble(t, f, tc.head, tc.trickle, timeout+5*time.Second)
			t.Logf("closed %v after the dribbling began (timeout %v); answer %.60q", took.Round(time.Millisecond), timeout, answer)
			if took < timeout/2 || took > timeout+2*time.Second {
				t.Errorf("the server closed the connection after %v, want about %v", took, timeout)
			}
			if !strings.HasPrefix(answer, tc.answer) || tc.answer == "" && answer != "" {
				t.Errorf("answer %q, want %q", answer, tc.answer)
			}
			if tc.answer == tokenAnswer && !strings.Contains(answer, "did not arrive within the 1s this server allows") {
				t.Errorf("the exchange's answer does not say the body was too slow: %q", answer)
			}
			f.unchanged(t, before)
		})
	}
}

// dribble writes head, then trickle one byte at a time every 50ms until
// the server closes the connection. It returns how long after head that
// took and what the server wrote; it fails t if the connection is still
// open after limit.
func dribble(t *testing.T, f *feed, head, trickle string, limit time.Duration) (time.Duration, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.urls.Base(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(limit))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	closed := make(chan string)
	go func() {
		b, _ := io.ReadAll(conn) // until the server closes, or the deadline
		closed <- string(b)
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case answer := <-closed:
			took := time.Since(start)
			if took >= limit-time.Second {
				t.Fatalf("the connection was still open after %v", took)
			}
			return took, answer
		case <-tick.C:
			conn.Write([]byte{trickle[i%len(trickle)]}) // fails once the server has closed
		}
	}
}
