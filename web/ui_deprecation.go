package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// The manage page's deprecation and advisory forms. Each use case checks
// the signed-in user's rights to the package (as for unlisting).

// deprecateForm deprecates the chosen versions, or undeprecates them
// when no reason is ticked (the version row's Undeprecate button).
func (s *Server) deprecateForm(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	reasons := form["reason"]
	for _, r := range reasons {
		if r != registry.ReasonLegacy && r != registry.ReasonCriticalBugs && r != registry.ReasonOther {
			return s.renderManage(c, http.StatusBadRequest, "'"+registry.EscapeText(r)+"' is not a deprecation reason: choose legacy, critical bugs or other.")
		}
	}
	d := registry.Deprecation{
		Legacy: slices.Contains(reasons, registry.ReasonLegacy), CriticalBugs: slices.Contains(reasons, registry.ReasonCriticalBugs),
		Other: slices.Contains(reasons, registry.ReasonOther), Message: strings.TrimSpace(form.Get("message")),
		AlternateID: strings.TrimSpace(form.Get("alternateId")), AlternateVersion: strings.TrimSpace(form.Get("alternateVersion")),
	}
	id, versions := c.Param("id"), form["version"]
	err = s.reg.DeprecateAs(c.Request().Context(), currentUser(c), id, versions, d)
	if msg := registry.Message(err); msg != "" && (errors.Is(err, registry.ErrInvalid) || errors.Is(err, registry.ErrNotFound) && len(versions) > 0) {
		if _, perr := s.reg.Package(c.Request().Context(), id); perr == nil {
			return s.renderManage(c, statusFor(err), msg)
		}
	}
	if err != nil {
		return err
	}
	msg := id + " " + strings.Join(versions, ", ") + " is deprecated: clients warn everyone who uses it."
	if !d.Deprecated() {
		msg = id + " " + strings.Join(versions, ", ") + " is no longer deprecated."
	}
	return s.redirectWithFlash(c, "/packages/"+url.PathEscape(id)+"/manage", "ok", msg)
}

// publishAdvisoryForm publishes an advisory for the package.
func (s *Server) publishAdvisoryForm(c echo.Context) error {
	id := c.Param("id")
	in := registry.AdvisoryInput{
		AdvisoryID: c.FormValue("advisory"), Severity: c.FormValue("severity"), URL: c.FormValue("url"),
		Versions: c.FormValue("versions"),
	}
	err := s.reg.PublishAdvisoryAs(c.Request().Context(), currentUser(c), id, in)
	if msg := registry.Message(err); msg != "" && errors.Is(err, registry.ErrInvalid) {
		return s.renderManage(c, http.StatusBadRequest, msg)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/packages/"+url.PathEscape(id)+"/manage", "ok",
		"Advisory "+strings.TrimSpace(in.AdvisoryID)+" is published for "+id+": restores that audit packages now report it.")
}

// removeAdvisoryForm removes one of the package's advisories.
func (s *Server) removeAdvisoryForm(c echo.Context) error {
	id, adv := c.Param("id"), c.Param("advisory")
	if err := s.reg.RemoveAdvisoryAs(c.Request().Context(), currentUser(c), id, adv); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/packages/"+url.PathEscape(id)+"/manage", "ok", "Advisory "+adv+" no longer applies to "+id+".")
}

// deprecationReasons is the reasons of a deprecation as one phrase, ""
// when there is none.
func deprecationReasons(d *nuget.Deprecation) string {
	if d == nil {
		return ""
	}
	return strings.Join(d.Reasons, ", ")
}
