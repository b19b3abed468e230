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
	"github.com/wharf-registry/wharf/internal/retention"
	"github.com/wharf-registry/wharf/templates"
)

// The retention page of a feed, for its admins (and the registry's): its
// rules with add and remove, the plan (exactly what a run would do now),
// and "run now", which posts the plan's digest so the run applies that
// plan or nothing. Every use case checks the role (anyone else finds no
// feed), and a pin button on a package's manage page (setPinnedForm).

func (s *Server) retentionPage(c echo.Context) error {
	return s.renderRetention(c, http.StatusOK, templates.RetentionPage{})
}

func (s *Server) renderRetention(c echo.Context, status int, v templates.RetentionPage) error {
	ctx, u, feed := c.Request().Context(), currentUser(c), c.Param("feed")
	plan, err := s.reg.RetentionPlanAs(ctx, u, feed)
	if err != nil {
		return err
	}
	base := s.urls.FeedRetention(feed)
	v.Page = s.page(c, "Retention of "+feed, "feeds")
	v.Feed, v.FeedURL, v.AddAction, v.RunAction = feed, s.urls.ManageFeed(feed), base+"/rules", base+"/run"
	if v.Error != "" {
		v.Problem = problem(v.Error, retentionInputID(v.ErrorField))
	}
	for _, r := range plan.Rules {
		v.Rules = append(v.Rules, templates.RetentionRuleRow{ID: r.ID, Glob: r.Glob, What: r.Describe(), AddedBy: r.CreatedBy,
			RemoveURL: base + "/rules/" + strconv.FormatInt(r.ID, 10) + "/remove"})
	}
	row := func(st retention.Step) templates.RetentionStepRow {
		return templates.RetentionStepRow{Action: string(st.Action), Package: st.Package, Version: st.Version, Why: st.Why,
			PackageURL: "/packages/" + url.PathEscape(st.Package) + "/" + url.PathEscape(st.Version)}
	}
	for _, st := range plan.Steps {
		v.Steps = append(v.Steps, row(st))
	}
	for _, st := range plan.Kept {
		v.Kept = append(v.Kept, row(st))
	}
	v.PlanAt, v.Digest = plan.At.Format("2006-01-02 15:04 UTC"), plan.Digest
	return s.render(c, status, templates.Retention(v))
}

// retentionInputID is the add form's input a field error is about.
func retentionInputID(field string) string {
	switch field {
	case "keep", "older-than", "idle", "action", "glob":
		return "retention-" + field
	}
	return "retention-kind"
}

func (s *Server) addRetentionRule(c echo.Context) error {
	form := templates.RetentionPage{FormKind: c.FormValue("kind"), FormGlob: strings.TrimSpace(c.FormValue("glob")), FormAction: c.FormValue("action"),
		FormKeep: strings.TrimSpace(c.FormValue("keep")), FormOlder: strings.TrimSpace(c.FormValue("older_than_days")), FormIdle: strings.TrimSpace(c.FormValue("idle_days"))}
	r := retention.Rule{Kind: retention.Kind(form.FormKind), Glob: form.FormGlob, Action: retention.Action(form.FormAction)}
	number := func(value, field, what string, to *int) bool {
		n, err := strconv.Atoi(value)
		if err != nil {
			form.Error, form.ErrorField = "Give the "+what+" as a whole number.", field
			return false
		}
		*to = n
		return true
	}
	ok := true
	switch r.Kind {
	case retention.KindPrereleases:
		ok = number(form.FormKeep, "keep", "number of prereleases kept", &r.Keep)
	case retention.KindIdle:
		ok = number(form.FormOlder, "older-than", "age in days", &r.OlderThanDays) && number(form.FormIdle, "idle", "days without downloads", &r.IdleDays)
	}
	if !ok {
		return s.renderRetention(c, http.StatusBadRequest, form)
	}
	added, err := s.reg.AddRetentionRuleAs(c.Request().Context(), currentUser(c), c.Param("feed"), r)
	if msg := registry.Message(err); msg != "" && !errors.Is(err, registry.ErrNotFound) {
		form.Error, form.ErrorField = msg, registry.Field(err)
		return s.renderRetention(c, statusFor(err), form)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.urls.FeedRetention(c.Param("feed")), "ok", fmt.Sprintf("Added rule %d. The plan below shows what it would remove now.", added.ID))
}

func (s *Server) removeRetentionRule(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("rule"), 10, 64)
	if err != nil {
		return &registry.Error{Kind: registry.ErrNotFound, Message: "There is no retention rule '" + c.Param("rule") + "' here."}
	}
	if err := s.reg.RemoveRetentionRuleAs(c.Request().Context(), currentUser(c), c.Param("feed"), id); err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.urls.FeedRetention(c.Param("feed")), "ok", fmt.Sprintf("Removed rule %d.", id))
}

func (s *Server) runRetention(c echo.Context) error {
	digest := c.FormValue("plan")
	if digest == "" {
		return s.renderRetention(c, http.StatusBadRequest, templates.RetentionPage{RunError: "Review the plan, then run it with the button below it: a run applies exactly the plan shown."})
	}
	rep, err := s.reg.RunRetentionAs(c.Request().Context(), currentUser(c), c.Param("feed"), digest)
	if msg := registry.Message(err); msg != "" && !errors.Is(err, registry.ErrNotFound) {
		return s.renderRetention(c, statusFor(err), templates.RetentionPage{RunError: msg})
	}
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("Applied %d of %d planned steps.", len(rep.Applied), len(rep.Plan.Steps))
	for _, sk := range rep.Skipped {
		msg += " Skipped " + sk.Step.Package + " " + sk.Step.Version + ": " + sk.Reason + "."
	}
	return s.redirectWithFlash(c, s.urls.FeedRetention(c.Param("feed")), "ok", msg)
}

func (s *Server) setPinnedForm(c echo.Context) error {
	pin := c.FormValue("pinned") == "true"
	id := c.Param("id")
	pv, err := s.reg.PinVersionAs(c.Request().Context(), currentUser(c), id, c.Param("version"), pin)
	if err != nil {
		return err
	}
	msg := id + " " + pv.Version.String() + " is pinned: retention rules never delete or unlist it."
	if !pin {
		msg = id + " " + pv.Version.String() + " is unpinned: the feed's retention rules apply to it again."
	}
	return s.redirectWithFlash(c, s.urls.ManagePackage(id), "ok", msg)
}
