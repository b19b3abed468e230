package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// statusTable maps each domain error kind to its HTTP status: the one place
// where errors become status codes.
var statusTable = []struct {
	kind   error
	status int
}{
	{registry.ErrNotFound, http.StatusNotFound},
	{registry.ErrConflict, http.StatusConflict},
	{registry.ErrInvalid, http.StatusBadRequest},
	{registry.ErrUnauthenticated, http.StatusUnauthorized},
	{registry.ErrForbidden, http.StatusForbidden},
	{registry.ErrTooLarge, http.StatusRequestEntityTooLarge},
	{registry.ErrUnavailable, http.StatusServiceUnavailable},
	{registry.ErrStorageFull, http.StatusInsufficientStorage},
	{registry.ErrRateLimited, http.StatusTooManyRequests},
	{registry.ErrUpstream, http.StatusBadGateway},
}

// statusOf returns the status and user-facing message for err. Errors
// without a domain kind are internal: 500 and "Internal error.".
func statusOf(err error) (int, string) {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok && s != "" {
			msg = s
		}
		return he.Code, msg
	}
	for _, e := range statusTable {
		if errors.Is(err, e.kind) {
			msg := registry.Message(err)
			if msg == "" {
				msg = http.StatusText(e.status) + "."
			}
			return e.status, msg
		}
	}
	return http.StatusInternalServerError, "Internal error."
}

// apiError is the JSON body of every API error.
type apiError struct {
	Error string `json:"error"`
}

// handleError is echo's error handler: every error a handler returns comes
// here and is answered as JSON. Internal errors are logged, never shown.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed || s.challengeMiss(c, err) {
		return
	}
	var se *stagingError
	if errors.As(err, &se) {
		if werr := s.writeStagingError(c, se.err); werr != nil {
			s.log.Debug("writing error response failed", "err", werr)
		}
		return
	}
	status, msg := statusOf(err)
	if status >= 500 {
		s.log.Error("request failed", append(logAttrs(c), "status", status, "err", err)...)
	}
	if ui, _ := c.Get(ctxUI).(bool); ui {
		if status == http.StatusNotFound && errors.Is(err, echo.ErrNotFound) {
			msg = "There is no page at this address."
		}
		if werr := s.renderErrorPage(c, status, msg); werr != nil {
			s.log.Debug("writing error page failed", "err", werr)
		}
		return
	}
	if status == http.StatusMethodNotAllowed || status == http.StatusNotFound && errors.Is(err, echo.ErrNotFound) {
		msg = fmt.Sprintf("There is nothing at %s %s on this server. The feed is %s.", c.Request().Method, c.Request().URL.Path, s.urls.ServiceIndex())
	}
	// Upstream failures are the client's to read too: the sentence goes
	// in the reason phrase, which is all NuGet clients print.
	if isClientError(err) || errors.Is(err, registry.ErrUpstream) {
		if werr := s.writeClientError(c, status, msg); werr != nil {
			s.log.Debug("writing error response failed", "err", werr)
		}
		return
	}
	if werr := writeJSONError(c, status, msg); werr != nil {
		s.log.Debug("writing error response failed", "err", werr)
	}
}

func writeJSONError(c echo.Context, status int, msg string) error {
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return c.JSON(status, apiError{Error: msg})
}

// headerSafe turns a message into a value safe for a header or status line:
// one line of printable ASCII, bounded in length.
func headerSafe(msg string) string {
	var b strings.Builder
	for _, r := range msg {
		switch {
		case r == '\r' || r == '\n' || r == '\t':
			b.WriteByte(' ')
		case r == '…':
			b.WriteString("...")
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
		if b.Len() > 400 {
			break
		}
	}
	return strings.TrimSpace(b.String())
}

// logAttrs is the request context logged with internal errors: the route
// pattern, never the path, which may hold a secret (a sign-in link).
func logAttrs(c echo.Context) []any {
	route := c.Path()
	if route == "" {
		route = "(no route)"
	}
	return []any{slog.String("request_id", requestID(c)), slog.String("method", c.Request().Method), slog.String("route", route)}
}
