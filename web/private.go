package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

// A private registry (ServerConfig.Private, the config key private) is
// for a company network: every feed needs credentials, whatever its own
// visibility, and every page but sign-in needs a session. What stays
// open: /healthz, /readyz, static files, the sign-in pages and login
// links, the token exchange (CI has no session), and the union's service
// index /v3/index.json, which names only resource URLs, so that a push
// with an API key still finds where to push.

// privateGate sends a signed-out visitor of a private registry to sign
// in (pages) or refuses the form.
func (s *Server) privateGate(next echo.HandlerFunc) echo.HandlerFunc {
	if !s.private {
		return next
	}
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
			return c.Redirect(http.StatusSeeOther, "/sign-in?next="+url.QueryEscape(safeNext(c.Request().URL.RequestURI())))
		}
		return &registry.Error{Kind: registry.ErrUnauthenticated, Message: "This registry is private. Sign in to do this."}
	}
}

// privateRead refuses an anonymous read of a private registry with the
// Basic challenge; it reports whether it answered.
func (s *Server) privateRead(c echo.Context, v feeds.Viewer) bool {
	if !s.private || v.UserID != 0 || c.Path() == "/v3/index.json" {
		return false
	}
	_ = s.challenge(c, "This registry is private: add the source with a user name and an API key with the read scope as the password.")
	return true
}

// privateReader is the reader of a request before its credentials are
// known: nothing in a private registry, else the anonymous viewer's.
func (s *Server) privateReader(snap *feeds.Snapshot, v feeds.Viewer) *feeds.Reader {
	if s.private && v.UserID == 0 {
		return &feeds.Reader{}
	}
	return snap.NewReader(v, nil)
}
