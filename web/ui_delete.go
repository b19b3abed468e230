package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The pages that delete a version for good: a confirmation page that says
// the delete is final and asks for a reason, and its form. Only those the
// registry lets delete (administrators; owners where the feed allows it)
// see either.

// deleteVersionURL is the confirmation page of a delete for good.
func deleteVersionURL(id, lowerVersion string) string {
	return "/packages/" + url.PathEscape(id) + "/manage/versions/" + url.PathEscape(lowerVersion) + "/delete"
}

func (s *Server) deleteVersionPage(c echo.Context) error {
	ctx := c.Request().Context()
	p, pv, err := s.reg.Version(ctx, c.Param("id"), c.Param("version"))
	if err != nil {
		return err
	}
	ok, err := s.reg.CanDelete(ctx, currentUser(c), p)
	if err != nil {
		return err
	}
	if !ok {
		return &registry.Error{Kind: registry.ErrForbidden, Message: "You may not delete versions of " + p.Name + " for good; its owners may unlist a version instead."}
	}
	return s.renderDelete(c, http.StatusOK, p.Name, pv.Version.String(), "", "")
}

func (s *Server) renderDelete(c echo.Context, status int, id, version, reason, msg string) error {
	v := templates.DeleteVersionPage{
		Page: s.page(c, "Delete "+id+" "+version, "mypackages"), ID: id, Version: version,
		ManageURL: "/packages/" + url.PathEscape(id) + "/manage", Action: deleteVersionURL(id, version),
		Reason: reason, Error: msg,
	}
	if msg != "" {
		v.Problem = problem(msg, "delete-reason")
	}
	return s.render(c, status, templates.DeleteVersion(v))
}

func (s *Server) deleteVersionForm(c echo.Context) error {
	ctx := c.Request().Context()
	reason := c.FormValue("reason")
	t, err := s.reg.DeleteVersionAs(ctx, currentUser(c), c.Param("id"), c.Param("version"), reason)
	if errors.Is(err, registry.ErrInvalid) && registry.Field(err) == "reason" {
		if p, pv, verr := s.reg.Version(ctx, c.Param("id"), c.Param("version")); verr == nil {
			return s.renderDelete(c, statusFor(err), p.Name, pv.Version.String(), reason, registry.Message(err))
		}
	}
	if err != nil {
		return err
	}
	to := "/packages/" + url.PathEscape(t.Name) + "/manage"
	if _, err := s.reg.Package(ctx, t.Name); errors.Is(err, registry.ErrNotFound) {
		to = "/account/packages"
	}
	return s.redirectWithFlash(c, to, "ok", t.Name+" "+t.Version+" is deleted for good; it can never be pushed again.")
}
