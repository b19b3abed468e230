package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The webhook pages (docs/webhooks.md): a user's own at /account/webhooks,
// an organisation's at /organizations/ORG/webhooks (its admins), a feed's
// at /account/feeds/FEED/webhooks (its admins). Each lists the webhooks
// and adds one (the secret shown once), and shows one webhook with its
// recent deliveries, a test button and a remove button.

// deliveriesShown is how many deliveries a webhook's page lists.
const deliveriesShown = 50

// webhookTarget is whose webhooks the path names, and their base path.
func webhookTarget(c echo.Context) (registry.WebhookTarget, string) {
	if f := c.Param("feed"); f != "" {
		return registry.WebhookTarget{Feed: f}, "/account/feeds/" + url.PathEscape(f) + "/webhooks"
	}
	if o := c.Param("org"); o != "" {
		return registry.WebhookTarget{Owner: o}, "/organizations/" + url.PathEscape(o) + "/webhooks"
	}
	return registry.WebhookTarget{Owner: currentUser(c).Name}, "/account/webhooks"
}

func webhookID(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("hook"), 10, 64)
	if err != nil || id <= 0 {
		return 0, echo.ErrNotFound
	}
	return id, nil
}

func (s *Server) webhooksPage(c echo.Context) error {
	return s.renderWebhooks(c, http.StatusOK, templates.WebhooksPage{})
}

func (s *Server) renderWebhooks(c echo.Context, status int, v templates.WebhooksPage) error {
	t, base := webhookTarget(c)
	scope, hooks, err := s.reg.WebhooksAs(c.Request().Context(), currentUser(c), t)
	if err != nil {
		return err
	}
	v.Page = s.page(c, "Webhooks of "+scopeLabel(scope), "webhooks")
	v.Heading, v.FormAction = "Webhooks of "+scopeLabel(scope), base
	v.Intro = "Wharf sends the events you choose about the packages and trust policies " + scope.Name + " owns to each URL below."
	if scope.FeedID != 0 {
		v.Intro = "Wharf sends the events you choose about the packages in this feed to each URL below."
	}
	if v.Error != "" {
		v.Problem = problem(v.Error, map[string]string{"url": "webhook-url", "events": "webhook-events"}[v.ErrorField])
	}
	chosen := map[string]bool{}
	for _, k := range v.Kinds {
		chosen[k.Name] = k.Checked
	}
	fresh := len(v.Kinds) == 0
	v.Kinds = nil
	for _, k := range events.Kinds {
		v.Kinds = append(v.Kinds, templates.WebhookKind{Name: string(k), Label: events.Describe(k), Checked: chosen[string(k)] || (fresh && k == events.Pushed)})
	}
	for _, h := range hooks {
		v.Hooks = append(v.Hooks, templates.WebhookRow{ID: h.ID, URL: h.URL, Events: kindNames(h.Events), Created: day(h.CreatedAt),
			DetailURL: base + "/" + strconv.FormatInt(h.ID, 10)})
	}
	if t.Feed == "" {
		v.Others = s.otherWebhookScopes(c, scope)
	}
	return s.render(c, status, templates.Webhooks(v))
}

// otherWebhookScopes links the user's own webhooks and those of the
// organisations they administer, but the one shown.
func (s *Server) otherWebhookScopes(c echo.Context, shown events.Scope) []templates.WebhookScopeLink {
	u := currentUser(c)
	var out []templates.WebhookScopeLink
	if shown.OwnerID != u.ID {
		out = append(out, templates.WebhookScopeLink{Label: "your own", URL: "/account/webhooks"})
	}
	orgs, err := s.reg.OrganizationsOf(c.Request().Context(), u)
	if err != nil {
		return out
	}
	for _, m := range orgs {
		if m.Role == registry.RoleAdmin && m.User.ID != shown.OwnerID {
			out = append(out, templates.WebhookScopeLink{Label: m.User.Name, URL: "/organizations/" + url.PathEscape(m.User.Name) + "/webhooks"})
		}
	}
	return out
}

func scopeLabel(scope events.Scope) string {
	if scope.FeedID != 0 {
		return strings.ToLower(scope.Name[:1]) + scope.Name[1:]
	}
	return scope.Name
}

func kindNames(ks []events.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func (s *Server) addWebhook(c echo.Context) error {
	params, err := c.FormParams()
	if err != nil {
		return err
	}
	t, _ := webhookTarget(c)
	rawURL := params.Get("url")
	w, err := s.reg.AddWebhookAs(c.Request().Context(), currentUser(c), t, rawURL, params["event"])
	if errors.Is(err, registry.ErrInvalid) || errors.Is(err, registry.ErrConflict) {
		v := templates.WebhooksPage{FormURL: rawURL, Error: userMessage(err), ErrorField: registry.Field(err)}
		for _, k := range params["event"] {
			v.Kinds = append(v.Kinds, templates.WebhookKind{Name: k, Checked: true})
		}
		if len(v.Kinds) == 0 {
			v.Kinds = []templates.WebhookKind{{Name: "none"}} // keep every box unticked
		}
		return s.renderWebhooks(c, statusFor(err), v)
	}
	if err != nil {
		return err
	}
	// The secret is rendered into this answer only: never into a redirect,
	// a flash cookie or a log.
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.renderWebhooks(c, http.StatusCreated, templates.WebhooksPage{NewSecret: w.Secret, NewID: w.ID})
}

func (s *Server) webhookPage(c echo.Context) error {
	id, err := webhookID(c)
	if err != nil {
		return err
	}
	t, base := webhookTarget(c)
	w, ds, err := s.reg.WebhookDeliveriesAs(c.Request().Context(), currentUser(c), t, id, deliveriesShown)
	if err != nil {
		return err
	}
	self := base + "/" + strconv.FormatInt(w.ID, 10)
	v := templates.WebhookPage{Page: s.page(c, "Webhook "+strconv.FormatInt(w.ID, 10), "webhooks"),
		Heading: "Webhook " + strconv.FormatInt(w.ID, 10), BackURL: base, URL: w.URL, Events: kindNames(w.Events),
		Created: day(w.CreatedAt), TestURL: self + "/test", RemoveURL: self + "/remove"}
	for _, d := range ds {
		v.Deliveries = append(v.Deliveries, deliveryRow(d))
	}
	return s.render(c, http.StatusOK, templates.Webhook(v))
}

// deliveryRow shows a delivery; templ escapes the receiver's answer.
func deliveryRow(d events.Delivery) templates.DeliveryRow {
	r := templates.DeliveryRow{ID: d.ID, EventID: d.EventID, Type: string(d.Type), Status: string(d.Status), Attempts: d.Attempts,
		Response: d.Last.Response, Error: d.Last.Error, Created: d.CreatedAt.UTC().Format(time.DateTime)}
	if d.Attempts > 0 {
		r.Code = "none"
		if d.Last.Code != 0 {
			r.Code = strconv.Itoa(d.Last.Code)
		}
		r.Duration = fmt.Sprintf("%d ms", d.Last.Duration.Milliseconds())
	}
	if d.Status == events.StatusPending {
		r.NextRetry = d.NextAttempt.UTC().Format(time.DateTime)
	}
	return r
}

func (s *Server) testWebhook(c echo.Context) error {
	id, err := webhookID(c)
	if err != nil {
		return err
	}
	t, base := webhookTarget(c)
	if err := s.reg.TestWebhookAs(c.Request().Context(), currentUser(c), t, id); err != nil {
		return err
	}
	self := base + "/" + strconv.FormatInt(id, 10)
	return s.redirectWithFlash(c, self, "ok", "Queued a test event; its delivery shows below in a moment.")
}

func (s *Server) removeWebhook(c echo.Context) error {
	id, err := webhookID(c)
	if err != nil {
		return err
	}
	t, base := webhookTarget(c)
	if err := s.reg.RemoveWebhookAs(c.Request().Context(), currentUser(c), t, id); err != nil {
		return err
	}
	return s.redirectWithFlash(c, base, "ok", "Removed webhook "+strconv.FormatInt(id, 10)+" and its deliveries.")
}
