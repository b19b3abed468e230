package web

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
)

// requestIDHeader carries the request ID: taken from the client (a proxy)
// when well-formed, otherwise made here, and always echoed in the answer.
const requestIDHeader = "X-Request-Id"

// wellFormedID is what an incoming request ID may look like: a UUID, a
// hex or base64url string, a proxy's "host-123" ... never spaces, quotes
// or control characters, so it is safe in a log line and a header.
var wellFormedID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// quietRoutes are logged at debug level: probes and scrapes would drown
// the log.
var quietRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// observe is the outermost middleware: it gives every request an ID,
// answers errors (so the status is known), records metrics and writes one
// access-log line. The line holds the method, route, path (with
// token-like segments masked), status, size, duration, client address,
// user agent and request ID, and never a header value, a cookie or the
// query string: keys, tokens and sessions travel there.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		req := c.Request()
		id := req.Header.Get(requestIDHeader)
		if !wellFormedID.MatchString(id) {
			id = newRequestID()
		}
		c.Set(requestIDHeader, id)
		c.Response().Header().Set(requestIDHeader, id)
		if err := next(c); err != nil {
			c.Error(err)
		}
		route, status := c.Path(), c.Response().Status
		if route == "" {
			route = "(none)"
		}
		took := time.Since(start)
		s.metrics.observe(route, req.Method, status, took.Seconds())
		level := slog.LevelInfo
		if quietRoutes[route] {
			level = slog.LevelDebug
		}
		s.log.LogAttrs(req.Context(), level, "request",
			slog.String("request_id", id), slog.String("method", req.Method), slog.String("route", route),
			slog.String("path", maskPath(req.URL.Path)), slog.Int("status", status), slog.Int64("bytes", c.Response().Size),
			slog.Float64("duration_ms", float64(took.Microseconds())/1000), slog.String("remote", c.RealIP()),
			slog.String("user_agent", req.UserAgent()))
		return nil
	}
}

// maskPath hides the path segments that may be secrets: sign-in links
// carry their token in the path, and a mistyped or probing URL may carry
// a key. A segment of 24 or more URL-safe characters without a dot (a
// token, not a package ID or version) is logged as "(masked)".
func maskPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if len(s) >= 24 && secretLike.MatchString(s) {
			segs[i] = "(masked)"
		}
	}
	return strings.Join(segs, "/")
}

// secretLike is what a token or key looks like in a path: base64url or
// hex, no dots.
var secretLike = regexp.MustCompile(`^[A-Za-z0-9_~%-]+$`)

// requestID returns the ID observe gave the request.
func requestID(c echo.Context) string {
	id, _ := c.Get(requestIDHeader).(string)
	return id
}

func newRequestID() string {
	var b [16]byte
	copy(b[:8], requestIDPrefix[:])
	binary.BigEndian.PutUint64(b[8:], requestIDCounter.Add(1))
	return hex.EncodeToString(b[:])
}

// Request IDs are a random per-process prefix and a counter: unique
// across replicas and restarts without reading the system's random source
// on every request. They name requests in logs; they are not secrets.
var (
	requestIDPrefix  = func() (p [8]byte) { _, _ = rand.Read(p[:]); return }()
	requestIDCounter atomic.Uint64
)
