package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// jsonBody says how an endpoint reads its JSON request body: at most Limit
// bytes, one object, and what a caller should send (Expect, completing
// "send ...") when the body is empty or not JSON. Strict refuses fields
// the object does not have, naming Thing ("a trust policy") in the
// sentence, so a typo is not silently ignored.
type jsonBody struct {
	Limit  int64
	Expect string
	Strict bool
	Thing  string
}

// answerGrace is how long the answer to a request whose body timed out
// may take to write: the request's own deadline has passed by then, and
// without it the reason would race the deadline and usually be lost.
const answerGrace = 5 * time.Second

// readJSON decodes the request body into v as spec says. Every failure is
// a registry.Error with one sentence: too large (ErrTooLarge), did not
// arrive in time, empty, not JSON, an unknown field, or more after the
// object (ErrInvalid).
func (s *Server) readJSON(c echo.Context, spec jsonBody, v any) error {
	dec := json.NewDecoder(&limitReader{r: c.Request().Body, n: spec.Limit})
	if spec.Strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errTrailingJSON
	}
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, errBodyTooLarge):
		return &registry.Error{Kind: registry.ErrTooLarge, Message: fmt.Sprintf("The body is larger than %s. Send %s.", registry.SizeText(spec.Limit), spec.Expect)}
	case errors.Is(err, os.ErrDeadlineExceeded):
		_ = http.NewResponseController(c.Response().Writer).SetWriteDeadline(time.Now().Add(answerGrace))
		return invalidf("The body did not arrive within the %s this server allows for a request. Send it again over a faster connection.", shortDuration(s.reqTO))
	case errors.Is(err, io.EOF):
		return invalidf("The body is empty: send %s.", spec.Expect)
	case errors.Is(err, errTrailingJSON):
		return invalidf("The body has more after its JSON object: send %s, once.", spec.Expect)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return invalidf("The body has the field %s, which %s does not have; check its spelling.", strings.TrimPrefix(err.Error(), "json: unknown field "), spec.Thing)
	case errors.As(err, &typ):
		return invalidf("The body's field %q has the wrong type (a JSON %s, where %s is expected): send %s.", typ.Field, typ.Value, typ.Type, spec.Expect)
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return invalidf("The body is not valid JSON: send %s.", spec.Expect)
	}
	return invalidf("The body could not be read (%v): send %s.", err, spec.Expect)
}

// errTrailingJSON marks a body with more after its one JSON value.
var errTrailingJSON = errors.New("trailing data after the JSON object")

// shortDuration writes d as people do: 1m rather than 1m0s.
func shortDuration(d time.Duration) string {
	return strings.TrimSuffix(strings.TrimSuffix(d.String(), "0s"), "0m")
}
