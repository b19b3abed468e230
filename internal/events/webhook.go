package events

import (
	"context"
	"slices"
	"time"
)

// Scope is whose webhooks: an account's (a user, or an organisation whose
// admins manage them), for events about the packages and trust policies
// it owns, or a feed's (its admins manage them), for events about the
// packages in it. Exactly one of OwnerID and FeedID is set.
type Scope struct {
	OwnerID int64
	FeedID  int64
	Name    string // the account's or the feed's name, for messages
}

// Webhook is a registered receiver of events.
type Webhook struct {
	ID        int64
	OwnerID   int64 // 0 for a feed's webhook
	FeedID    int64 // 0 for an account's webhook
	URL       string
	Secret    string // signs deliveries; shown once, at creation
	Events    []Kind
	CreatedBy int64 // 0 for the operator
	CreatedAt time.Time
}

// Wants reports whether w subscribes to kind.
func (w *Webhook) Wants(kind Kind) bool { return slices.Contains(w.Events, kind) }

// In reports whether w belongs to scope.
func (w *Webhook) In(scope Scope) bool {
	return (scope.OwnerID != 0 && w.OwnerID == scope.OwnerID) || (scope.FeedID != 0 && w.FeedID == scope.FeedID)
}

// Status is where a delivery stands.
type Status string

// The statuses of a delivery.
const (
	StatusPending   Status = "pending"   // waiting for its first or next attempt
	StatusDelivered Status = "delivered" // the receiver answered 2xx
	StatusFailed    Status = "failed"    // every attempt failed; no more are made
)

// Delivery is one event for one webhook: a row of the outbox.
type Delivery struct {
	ID          int64
	WebhookID   int64
	EventID     string
	Type        Kind
	Body        []byte // the signed JSON document
	Status      Status
	Attempts    int
	NextAttempt time.Time // when pending: not before
	CreatedAt   time.Time
	Last        Attempt // the latest attempt (zero before the first)

	// Set on claimed deliveries, for sending.
	URL    string
	Secret string
}

// Attempt is the outcome of one try to deliver.
type Attempt struct {
	At       time.Time
	Code     int    // the receiver's status code; 0 when it did not answer
	Response string // the start of its body (MaxResponseShown bytes)
	Duration time.Duration
	Error    string // why there was no answer, or why it was not accepted
}

// Store keeps webhooks and the outbox. internal/db implements it; a
// change the registry makes writes its events with the change, in one
// transaction, through the same code as Enqueue.
type Store interface {
	// CreateWebhook inserts w, setting w.ID.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// Webhooks lists the webhooks of a scope, oldest first; the zero
	// Scope lists every webhook.
	Webhooks(ctx context.Context, scope Scope) ([]Webhook, error)
	// Webhook finds a webhook by ID (ErrNotFound).
	Webhook(ctx context.Context, id int64) (*Webhook, error)
	// DeleteWebhook removes a webhook and its deliveries (ErrNotFound).
	DeleteWebhook(ctx context.Context, id int64) error
	// Enqueue writes e (its ID and routing filled in from its package when
	// unset) to the outbox, one delivery per webhook that wants it, in one
	// transaction; webhookID > 0 sends it to that webhook only.
	Enqueue(ctx context.Context, e Event, webhookID int64, at time.Time) error
	// Deliveries lists a webhook's newest deliveries first.
	Deliveries(ctx context.Context, webhookID int64, limit int) ([]Delivery, error)
	// ClaimDeliveries leases up to limit pending deliveries due at now
	// whose lease (if any) has run out, to worker until the given time, and
	// returns them with their webhook's URL and secret. A delivery is
	// leased to one worker at a time, across every process sharing the
	// store.
	ClaimDeliveries(ctx context.Context, worker string, now, until time.Time, limit int) ([]Delivery, error)
	// FinishDelivery records an attempt of a delivery leased to worker,
	// its new status and (pending) next attempt, and ends the lease; it
	// does nothing when the lease passed to another worker meanwhile.
	FinishDelivery(ctx context.Context, id int64, worker string, a Attempt, status Status, next time.Time) error
	// PruneDeliveries deletes delivered and failed deliveries created
	// before the given time, and returns how many.
	PruneDeliveries(ctx context.Context, before time.Time) (int64, error)
}
