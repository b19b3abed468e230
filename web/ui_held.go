package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The provenance guard and trusted-publishing-only switches in the UI:
// held versions with release and reject on a package's manage page, the
// package's switch there, and the owners' switches on their own page.

// manageHeld fills the manage page's held versions and switch.
func (s *Server) manageHeld(ctx context.Context, u *registry.Account, p *registry.Package, canOwners bool, v *templates.ManagePackagePage) error {
	held, err := s.reg.HeldOf(ctx, u, p)
	if err != nil {
		return err
	}
	base := "/packages/" + url.PathEscape(p.Name) + "/manage"
	v.CanReview = canOwners || u != nil && u.IsAdmin
	for _, h := range held {
		row := templates.HeldRow{Version: h.Version.String(), PushedBy: h.PushedByName, HeldAt: h.HeldAt.UTC().Format("2006-01-02 15:04 UTC"),
			Publisher: heldPublisher(&h), EstablishedVersion: h.EstablishedVersion,
			DownloadURL: base + "/held/" + url.PathEscape(h.Version.Lower()) + "/download",
			ReleaseURL:  base + "/held/" + url.PathEscape(h.Version.Lower()) + "/release",
			RejectURL:   base + "/held/" + url.PathEscape(h.Version.Lower()) + "/reject"}
		if row.PushedBy == "" {
			row.PushedBy = "a removed user"
		}
		for _, c := range h.Changes {
			row.Changes = append(row.Changes, templates.HeldChange{What: c.What, Was: c.Was, Now: c.Now})
		}
		v.Held = append(v.Held, row)
	}
	t, err := s.reg.RequireTrustedOf(ctx, p)
	if err != nil {
		return err
	}
	v.TrustedOnly = templates.TrustedOnlyView{On: t.Package, Owners: strings.Join(t.Owners, ", "), ActionURL: base + "/trusted-only", CanChange: canOwners}
	return nil
}

// heldPublisher says how a held version was pushed.
func heldPublisher(h *registry.HeldVersion) string {
	if h.Provenance == nil {
		return "the long-lived API key " + h.KeyHint + "…"
	}
	s := "trusted publishing from " + h.Provenance.Repository
	if h.Provenance.PolicyName != "" {
		s += " (policy " + h.Provenance.PolicyName + ")"
	}
	return s
}

func (s *Server) releaseHeldForm(c echo.Context) error {
	id := c.Param("id")
	v, err := s.reg.ReleaseHeldAs(c.Request().Context(), currentUser(c), id, c.Param("version"))
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.urls.ManagePackage(id), "ok", id+" "+v.Version.String()+" is released: it is in the feed now.")
}

func (s *Server) rejectHeldForm(c echo.Context) error {
	id, version := c.Param("id"), c.Param("version")
	if err := s.reg.RejectHeldAs(c.Request().Context(), currentUser(c), id, version); err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.urls.ManagePackage(id), "ok", id+" "+version+" is rejected: its files are deleted and the version number is free.")
}

func (s *Server) setTrustedOnlyForm(c echo.Context) error {
	id, on := c.Param("id"), c.FormValue("on") != ""
	if err := s.reg.SetPackageRequireTrustedAs(c.Request().Context(), currentUser(c), id, on); err != nil {
		return err
	}
	msg := id + " accepts pushes with long-lived API keys again (unless an owner requires trusted publishing for all its packages)."
	if on {
		msg = id + " accepts new versions only through trusted publishing now."
	}
	return s.redirectWithFlash(c, s.urls.ManagePackage(id), "ok", msg)
}

func (s *Server) trustedOnlyPage(c echo.Context) error {
	settings, err := s.reg.TrustedOnlySettingsOf(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	v := templates.TrustedOnlyPage{Page: s.page(c, "Trusted publishing only", "policies")}
	for _, o := range settings {
		v.Owners = append(v.Owners, templates.OwnerSwitch{Name: o.Name, On: o.On})
	}
	return s.render(c, http.StatusOK, templates.TrustedOnly(v))
}

func (s *Server) setOwnerTrustedOnly(c echo.Context) error {
	owner, on := c.FormValue("owner"), c.FormValue("on") != ""
	if err := s.reg.SetOwnerRequireTrustedAs(c.Request().Context(), currentUser(c), owner, on); err != nil {
		return err
	}
	msg := "Packages of " + owner + " accept pushes with long-lived API keys again (unless a package requires trusted publishing itself)."
	if on {
		msg = "Every package of " + owner + " accepts new versions only through trusted publishing now."
	}
	return s.redirectWithFlash(c, "/account/trusted-publishing-only", "ok", msg)
}

// downloadHeld sends a held version's .nupkg to someone who may see it,
// never to a shared cache.
func (s *Server) downloadHeld(c echo.Context) error {
	blob, h, err := s.reg.OpenHeld(c.Request().Context(), currentUser(c), c.Param("id"), c.Param("version"))
	if err != nil {
		return err
	}
	defer blob.Close()
	name := strings.ToLower(h.Name) + "." + h.Version.Lower() + ".nupkg"
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "application/octet-stream")
	hd.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	hd.Set("Cache-Control", "private, no-store")
	http.ServeContent(fileWriter{c.Response()}, c.Request(), "", blob.Info().ModTime, blob)
	return nil
}
