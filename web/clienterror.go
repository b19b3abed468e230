package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// nugetClientError marks an error answered to a NuGet client on a write
// route. NuGet.exe and dotnet print the HTTP reason phrase and never the
// body, so the sentence travels in the reason phrase ("409 Conflict - ...")
// and in X-NuGet-Warning, which the clients print as a warning.
type nugetClientError struct{ err error }

// Error returns the wrapped error's text.
func (e *nugetClientError) Error() string { return e.err.Error() }

// Unwrap exposes the wrapped error to errors.Is and errors.As.
func (e *nugetClientError) Unwrap() error { return e.err }

func clientError(err error) error { return &nugetClientError{err: err} }

// writeClientError answers a NuGet client. On HTTP/1.x it writes the status
// line itself to carry the sentence in the reason phrase, which net/http
// cannot do, and closes the connection; elsewhere it falls back to the
// standard phrase with the header.
func (s *Server) writeClientError(c echo.Context, status int, msg string) error {
	req, res := c.Request(), c.Response()
	safe := headerSafe(msg)
	res.Header().Set("X-NuGet-Warning", safe)
	rc := http.NewResponseController(res.Writer)
	drainBody(req, 2*s.reg.MaxPackageSize()+multipartSlack)
	if req.ProtoMajor != 1 {
		return writeJSONError(c, status, msg)
	}
	conn, buf, err := rc.Hijack()
	if err != nil {
		return writeJSONError(c, status, msg)
	}
	defer conn.Close()
	body, _ := json.Marshal(apiError{Error: msg})
	res.Status, res.Size = status, int64(len(body)) // for the access log and metrics
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP/1.1 %d %s - %s\r\n", status, http.StatusText(status), safe)
	h := res.Header().Clone()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	h.Write(&out)
	out.WriteString("\r\n")
	if req.Method != http.MethodHead {
		out.Write(body)
	}
	if _, err := buf.Write(out.Bytes()); err != nil {
		return nil
	}
	_ = buf.Flush()
	res.Committed = true
	return nil
}

// isClientError reports whether err was raised on a NuGet client route.
func isClientError(err error) bool {
	var ce *nugetClientError
	return errors.As(err, &ce)
}
