package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The administrators' pages: users and the audit log.

func (s *Server) usersPage(c echo.Context) error {
	us, err := s.reg.Users(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	v := templates.UsersPage{Page: s.page(c, "Users", "admin")}
	for _, u := range us {
		v.Users = append(v.Users, templates.UserRow{Name: u.Name, Email: u.Email, IsAdmin: u.IsAdmin, Created: day(u.CreatedAt)})
	}
	return s.render(c, http.StatusOK, templates.Users(v))
}

func (s *Server) auditPage(c echo.Context) error {
	es, err := s.reg.AuditLogAs(c.Request().Context(), currentUser(c), 500)
	if err != nil {
		return err
	}
	v := templates.AuditPage{Page: s.page(c, "Audit log", "admin")}
	for _, e := range es {
		// Messages may quote a token's claims: controls show escaped.
		esc := registry.EscapeText
		v.Events = append(v.Events, templates.AuditRow{At: e.At.UTC().Format("2006-01-02 15:04:05"), Kind: esc(e.Kind), Outcome: esc(e.Outcome),
			Subject: esc(e.Subject), Message: esc(e.Message), Remote: esc(e.RemoteAddr)})
	}
	return s.render(c, http.StatusOK, templates.Audit(v))
}
