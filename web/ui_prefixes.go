package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The administrators' page of reserved package ID prefixes.

func (s *Server) prefixesPage(c echo.Context) error {
	return s.renderPrefixes(c, http.StatusOK, templates.PrefixesPage{})
}

func (s *Server) renderPrefixes(c echo.Context, status int, v templates.PrefixesPage) error {
	list, err := s.reg.ListPrefixesAs(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	v.Page = s.page(c, "Reserved prefixes", "admin")
	if v.Error != "" {
		v.Problem = problem(v.Error, map[bool]string{true: "prefix-owner", false: "prefix-pattern"}[v.ErrorField == "owner"])
	}
	for _, p := range list {
		v.Prefixes = append(v.Prefixes, templates.PrefixRow{Pattern: p.Pattern, Owner: p.OwnerName, Created: day(p.CreatedAt)})
	}
	return s.render(c, status, templates.Prefixes(v))
}

func (s *Server) reservePrefix(c echo.Context) error {
	pattern, owner := strings.TrimSpace(c.FormValue("pattern")), strings.TrimSpace(c.FormValue("owner"))
	r, err := s.reg.ReservePrefixAs(c.Request().Context(), currentUser(c), pattern, owner)
	if msg := userMessage(err); msg != "" && !errors.Is(err, registry.ErrForbidden) {
		field := "pattern"
		if errors.Is(err, registry.ErrNotFound) {
			field = "owner"
		}
		return s.renderPrefixes(c, statusFor(err), templates.PrefixesPage{FormPattern: pattern, FormOwner: owner, Error: msg, ErrorField: field})
	}
	if err != nil {
		return err
	}
	if len(r.Others) > 0 { // shown on the page, not in a redirect: the list may be long
		return s.renderPrefixes(c, http.StatusOK, templates.PrefixesPage{Others: r.Others, OthersPrefix: r.Prefix.Pattern})
	}
	return s.redirectWithFlash(c, "/admin/prefixes", "ok", "Reserved "+r.Prefix.Pattern+" for "+r.Prefix.OwnerName+".")
}

func (s *Server) releasePrefix(c echo.Context) error {
	pattern := strings.TrimSpace(c.FormValue("pattern"))
	if err := s.reg.ReleasePrefixAs(c.Request().Context(), currentUser(c), pattern); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/prefixes", "ok", "Released "+pattern+".")
}
