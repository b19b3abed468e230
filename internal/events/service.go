package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/egress"
	"github.com/wharf-registry/wharf/internal/fault"
)

// Defaults for the zero Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxAttempts = 8
	DefaultBackoff     = 30 * time.Second
	maxBackoff         = 6 * time.Hour
	// MaxWebhooks bounds the webhooks of one scope.
	MaxWebhooks = 20
	// MaxURLLength bounds a webhook's URL.
	MaxURLLength = 2000
	// MaxResponseShown is how much of a receiver's answer is kept.
	MaxResponseShown = 1024
	// maxResponseRead bounds how much of an answer is read at all.
	maxResponseRead = 64 << 10
)

// Options configures a Service. Zero values take the defaults.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives delivery failures (never secrets or bodies).
	Logger *slog.Logger
	// AllowPrivate lets webhooks reach loopback, private and the server's
	// own addresses (the operator setting webhook_allow_private).
	AllowPrivate bool
	// OwnHosts are the host names of the server itself (its base URL's),
	// refused like its own addresses.
	OwnHosts []string
	// Timeout bounds one delivery attempt (default 10s); a claimed
	// delivery's lease is twice that and 5 seconds.
	Timeout time.Duration
	// MaxAttempts is how many times a delivery is tried (default 8).
	MaxAttempts int
	// Backoff is the wait after the first failed attempt, doubled after
	// each further one up to 6 hours (default 30s).
	Backoff time.Duration
}

// Service registers webhooks and delivers their events. Callers check who
// may act on a Scope (the registry does); Service checks that the webhook
// belongs to it.
type Service struct {
	store  Store
	opts   Options
	guard  egress.Guard
	client *http.Client
	worker string
	wake   chan struct{}
}

// New returns a Service over store.
func New(store Store, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	s := &Service{store: store, opts: o, guard: egress.Guard{AllowPrivate: o.AllowPrivate, Setting: "webhook_allow_private"}, wake: make(chan struct{}, 1)}
	s.client = s.newClient()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	s.worker = hex.EncodeToString(b)
	return s
}

// newClient builds the delivery client: every connection goes through the
// guard (so a name that resolves to a refused address later is refused
// at connect time), no proxy, no redirects, bounded in time.
func (s *Service) newClient() *http.Client {
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           s.guard.Dialer(s.opts.Timeout).DialContext,
		TLSHandshakeTimeout:   s.opts.Timeout,
		ResponseHeaderTimeout: s.opts.Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{
		Transport:     transport,
		Timeout:       s.opts.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Add registers a webhook for scope and returns it with its secret, which
// is never shown again. Errors: ErrInvalid (with the field: "url" or
// "events") for a URL Wharf refuses or no known event, ErrConflict when
// the scope has MaxWebhooks already.
func (s *Service) Add(ctx context.Context, scope Scope, rawURL string, kinds []string, createdBy int64) (*Webhook, error) {
	u, err := s.checkURL(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	ks, err := ParseKinds(kinds)
	if err != nil {
		return nil, err
	}
	have, err := s.store.Webhooks(ctx, scope)
	if err != nil {
		return nil, err
	}
	if len(have) >= MaxWebhooks {
		return nil, fault.Errorf(fault.ErrConflict, "%s has %d webhooks, the most Wharf keeps: remove one first.", scope.Name, MaxWebhooks)
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	w := &Webhook{OwnerID: scope.OwnerID, FeedID: scope.FeedID, URL: u, Secret: "whsec_" + hex.EncodeToString(secret),
		Events: ks, CreatedBy: createdBy, CreatedAt: s.opts.Now().UTC()}
	if err := s.store.CreateWebhook(ctx, w); err != nil {
		return nil, fmt.Errorf("add webhook: %w", err)
	}
	return w, nil
}

// checkURL refuses what Wharf will not deliver to, with a sentence.
func (s *Service) checkURL(ctx context.Context, raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	bad := func(format string, args ...any) error {
		return fault.FieldErrorf(ErrInvalid, "url", format, args...)
	}
	if raw == "" {
		return "", bad("Enter the URL Wharf should send events to.")
	}
	if len(raw) > MaxURLLength {
		return "", bad("The URL is longer than %d characters.", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", bad("'%s' is not an http or https URL.", raw)
	}
	if u.User != nil {
		return "", bad("Put no user name or password in the URL: receivers check the signature instead.")
	}
	host := strings.ToLower(u.Hostname())
	if !s.opts.AllowPrivate {
		for _, own := range s.opts.OwnHosts {
			if host == strings.ToLower(own) {
				return "", bad("Wharf does not send webhooks to itself (%s); the operator setting webhook_allow_private allows it.", host)
			}
		}
	}
	lookup, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.guard.CheckURL(lookup, u); err != nil {
		var refused *egress.RefusedError
		if errors.As(err, &refused) {
			return "", bad("Wharf does not send webhooks to %s: %v.", host, refused)
		}
		var dns *net.DNSError
		if errors.As(err, &dns) {
			return "", bad("The host %s does not resolve: check the URL.", host)
		}
		return "", bad("The host %s could not be checked: %v.", host, err)
	}
	return u.String(), nil
}

// List lists the webhooks of scope.
func (s *Service) List(ctx context.Context, scope Scope) ([]Webhook, error) {
	return s.store.Webhooks(ctx, scope)
}

// Get finds a webhook of scope (ErrNotFound when it is another's).
func (s *Service) Get(ctx context.Context, scope Scope, id int64) (*Webhook, error) {
	w, err := s.store.Webhook(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !w.In(scope)) {
		return nil, fault.Errorf(ErrNotFound, "%s has no webhook %d.", scope.Name, id)
	}
	return w, err
}

// Remove deletes a webhook of scope with its deliveries (ErrNotFound).
func (s *Service) Remove(ctx context.Context, scope Scope, id int64) error {
	if _, err := s.Get(ctx, scope, id); err != nil {
		return err
	}
	return s.store.DeleteWebhook(ctx, id)
}

// Deliveries returns a webhook of scope and its newest deliveries
// (ErrNotFound).
func (s *Service) Deliveries(ctx context.Context, scope Scope, id int64, limit int) (*Webhook, []Delivery, error) {
	w, err := s.Get(ctx, scope, id)
	if err != nil {
		return nil, nil, err
	}
	ds, err := s.store.Deliveries(ctx, id, limit)
	return w, ds, err
}

// SendTest queues a test event for one webhook of scope (ErrNotFound).
func (s *Service) SendTest(ctx context.Context, scope Scope, id, actorID int64) error {
	if _, err := s.Get(ctx, scope, id); err != nil {
		return err
	}
	e := Event{Type: Test, OccurredAt: s.opts.Now().UTC(), ActorID: actorID}
	if err := s.store.Enqueue(ctx, e, id, s.opts.Now()); err != nil {
		return err
	}
	s.Wake()
	return nil
}

// Emit writes an event to the outbox, in its own transaction, for every
// webhook that wants it. Changes inside the store write their events in
// their own transaction instead; Emit is for the others, e.g.
//
//	err := hooks.Emit(ctx, events.StagedEvent(id, version, actorID, now))
func (s *Service) Emit(ctx context.Context, e Event) error {
	if err := s.store.Enqueue(ctx, e, 0, s.opts.Now()); err != nil {
		return fmt.Errorf("emit %s: %w", e.Type, err)
	}
	s.Wake()
	return nil
}

// Wake makes Run look for due deliveries now rather than at its next tick.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Find finds any webhook by ID, for the operator (ErrNotFound).
func (s *Service) Find(ctx context.Context, id int64) (*Webhook, error) {
	w, err := s.store.Webhook(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, fault.Errorf(ErrNotFound, "There is no webhook %d.", id)
	}
	return w, err
}

// ScopeOf is the scope a webhook belongs to.
func ScopeOf(w *Webhook) Scope {
	return Scope{OwnerID: w.OwnerID, FeedID: w.FeedID, Name: "webhook " + strconv.FormatInt(w.ID, 10)}
}
