package web

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// tokenRequest is what NuGet/login@v1 posts.
type tokenRequest struct {
	Username  string `json:"username"`
	TokenType string `json:"tokenType"`
}

// tokenResponse is what NuGet/login@v1 reads (it needs exactly 200 and
// reads only apiKey).
type tokenResponse struct {
	TokenType string `json:"tokenType"`
	Expires   string `json:"expires"`
	APIKey    string `json:"apiKey"`
}

// tokenBody is the exchange's request body, as NuGet/login sends it.
var tokenBody = jsonBody{Limit: 16 << 10, Expect: `{"username": "...", "tokenType": "ApiKey"}`}

// exchangeToken trades a CI job's OIDC token for a short-lived API key
// (POST /api/v2/token), checking the request in nuget.org's order.
func (s *Server) exchangeToken(c echo.Context) error {
	req := c.Request()
	bearer, err := bearerToken(req)
	if err != nil {
		return tokenError(c, http.StatusUnauthorized, err.Error())
	}
	// A token exchange must not ride on a browser session: the session
	// cookie under either name (__Host- behind an https base URL).
	if s.hasSessionCookie(req) {
		return tokenError(c, http.StatusUnauthorized, "A token exchange must not carry a browser session cookie.")
	}
	if mt, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); mt != "application/json" {
		return tokenError(c, http.StatusUnsupportedMediaType, "The request body must be JSON (Content-Type: application/json).")
	}
	if strings.TrimSpace(req.UserAgent()) == "" {
		return tokenError(c, http.StatusBadRequest, "A User-Agent header is required.")
	}
	var body tokenRequest
	if err := s.readJSON(c, tokenBody, &body); err != nil {
		status, msg := statusOf(err)
		return tokenError(c, status, msg)
	}
	if strings.TrimSpace(body.Username) == "" {
		return tokenError(c, http.StatusBadRequest, "The username is required: the user (or organisation) whose trust policy this workflow matches.")
	}
	if body.TokenType != "ApiKey" {
		return tokenError(c, http.StatusBadRequest, "The tokenType must be 'ApiKey'.")
	}
	res, err := s.reg.Exchange(req.Context(), registry.ExchangeRequest{Token: bearer, Username: strings.TrimSpace(body.Username), RemoteAddr: c.RealIP()})
	if err != nil {
		var rl *registry.RateLimitError
		if errors.As(err, &rl) {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter/time.Second)))
		}
		status, msg := statusOf(err)
		if status >= 500 {
			s.log.Error("token exchange failed", "err", err)
		}
		return tokenError(c, status, msg)
	}
	s.log.Info("trusted-publishing key minted", "username", body.Username, "key", res.Key.ID, "policy", *res.Key.PolicyID)
	return c.JSON(http.StatusOK, tokenResponse{
		TokenType: "ApiKey",
		Expires:   res.Expires.UTC().Format("2006-01-02T15:04:05.0000000+00:00"),
		APIKey:    res.Secret,
	})
}

// revokeToken revokes a trusted-publishing key early (DELETE /api/v2/token
// with the key as bearer), as a job does when it is done.
func (s *Server) revokeToken(c echo.Context) error {
	key, err := bearerToken(c.Request())
	if err != nil {
		return tokenError(c, http.StatusUnauthorized, err.Error())
	}
	if err := s.reg.RevokeTrustedKey(c.Request().Context(), key); err != nil {
		status, msg := statusOf(err)
		if status >= 500 {
			s.log.Error("revoking a trusted-publishing key failed", "err", err)
		}
		return tokenError(c, status, msg)
	}
	return c.NoContent(http.StatusNoContent)
}

// hasSessionCookie reports whether a request carries a UI session cookie,
// by its name for this base URL or the plain one.
func (s *Server) hasSessionCookie(req *http.Request) bool {
	for _, name := range []string{s.cookies.session, newCookieNames(false).session} {
		if _, err := req.Cookie(name); err == nil {
			return true
		}
	}
	return false
}

// bearerToken returns the one bearer token of the request.
func bearerToken(req *http.Request) (string, error) {
	values := req.Header.Values("Authorization")
	if len(values) != 1 {
		return "", errors.New("The request must carry exactly one Authorization: Bearer header.")
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", errors.New("The Authorization header must be 'Bearer <token>'.")
	}
	return token, nil
}

// tokenError answers as the action expects: {"error": sentence}, with
// WWW-Authenticate on 401.
func tokenError(c echo.Context, status int, msg string) error {
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="Wharf"`)
	}
	return c.JSON(status, apiError{Error: msg})
}
