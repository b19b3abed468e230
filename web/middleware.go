package web

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// recoverPanics turns a panic in a handler into a logged internal error.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic in handler", append(logAttrs(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))...)
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}

// apiContentSecurityPolicy is the policy of every answer that is not a
// page (pages replace it with theirs, in uiContext): the feed serves what
// package authors wrote (a .nuspec is XML, in which a browser runs an
// XHTML <script>) on the origin of the signed-in UI, so nothing it serves
// may run script, load anything or be framed.
const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'; sandbox"

// apiCSP is that policy as a header value, shared by every answer (pages
// replace it; nothing appends to it).
var apiCSP = []string{apiContentSecurityPolicy}

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h["Content-Security-Policy"] = apiCSP
		h["X-Content-Type-Options"] = []string{"nosniff"}
		h["X-Frame-Options"] = []string{"DENY"}
		h["Referrer-Policy"] = []string{"same-origin"}
		if s.secure {
			h["Strict-Transport-Security"] = []string{"max-age=31536000"}
		}
		return next(c)
	}
}

// timeouts bounds how long a request may take to read and answer: the
// upload timeout for pushes, the request timeout for everything else. The
// server itself only bounds reading headers, so big uploads are possible.
func (s *Server) timeouts(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		d := s.reqTO
		path := c.Request().URL.Path
		if c.Request().Method == http.MethodPut && strings.Contains(path, "/api/v2/package") || strings.HasSuffix(path, ".nupkg") {
			d = s.uploadTO
		}
		rc := http.NewResponseController(c.Response().Writer)
		deadline := time.Now().Add(d)
		_ = rc.SetReadDeadline(deadline)
		_ = rc.SetWriteDeadline(deadline)
		return next(c)
	}
}
