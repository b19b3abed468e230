package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The pages where owners manage their packages: the list of their
// packages, and per package, unlist/relist and owners.

func (s *Server) myPackagesPage(c echo.Context) error {
	ps, err := s.reg.PackagesOf(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	v := templates.MyPackagesPage{Page: s.page(c, "My packages", "mypackages")}
	invs, err := s.reg.InvitationsOf(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	for _, inv := range invs {
		base := "/account/invitations/" + url.PathEscape(inv.Package)
		v.Invitations = append(v.Invitations, templates.InvitationRow{
			Package: inv.Package, Account: inv.Account, RequestedBy: inv.RequestedBy, Since: day(inv.CreatedAt),
			AcceptURL: base + "/accept", DeclineURL: base + "/decline",
		})
	}
	for _, p := range ps {
		row := templates.MyPackageRow{ID: p.Name, Owners: ownerList(p), Downloads: p.TotalDownloads,
			PageURL: "/packages/" + url.PathEscape(p.Name), ManageURL: "/packages/" + url.PathEscape(p.Name) + "/manage"}
		if l := p.Latest(registry.VersionFilter{IncludePrerelease: true, IncludeSemVer2: true, IncludeUnlisted: true}); l != nil {
			row.Latest = l.Version.String()
		}
		v.Packages = append(v.Packages, row)
	}
	return s.render(c, http.StatusOK, templates.MyPackages(v))
}

func ownerList(p *registry.Package) string {
	names := make([]string, len(p.Owners))
	for i, o := range p.Owners {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}

func (s *Server) managePackagePage(c echo.Context) error {
	return s.renderManage(c, http.StatusOK, "")
}

func (s *Server) renderManage(c echo.Context, status int, msg string) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	p, err := s.reg.Package(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	can, canOwners, err := s.reg.PackageRights(ctx, u, p)
	if err != nil {
		return err
	}
	canDelete, err := s.reg.CanDelete(ctx, u, p)
	if err != nil {
		return err
	}
	if !can && !canDelete {
		return &registry.Error{Kind: registry.ErrForbidden, Message: "You do not own " + p.Name + " and do not belong to an organisation that does."}
	}
	base := "/packages/" + url.PathEscape(p.Name) + "/manage"
	v := templates.ManagePackagePage{
		Page: s.page(c, "Manage "+p.Name, "mypackages"), ID: p.Name, PageURL: "/packages/" + url.PathEscape(p.Name),
		CanOwners: canOwners, CanVersions: can, OwnersAction: base + "/owners", Error: msg,
		DeprecateURL: base + "/deprecation", AdvisoryURL: base + "/advisories",
	}
	for _, a := range p.Advisories {
		if a.Source != registry.SourceLocal {
			continue
		}
		for _, f := range a.Affected {
			v.Advisories = append(v.Advisories, templates.ManageAdvisoryRow{ID: a.AdvisoryID, Severity: a.Severity.String(), URL: a.URL,
				Versions: f.Versions, RemoveURL: base + "/advisories/" + url.PathEscape(a.AdvisoryID) + "/remove"})
		}
	}
	if msg != "" && canOwners {
		v.Problem = problem(msg, "owner-name")
	}
	for i := len(p.Versions) - 1; i >= 0; i-- {
		pv := &p.Versions[i]
		row := templates.ManageVersionRow{
			Version: pv.Version.String(), Listed: pv.Listed, Published: day(pv.Published), Downloads: pv.Downloads,
			ActionURL:  base + "/versions/" + url.PathEscape(pv.Version.Lower()) + "/listed",
			Deprecated: deprecationReasons(pv.Deprecation), UndeprecateURL: base + "/deprecation",
			PinnedBy: pv.PinnedBy, PinURL: base + "/versions/" + url.PathEscape(pv.Version.Lower()) + "/pin",
		}
		if canDelete {
			row.DeleteURL = deleteVersionURL(p.Name, pv.Version.Lower())
		}
		v.Versions = append(v.Versions, row)
	}
	if can || canDelete {
		if err := s.manageHeld(ctx, u, p, canOwners, &v); err != nil {
			return err
		}
	}
	for _, o := range p.Owners {
		v.Owners = append(v.Owners, templates.ManageOwnerRow{Name: o.Name, Kind: string(o.Kind), RemoveURL: base + "/owners/" + url.PathEscape(o.Name) + "/remove"})
	}
	if canOwners {
		invs, err := s.reg.InvitationsTo(ctx, u, p.Name)
		if err != nil {
			return err
		}
		for _, inv := range invs {
			v.Invitations = append(v.Invitations, templates.InvitationRow{
				Package: inv.Package, Account: inv.Account, RequestedBy: inv.RequestedBy, Since: day(inv.CreatedAt),
				CancelURL: base + "/invitations/" + url.PathEscape(inv.Account) + "/cancel",
			})
		}
	}
	return s.render(c, status, templates.ManagePackage(v))
}

func (s *Server) setListedForm(c echo.Context) error {
	listed := c.FormValue("listed") == "true"
	id, version := c.Param("id"), c.Param("version")
	if err := s.reg.SetListedAs(c.Request().Context(), currentUser(c), id, version, listed); err != nil {
		return err
	}
	msg := id + " " + version + " is unlisted: it stays restorable but leaves search."
	if listed {
		msg = id + " " + version + " is listed again."
	}
	return s.redirectWithFlash(c, "/packages/"+url.PathEscape(id)+"/manage", "ok", msg)
}

func (s *Server) addOwner(c echo.Context) error {
	account := strings.TrimSpace(c.FormValue("account"))
	invited, err := s.reg.AddOwnerAs(c.Request().Context(), currentUser(c), c.Param("id"), account)
	if msg := registry.Message(err); msg != "" && !errors.Is(err, registry.ErrForbidden) {
		return s.renderManage(c, statusFor(err), msg)
	}
	if err != nil {
		return err
	}
	msg := account + " now owns " + c.Param("id") + "."
	if invited {
		msg = account + " is invited to own " + c.Param("id") + " and becomes an owner on accepting, from their My packages page."
	}
	return s.redirectWithFlash(c, "/packages/"+url.PathEscape(c.Param("id"))+"/manage", "ok", msg)
}

func (s *Server) removeOwner(c echo.Context) error {
	account := c.Param("account")
	if err := s.reg.RemoveOwnerAs(c.Request().Context(), currentUser(c), c.Param("id"), account); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/packages/"+url.PathEscape(c.Param("id"))+"/manage", "ok", account+" no longer owns "+c.Param("id")+".")
}

func (s *Server) acceptInvitation(c echo.Context) error  { return s.answerInvitation(c, true) }
func (s *Server) declineInvitation(c echo.Context) error { return s.answerInvitation(c, false) }

func (s *Server) answerInvitation(c echo.Context, accept bool) error {
	id := c.Param("id")
	if err := s.reg.AnswerInvitation(c.Request().Context(), currentUser(c), id, accept); err != nil {
		return err
	}
	msg := "You declined to own " + id + "."
	if accept {
		msg = "You now own " + id + "."
	}
	return s.redirectWithFlash(c, "/account/packages", "ok", msg)
}

func (s *Server) cancelInvitation(c echo.Context) error {
	id, account := c.Param("id"), c.Param("account")
	if err := s.reg.CancelInvitationAs(c.Request().Context(), currentUser(c), id, account); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/packages/"+url.PathEscape(id)+"/manage", "ok", "The invitation for "+account+" to own "+id+" was withdrawn.")
}
