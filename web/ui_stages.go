package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The staged releases pages: the groups of every account the user acts
// for, one group with its packages and source URL, and the forms that
// approve, promote and drop a group and set an owner's two-person rule.
// The registry checks who may do what, and the fresh sign-in.

// stagePageURL is a stage group's page.
func stagePageURL(id int64) string { return "/account/stages/" + strconv.FormatInt(id, 10) }

func stageParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("stage"), 10, 64)
	if err != nil {
		return 0, &registry.Error{Kind: registry.ErrNotFound, Message: "There is no such stage group."}
	}
	return id, nil
}

func (s *Server) stagesPage(c echo.Context) error {
	ctx := c.Request().Context()
	gs, err := s.reg.StagesOf(ctx, currentUser(c))
	if err != nil {
		return err
	}
	settings, err := s.reg.StageSettingsOf(ctx, currentUser(c))
	if err != nil {
		return err
	}
	v := templates.StagesPage{Page: s.page(c, "Staged releases", "stages")}
	for _, g := range gs {
		if g.Items == 0 && g.Ungrouped() {
			continue
		}
		v.Stages = append(v.Stages, templates.StageRow{Name: g.Name, Slug: g.Slug, Owner: g.OwnerName, Items: g.Items, URL: stagePageURL(g.ID)})
	}
	for _, o := range settings {
		v.Owners = append(v.Owners, templates.StageOwner{Name: o.Name, TwoPeople: o.TwoPeople})
	}
	return s.render(c, http.StatusOK, templates.Stages(v))
}

func (s *Server) stagePage(c echo.Context) error {
	return s.renderStage(c, http.StatusOK, nil)
}

// renderStage shows a group, with the refusal err when there is one.
func (s *Server) renderStage(c echo.Context, status int, refusal error) error {
	id, err := stageParam(c)
	if err != nil {
		return err
	}
	d, err := s.reg.StageDetailOf(c.Request().Context(), currentUser(c), id)
	if err != nil {
		return err
	}
	g := d.Group
	v := templates.StagePage{
		Page: s.page(c, g.Name, "stages"), Name: g.Name, Slug: g.Slug, Owner: g.OwnerName,
		SourceURL: s.urls.Stage(g.ID).ServiceIndex(), TwoPeople: d.TwoPeople, ApprovedBy: g.ApprovedByName, MayManage: d.MayManage,
		ApproveURL: stagePageURL(g.ID) + "/approve", PromoteURL: stagePageURL(g.ID) + "/promote", DropURL: stagePageURL(g.ID) + "/drop",
	}
	for _, p := range d.Packages {
		v.Packages = append(v.Packages, templates.StagedRow{ID: p.Name, Version: p.Version.String(), StagedBy: p.StagedByName, StagedAt: p.StagedAt.UTC().Format("2006-01-02 15:04 UTC")})
	}
	if refusal != nil {
		v.Error = registry.Message(refusal)
		if registry.Field(refusal) == registry.FieldFreshSignIn {
			v.SignInAgain = "/sign-in?next=" + url.QueryEscape(stagePageURL(g.ID))
		}
	}
	return s.render(c, status, templates.Stage(v))
}

// stageAction runs a form's use case; a refusal the user can act on is
// shown on the group's page.
func (s *Server) stageAction(c echo.Context, run func(id int64) (string, string, error)) error {
	id, err := stageParam(c)
	if err != nil {
		return err
	}
	to, msg, err := run(id)
	if errors.Is(err, registry.ErrForbidden) || errors.Is(err, registry.ErrConflict) || errors.Is(err, registry.ErrInvalid) {
		if _, derr := s.reg.StageDetailOf(c.Request().Context(), currentUser(c), id); derr == nil {
			return s.renderStage(c, statusFor(err), err)
		}
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, to, "ok", msg)
}

func (s *Server) approveStage(c echo.Context) error {
	return s.stageAction(c, func(id int64) (string, string, error) {
		g, err := s.reg.ApproveStage(c.Request().Context(), currentUser(c), id)
		if err != nil {
			return "", "", err
		}
		return stagePageURL(id), "You approved " + g.Name + "; someone else may promote it now.", nil
	})
}

func (s *Server) promoteStage(c echo.Context) error {
	return s.stageAction(c, func(id int64) (string, string, error) {
		p, err := s.reg.PromoteStage(c.Request().Context(), currentUser(c), id)
		if err != nil {
			return "", "", err
		}
		return "/account/stages", p.Group.Name + " is promoted: " + strconv.Itoa(len(p.Promoted)) + " version(s) are in the feed now.", nil
	})
}

func (s *Server) dropStage(c echo.Context) error {
	return s.stageAction(c, func(id int64) (string, string, error) {
		g, err := s.reg.DropStage(c.Request().Context(), currentUser(c), id)
		if err != nil {
			return "", "", err
		}
		return "/account/stages", g.Name + " is dropped with its files.", nil
	})
}

func (s *Server) setTwoPeople(c echo.Context) error {
	on := c.FormValue("on") != ""
	if err := s.reg.SetTwoPeople(c.Request().Context(), currentUser(c), c.FormValue("owner"), on); err != nil {
		return err
	}
	msg := "One person may promote " + c.FormValue("owner") + "'s staged releases."
	if on {
		msg = "Two people must promote " + c.FormValue("owner") + "'s staged releases now."
	}
	return s.redirectWithFlash(c, "/account/stages", "ok", msg)
}
