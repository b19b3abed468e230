package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The feeds pages: the feeds the viewer may read, and for a feed's admins
// (and the registry's) its settings and grants. The registry's *As use
// cases check the viewer's role on the feed; a feed the viewer does not
// administer is absent. A refused form re-renders the management page
// with the sentence beside the form, which itself answers 404 to anyone
// who does not administer the feed, so no sentence leaks to them.

// maxFeedDescription is the longest description the feeds service takes.
const maxFeedDescription = 500

func (s *Server) feedsPage(c echo.Context) error {
	return s.renderFeeds(c, http.StatusOK, templates.FeedsPage{})
}

func (s *Server) renderFeeds(c echo.Context, status int, v templates.FeedsPage) error {
	u := currentUser(c)
	list, err := s.reg.FeedsOf(c.Request().Context(), u)
	if err != nil {
		return err
	}
	v.Page, v.Action = s.page(c, "Feeds", "feeds"), s.urls.FeedsPage()
	if v.Error != "" {
		v.Problem = problem(v.Error, map[bool]string{true: "feed-description", false: "feed-name"}[v.ErrorField == "description"])
	}
	v.CanCreate = u != nil && u.IsAdmin
	for _, f := range list {
		row := templates.FeedRow{
			Name: f.Name, Description: f.Description, Visibility: s.visibility(f.Private),
			Role: f.Role.String(), SourceURL: s.urls.FeedIndex(f.Name),
		}
		if u != nil && f.Role >= feeds.RoleAdmin {
			row.ManageURL = s.urls.ManageFeed(f.Name)
		}
		v.Feeds = append(v.Feeds, row)
	}
	return s.render(c, status, templates.Feeds(v))
}

// visibility is how a feed's visibility reads: every feed is private in
// a private registry.
func (s *Server) visibility(private bool) string {
	if private || s.private {
		return "private"
	}
	return "public"
}

func (s *Server) createFeed(c echo.Context) error {
	name, desc := strings.TrimSpace(c.FormValue("name")), strings.TrimSpace(c.FormValue("description"))
	private := c.FormValue("private") == "true"
	f, err := s.reg.AddFeedAs(c.Request().Context(), currentUser(c), name, desc, private)
	if msg := userMessage(err); msg != "" && !errors.Is(err, registry.ErrForbidden) {
		field := "name"
		if len(desc) > maxFeedDescription { // the one rule about the description
			field = "description"
		}
		return s.renderFeeds(c, statusFor(err), templates.FeedsPage{FormName: name, FormDescription: desc, FormPrivate: private, Error: msg, ErrorField: field})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.urls.ManageFeed(f.Name), "ok", "Created feed "+f.Name+" ("+s.visibility(f.Private)+"). Grant roles below.")
}

func (s *Server) feedPage(c echo.Context) error {
	return s.renderFeed(c, http.StatusOK, templates.FeedPage{})
}

func (s *Server) renderFeed(c echo.Context, status int, v templates.FeedPage) error {
	f, grants, err := s.reg.ManagedFeed(c.Request().Context(), currentUser(c), c.Param("feed"))
	if err != nil {
		return err
	}
	base := s.urls.ManageFeed(f.Name)
	v.Page = s.page(c, "Feed "+f.Name, "feeds")
	switch {
	case v.SettingsError != "":
		v.Problem = problem(v.SettingsError, "feed-description")
	case v.GrantError != "":
		v.Problem = problem(v.GrantError, map[bool]string{true: "grant-role", false: "grant-subject"}[v.GrantField == "role"])
	}
	v.Name, v.SourceURL, v.RegistryPrivate = f.Name, s.urls.FeedIndex(f.Name), s.private
	if v.SettingsError == "" {
		v.Private, v.Description = f.Private, f.Description
	}
	v.SettingsAction, v.GrantAction, v.RevokeAction = base, base+"/grants", base+"/grants/revoke"
	if f.Upstream == nil {
		v.RetentionURL = s.urls.FeedRetention(f.Name)
	}
	for _, g := range grants {
		name := g.SubjectName
		if g.Kind == feeds.SubjectSignedIn {
			name = "every signed-in user"
		}
		v.Grants = append(v.Grants, templates.GrantRow{Kind: string(g.Kind), Subject: name, Role: g.Role.String()})
	}
	return s.render(c, status, templates.Feed(v))
}

func (s *Server) updateFeed(c echo.Context) error {
	visibility, desc := c.FormValue("visibility"), strings.TrimSpace(c.FormValue("description"))
	if visibility != "public" && visibility != "private" {
		return s.renderFeed(c, http.StatusBadRequest, templates.FeedPage{SettingsError: "Choose the feed's visibility: public or private.", Description: desc})
	}
	err := s.reg.SetFeedAs(c.Request().Context(), currentUser(c), c.Param("feed"), visibility == "private", desc)
	if msg := userMessage(err); msg != "" {
		return s.renderFeed(c, statusFor(err), templates.FeedPage{SettingsError: msg, Private: visibility == "private", Description: desc})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, s.urls.ManageFeed(c.Param("feed")), "ok", "Feed "+c.Param("feed")+" is now "+visibility+".")
}

func (s *Server) grantFeed(c echo.Context) error {
	kind, subject, roleText := c.FormValue("kind"), strings.TrimSpace(c.FormValue("subject")), c.FormValue("role")
	form := templates.FeedPage{FormKind: kind, FormSubject: subject, FormRole: roleText}
	form.GrantField = "subject"
	role, err := feeds.ParseRole(roleText)
	if err != nil {
		form.GrantField = "role"
	} else {
		err = s.reg.GrantFeedAs(c.Request().Context(), currentUser(c), c.Param("feed"), feeds.SubjectKind(kind), subject, role)
	}
	if msg := userMessage(err); msg != "" {
		form.GrantError = msg
		return s.renderFeed(c, statusFor(err), form)
	}
	if err != nil {
		return err
	}
	who := subject
	if kind == string(feeds.SubjectSignedIn) {
		who = "Every signed-in user"
	}
	return s.redirectWithFlash(c, s.urls.ManageFeed(c.Param("feed")), "ok", who+" is now "+role.String()+" of "+c.Param("feed")+".")
}

func (s *Server) revokeFeedGrant(c echo.Context) error {
	kind, subject := c.FormValue("kind"), c.FormValue("subject")
	if kind == string(feeds.SubjectSignedIn) {
		subject = ""
	}
	err := s.reg.GrantFeedAs(c.Request().Context(), currentUser(c), c.Param("feed"), feeds.SubjectKind(kind), subject, feeds.RoleNone)
	if msg := userMessage(err); msg != "" {
		return s.renderFeed(c, statusFor(err), templates.FeedPage{GrantError: msg})
	}
	if err != nil {
		return err
	}
	who := subject
	if who == "" {
		who = "every signed-in user"
	}
	return s.redirectWithFlash(c, s.urls.ManageFeed(c.Param("feed")), "ok", "Revoked the grant of "+who+" on "+c.Param("feed")+".")
}

// userMessage is the sentence of a registry or feeds error, or "".
func userMessage(err error) string {
	if msg := registry.Message(err); msg != "" {
		return msg
	}
	return feeds.Message(err)
}
