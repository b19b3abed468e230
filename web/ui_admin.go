package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The administrators' pages: users (with their lifecycle actions) and
// the audit log.

func (s *Server) usersPage(c echo.Context) error {
	me := currentUser(c)
	us, err := s.reg.Users(c.Request().Context(), me)
	if err != nil {
		return err
	}
	v := templates.UsersPage{Page: s.page(c, "Users", "admin")}
	for _, u := range us {
		base := "/admin/users/" + url.PathEscape(u.Name)
		row := templates.UserRow{Name: u.Name, Email: u.Email, IsAdmin: u.IsAdmin, Created: day(u.CreatedAt), Status: "active", Self: u.ID == me.ID,
			DisableURL: base + "/disable", EnableURL: base + "/enable", AdminURL: base + "/admin", RemoveURL: base + "/remove"}
		switch {
		case u.SuspendedReason != "":
			row.Status, row.Why = "suspended", registry.EscapeText(u.SuspendedReason)
		case u.DisabledAt != nil:
			row.Status, row.Why = "disabled", "by an administrator on "+day(*u.DisabledAt)
		}
		v.Users = append(v.Users, row)
	}
	return s.render(c, http.StatusOK, templates.Users(v))
}

func (s *Server) disableUser(c echo.Context) error {
	u, err := s.reg.DisableUserAs(c.Request().Context(), currentUser(c), c.Param("name"))
	if err != nil {
		return s.userActionFailed(c, err)
	}
	return s.redirectWithFlash(c, "/admin/users", "ok", "Disabled "+u.Name+": their sessions ended and their keys are refused.")
}

func (s *Server) enableUser(c echo.Context) error {
	u, err := s.reg.EnableUserAs(c.Request().Context(), currentUser(c), c.Param("name"))
	if err != nil {
		return s.userActionFailed(c, err)
	}
	return s.redirectWithFlash(c, "/admin/users", "ok", "Enabled "+u.Name+".")
}

func (s *Server) setUserAdmin(c echo.Context) error {
	admin := c.FormValue("admin") == "true"
	u, err := s.reg.SetAdminAs(c.Request().Context(), currentUser(c), c.Param("name"), admin)
	if err != nil {
		return s.userActionFailed(c, err)
	}
	msg := u.Name + " is an administrator."
	if !u.IsAdmin {
		msg = u.Name + " is not an administrator any more."
	}
	return s.redirectWithFlash(c, "/admin/users", "ok", msg)
}

// userActionFailed shows a refusal (a sentence) on the users page;
// anything else is an error page.
func (s *Server) userActionFailed(c echo.Context, err error) error {
	if msg := userMessage(err); msg != "" && !errors.Is(err, registry.ErrForbidden) {
		return s.redirectWithFlash(c, "/admin/users", "error", msg)
	}
	return err
}

func (s *Server) removeUserPage(c echo.Context) error {
	return s.renderRemoveUser(c, http.StatusOK, templates.RemoveUserPage{})
}

func (s *Server) renderRemoveUser(c echo.Context, status int, v templates.RemoveUserPage) error {
	u, r, err := s.reg.PreviewRemovalAs(c.Request().Context(), currentUser(c), c.Param("name"))
	if err != nil {
		return err
	}
	v.Page = s.page(c, "Remove "+u.Name, "admin")
	v.Name, v.Action = u.Name, "/admin/users/"+url.PathEscape(u.Name)+"/remove"
	v.Packages, v.Orgs, v.Feeds, v.Prefixes, v.Policies, v.NeedsHeir = r.Packages, r.Orgs, r.Feeds, r.Prefixes, r.Policies, r.Blocked()
	return s.render(c, status, templates.RemoveUser(v))
}

func (s *Server) removeUser(c echo.Context) error {
	heir := strings.TrimSpace(c.FormValue("transfer_to"))
	allow := c.FormValue("allow_signup") == "yes"
	_, err := s.reg.RemoveUserAs(c.Request().Context(), currentUser(c), c.Param("name"), heir, !allow)
	if msg := userMessage(err); msg != "" && (errors.Is(err, registry.ErrConflict) || errors.Is(err, registry.ErrInvalid) || errors.Is(err, registry.ErrNotFound) && heir != "") {
		return s.renderRemoveUser(c, statusFor(err), templates.RemoveUserPage{TransferTo: heir, AllowSignUp: allow, Error: msg})
	}
	if err != nil {
		return err
	}
	msg := "Removed " + c.Param("name") + "."
	if heir != "" {
		msg = "Removed " + c.Param("name") + "; what only they held now belongs to " + heir + "."
	}
	return s.redirectWithFlash(c, "/admin/users", "ok", msg)
}

// auditPageSize is how many events one page of the audit log shows.
const auditPageSize = 100

func (s *Server) auditPage(c echo.Context) error { return s.auditLog(c, false) }

// ownersAuditPage is the audit log of the signed-in user's trust policies
// (every event for an administrator).
func (s *Server) ownersAuditPage(c echo.Context) error { return s.auditLog(c, true) }

// auditLog renders the audit log: the administrators' page, or the
// policy owners' (owners).
func (s *Server) auditLog(c echo.Context, owners bool) error {
	f := templates.AuditFilters{Event: c.QueryParam("event"), Outcome: c.QueryParam("outcome"), Actor: c.QueryParam("actor"),
		Package: c.QueryParam("package"), Policy: c.QueryParam("policy"), From: c.QueryParam("from"), To: c.QueryParam("to")}
	before, _ := strconv.ParseInt(c.QueryParam("before"), 10, 64)
	q := registry.AuditQuery{Event: f.Event, Outcome: f.Outcome, Actor: f.Actor, Package: f.Package, Policy: f.Policy, From: f.From, To: f.To,
		Before: max(before, 0), Limit: auditPageSize}
	v := templates.AuditPage{Page: s.page(c, "Audit log", "admin"), Filters: f, Action: "/admin/audit"}
	search := s.reg.AuditSearchAs
	if owners {
		v = templates.AuditPage{Page: s.page(c, "Trusted publishing log", "policies"), Filters: f, Action: "/account/audit", Owners: true}
		search = s.reg.AuditSearchFor
	}
	es, next, err := search(c.Request().Context(), currentUser(c), q)
	status := http.StatusOK
	if msg := userMessage(err); msg != "" && !errors.Is(err, registry.ErrForbidden) {
		v.Error, status = msg, statusFor(err)
	} else if err != nil {
		return err
	}
	for _, e := range es {
		// Messages may quote a token's claims: controls show escaped.
		esc := registry.EscapeText
		row := templates.AuditRow{ID: strconv.FormatInt(e.ID, 10), At: e.At.UTC().Format("2006-01-02 15:04:05"), Kind: esc(e.Kind), Outcome: esc(e.Outcome),
			Actor: esc(e.ActorName), Subject: esc(e.Subject), Message: esc(e.Message), Remote: esc(e.RemoteAddr), Refused: e.Outcome == "rejected",
			Closest: esc(e.Closest.Summary())}
		if row.Actor == "" && e.ActorID != 0 {
			row.Actor = fmt.Sprintf("#%d (removed)", e.ActorID)
		}
		if e.PolicyID != 0 {
			row.Policy = "#" + strconv.FormatInt(e.PolicyID, 10)
		}
		v.Events = append(v.Events, row)
	}
	page := func(before int64) string {
		vals := url.Values{}
		for k, val := range map[string]string{"event": f.Event, "outcome": f.Outcome, "actor": f.Actor, "package": f.Package, "policy": f.Policy, "from": f.From, "to": f.To} {
			if val != "" {
				vals.Set(k, val)
			}
		}
		if before > 0 {
			vals.Set("before", strconv.FormatInt(before, 10))
		}
		if len(vals) == 0 {
			return v.Action
		}
		return v.Action + "?" + vals.Encode()
	}
	if next != 0 {
		v.NextURL = page(next)
	}
	if q.Before > 0 {
		v.FirstURL = page(0)
	}
	return s.render(c, status, templates.Audit(v))
}
