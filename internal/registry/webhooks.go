package registry

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/wharf-registry/wharf/internal/events"
)

// WebhookTarget names whose webhooks a request is about: an account (a
// user, or an organisation) by Owner, or a feed by Feed.
type WebhookTarget struct {
	Owner string
	Feed  string
}

// Webhooks is the webhook service (package events), for the operator's
// command line and the delivery worker; the web UI goes through the As
// methods, which check the user's rights.
func (s *Service) Webhooks() *events.Service { return s.hooks }

// WebhookScope resolves a target to the scope of its webhooks on behalf
// of actor: a user manages their own webhooks and those of the
// organisations they administer; a feed's admins (registry
// administrators among them) manage the feed's. A nil actor is the
// operator, who manages all. Errors: ErrNotFound, one sentence for an
// absent target and a refused one alike, so the answer never tells
// whether an organisation or a private feed exists.
func (s *Service) WebhookScope(ctx context.Context, actor *Account, t WebhookTarget) (events.Scope, error) {
	if t.Feed != "" {
		if actor == nil {
			f, err := s.feeds.Find(ctx, t.Feed)
			if err != nil {
				return events.Scope{}, err
			}
			return events.Scope{FeedID: f.ID, Name: "Feed " + f.Name}, nil
		}
		f, err := s.adminFeed(ctx, actor, t.Feed)
		if err != nil {
			return events.Scope{}, err
		}
		return events.Scope{FeedID: f.ID, Name: "Feed " + f.Name}, nil
	}
	if actor == nil {
		a, err := s.store.AccountByName(ctx, t.Owner)
		if err != nil {
			return events.Scope{}, notFound(err, "There is no user or organisation named '%s'.", t.Owner)
		}
		return events.Scope{OwnerID: a.ID, Name: a.Name}, nil
	}
	a, err := s.administeredOwner(ctx, actor, t.Owner, "webhooks")
	if errors.Is(err, ErrNotFound) {
		return events.Scope{}, errorf(ErrNotFound, "There is no organisation named '%s' whose webhooks you manage.", t.Owner)
	}
	if err != nil {
		return events.Scope{}, err
	}
	return events.Scope{OwnerID: a.ID, Name: a.Name}, nil
}

// AddWebhookAs registers a webhook for the target and returns it with
// its secret, shown this once. Errors: WebhookScope's, and
// events.Service.Add's (ErrInvalid with the field "url" or "events").
func (s *Service) AddWebhookAs(ctx context.Context, actor *Account, t WebhookTarget, url string, kinds []string) (*events.Webhook, error) {
	scope, err := s.WebhookScope(ctx, actor, t)
	if err != nil {
		return nil, err
	}
	w, err := s.hooks.Add(ctx, scope, url, kinds, actorID(actor))
	if err != nil {
		return nil, err
	}
	s.auditWebhook(ctx, actor, "webhook.add", scope, w)
	return w, nil
}

// WebhooksAs lists the target's webhooks with its scope. Errors:
// WebhookScope's.
func (s *Service) WebhooksAs(ctx context.Context, actor *Account, t WebhookTarget) (events.Scope, []events.Webhook, error) {
	scope, err := s.WebhookScope(ctx, actor, t)
	if err != nil {
		return scope, nil, err
	}
	ws, err := s.hooks.List(ctx, scope)
	return scope, ws, err
}

// WebhookDeliveriesAs returns one of the target's webhooks and its newest
// deliveries. Errors: WebhookScope's, ErrNotFound.
func (s *Service) WebhookDeliveriesAs(ctx context.Context, actor *Account, t WebhookTarget, id int64, limit int) (*events.Webhook, []events.Delivery, error) {
	scope, err := s.WebhookScope(ctx, actor, t)
	if err != nil {
		return nil, nil, err
	}
	return s.hooks.Deliveries(ctx, scope, id, limit)
}

// RemoveWebhookAs removes one of the target's webhooks with its
// deliveries. Errors: WebhookScope's, ErrNotFound.
func (s *Service) RemoveWebhookAs(ctx context.Context, actor *Account, t WebhookTarget, id int64) error {
	scope, err := s.WebhookScope(ctx, actor, t)
	if err != nil {
		return err
	}
	w, err := s.hooks.Get(ctx, scope, id)
	if err != nil {
		return err
	}
	if err := s.hooks.Remove(ctx, scope, id); err != nil {
		return err
	}
	s.auditWebhook(ctx, actor, "webhook.remove", scope, w)
	return nil
}

// TestWebhookAs queues a test event for one of the target's webhooks.
// Errors: WebhookScope's, ErrNotFound.
func (s *Service) TestWebhookAs(ctx context.Context, actor *Account, t WebhookTarget, id int64) error {
	scope, err := s.WebhookScope(ctx, actor, t)
	if err != nil {
		return err
	}
	w, err := s.hooks.Get(ctx, scope, id)
	if err != nil {
		return err
	}
	if err := s.hooks.SendTest(ctx, scope, id, actorID(actor)); err != nil {
		return err
	}
	s.auditWebhook(ctx, actor, "webhook.test", scope, w)
	return nil
}

// auditWebhook records a change to a webhook: whose, which, where it
// sends (the URL without its query, which may carry a token), never its
// secret.
func (s *Service) auditWebhook(ctx context.Context, actor *Account, kind string, scope events.Scope, w *events.Webhook) {
	u := w.URL
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	s.audit(ctx, &AuditEvent{Kind: kind, Outcome: "done", ActorID: actorID(actor), Subject: scope.Name,
		Message: EscapeText("webhook " + strconv.FormatInt(w.ID, 10) + " to " + u)})
}

// RemoveWebhook removes any webhook by ID, for the operator's command
// line (ErrNotFound).
func (s *Service) RemoveWebhook(ctx context.Context, id int64) error {
	w, err := s.hooks.Find(ctx, id)
	if err != nil {
		return err
	}
	scope := events.ScopeOf(w)
	if err := s.hooks.Remove(ctx, scope, id); err != nil {
		return err
	}
	s.auditWebhook(ctx, nil, "webhook.remove", scope, w)
	return nil
}
