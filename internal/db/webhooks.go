package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/registry"
)

var _ events.Store = (*DB)(nil)

type webhookRow struct {
	ID        int64
	OwnerID   int64
	FeedID    int64
	URL       string `gorm:"column:url"`
	Secret    string
	Events    string
	CreatedBy int64
	CreatedAt time.Time
}

// TableName names the table gorm uses.
func (webhookRow) TableName() string { return "webhooks" }

func (r *webhookRow) webhook() events.Webhook {
	w := events.Webhook{ID: r.ID, OwnerID: r.OwnerID, FeedID: r.FeedID, URL: r.URL, Secret: r.Secret, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
	for _, k := range strings.Split(r.Events, ",") {
		if k != "" {
			w.Events = append(w.Events, events.Kind(k))
		}
	}
	return w
}

type deliveryRow struct {
	ID             int64
	WebhookID      int64
	EventID        string
	EventType      string
	Body           string
	Status         string
	Attempts       int
	NextAttemptAt  time.Time
	LeaseOwner     string
	LeaseUntil     sql.NullTime
	CreatedAt      time.Time
	LastAt         sql.NullTime
	LastCode       int
	LastResponse   string
	LastDurationMs int64
	LastError      string
}

// TableName names the table gorm uses.
func (deliveryRow) TableName() string { return "webhook_deliveries" }

func (r *deliveryRow) delivery() events.Delivery {
	d := events.Delivery{ID: r.ID, WebhookID: r.WebhookID, EventID: r.EventID, Type: events.Kind(r.EventType), Body: []byte(r.Body),
		Status: events.Status(r.Status), Attempts: r.Attempts, NextAttempt: r.NextAttemptAt, CreatedAt: r.CreatedAt,
		Last: events.Attempt{Code: r.LastCode, Response: r.LastResponse, Duration: time.Duration(r.LastDurationMs) * time.Millisecond, Error: r.LastError}}
	if r.LastAt.Valid {
		d.Last.At = r.LastAt.Time
	}
	return d
}

// CreateWebhook inserts w, setting w.ID.
func (d *DB) CreateWebhook(ctx context.Context, w *events.Webhook) error {
	kinds := make([]string, len(w.Events))
	for i, k := range w.Events {
		kinds[i] = string(k)
	}
	row := webhookRow{OwnerID: w.OwnerID, FeedID: w.FeedID, URL: w.URL, Secret: w.Secret, Events: strings.Join(kinds, ","),
		CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt.UTC()}
	if err := d.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return mapErr(err)
	}
	w.ID = row.ID
	return nil
}

// Webhooks lists a scope's webhooks (every webhook for the zero Scope).
func (d *DB) Webhooks(ctx context.Context, scope events.Scope) ([]events.Webhook, error) {
	q := d.gorm.WithContext(ctx).Order("id")
	switch {
	case scope.OwnerID != 0:
		q = q.Where("owner_id = ?", scope.OwnerID)
	case scope.FeedID != 0:
		q = q.Where("feed_id = ?", scope.FeedID)
	}
	var rows []webhookRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]events.Webhook, len(rows))
	for i := range rows {
		out[i] = rows[i].webhook()
	}
	return out, nil
}

// Webhook finds a webhook by ID (ErrNotFound).
func (d *DB) Webhook(ctx context.Context, id int64) (*events.Webhook, error) {
	var row webhookRow
	if err := d.gorm.WithContext(ctx).Take(&row, id).Error; err != nil {
		return nil, fmt.Errorf("webhook %d: %w", id, mapErr(err))
	}
	w := row.webhook()
	return &w, nil
}

// DeleteWebhook removes a webhook and its deliveries (ErrNotFound).
func (d *DB) DeleteWebhook(ctx context.Context, id int64) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("webhook_id = ?", id).Delete(&deliveryRow{}).Error; err != nil {
			return err
		}
		res := tx.Delete(&webhookRow{}, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("webhook %d: %w", id, registry.ErrNotFound)
		}
		return nil
	})
}

// Deliveries lists a webhook's newest deliveries first.
func (d *DB) Deliveries(ctx context.Context, webhookID int64, limit int) ([]events.Delivery, error) {
	var rows []deliveryRow
	if err := d.gorm.WithContext(ctx).Where("webhook_id = ?", webhookID).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]events.Delivery, len(rows))
	for i := range rows {
		out[i] = rows[i].delivery()
	}
	return out, nil
}

// Enqueue writes e to the outbox in its own transaction.
func (d *DB) Enqueue(ctx context.Context, e events.Event, webhookID int64, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error { return enqueue(tx, e, webhookID, at) })
}

// ClaimDeliveries leases due deliveries to worker. The lease is taken by
// a conditional UPDATE of rows whose lease is free, so of two workers
// racing for a row (on PostgreSQL the second UPDATE waits for the first
// and re-reads the row; SQLite runs writers one at a time) only one
// gets it; the rows returned are those this UPDATE leased.
func (d *DB) ClaimDeliveries(ctx context.Context, worker string, now, until time.Time, limit int) ([]events.Delivery, error) {
	// Microseconds: what both databases keep, so the lease reads back equal.
	now, until = now.UTC().Truncate(time.Microsecond), until.UTC().Truncate(time.Microsecond)
	var rows []deliveryRow
	err := d.tx(ctx, func(tx *gorm.DB) error {
		rows = nil
		free := "status = ? AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)"
		var ids []int64
		if err := tx.Model(&deliveryRow{}).Where(free, events.StatusPending, now, now).Order("next_attempt_at, id").Limit(limit).Pluck("id", &ids).Error; err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if err := tx.Model(&deliveryRow{}).Where("id IN ?", ids).Where(free, events.StatusPending, now, now).
			Updates(map[string]any{"lease_owner": worker, "lease_until": until}).Error; err != nil {
			return err
		}
		return tx.Where("id IN ? AND lease_owner = ? AND lease_until = ?", ids, worker, until).Order("id").Find(&rows).Error
	})
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	hooks := map[int64]*webhookRow{}
	var hrows []webhookRow
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.WebhookID)
	}
	if err := d.gorm.WithContext(ctx).Where("id IN ?", ids).Find(&hrows).Error; err != nil {
		return nil, err
	}
	for i := range hrows {
		hooks[hrows[i].ID] = &hrows[i]
	}
	out := make([]events.Delivery, 0, len(rows))
	for i := range rows {
		h := hooks[rows[i].WebhookID]
		if h == nil { // removed meanwhile: its deliveries go with it
			continue
		}
		dv := rows[i].delivery()
		dv.URL, dv.Secret = h.URL, h.Secret
		out = append(out, dv)
	}
	return out, nil
}

// FinishDelivery records an attempt and ends worker's lease.
func (d *DB) FinishDelivery(ctx context.Context, id int64, worker string, a events.Attempt, status events.Status, next time.Time) error {
	set := map[string]any{
		"status": string(status), "attempts": gorm.Expr("attempts + 1"), "lease_owner": "", "lease_until": nil,
		"last_at": a.At.UTC(), "last_code": a.Code, "last_response": a.Response, "last_duration_ms": a.Duration.Milliseconds(), "last_error": a.Error,
	}
	if !next.IsZero() {
		set["next_attempt_at"] = next.UTC()
	}
	return d.tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&deliveryRow{}).Where("id = ? AND lease_owner = ?", id, worker).Updates(set).Error
	})
}

// PruneDeliveries deletes finished deliveries created before a time.
func (d *DB) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("status <> ? AND created_at < ?", string(events.StatusPending), before.UTC()).Delete(&deliveryRow{})
		n = res.RowsAffected
		return res.Error
	})
	return n, err
}

// emitPackage writes, inside a change's transaction, the event of a
// change to versions of pkg, for the webhooks of its owners and feed.
func emitPackage(tx *gorm.DB, kind events.Kind, pkg *packageRow, versions []string, actorID int64, at time.Time, reason string) error {
	e := events.PackageEvent(kind, pkg.Name, versions, actorID, at)
	e.Reason = reason
	e.FeedID = pkg.FeedID
	if err := tx.Model(&packageOwnerRow{}).Where("package_id = ?", pkg.ID).Order("account_id").Pluck("account_id", &e.OwnerIDs).Error; err != nil {
		return err
	}
	return enqueue(tx, e, 0, at)
}

// enqueue writes e to the outbox inside tx: one delivery per webhook that
// wants it (the webhooks of e's owners and of its feed), or for webhookID
// alone. A package event without routing is routed by its package.
func enqueue(tx *gorm.DB, e events.Event, webhookID int64, at time.Time) error {
	var hooks []webhookRow
	if webhookID > 0 {
		if err := tx.Where("id = ?", webhookID).Find(&hooks).Error; err != nil {
			return err
		}
	} else {
		if e.Package != nil && e.FeedID == 0 && len(e.OwnerIDs) == 0 {
			var pkg packageRow
			if err := tx.Where("lower_name = ?", strings.ToLower(e.Package.ID)).Take(&pkg).Error; err != nil {
				return fmt.Errorf("route %s event: %w", e.Type, mapErr(err))
			}
			e.Package.ID, e.FeedID = pkg.Name, pkg.FeedID
			if err := tx.Model(&packageOwnerRow{}).Where("package_id = ?", pkg.ID).Pluck("account_id", &e.OwnerIDs).Error; err != nil {
				return err
			}
		}
		if e.Type == events.Held {
			// A held version is shown only to the package's owners: a
			// feed's admins who do not own it learn of it on release.
			e.FeedID = 0
		}
		cond, args := "1 = 0", []any{}
		if len(e.OwnerIDs) > 0 {
			cond, args = cond+" OR owner_id IN ?", append(args, e.OwnerIDs)
		}
		if e.FeedID != 0 {
			cond, args = cond+" OR feed_id = ?", append(args, e.FeedID)
		}
		var all []webhookRow
		if err := tx.Where(cond, args...).Order("id").Find(&all).Error; err != nil {
			return err
		}
		for _, h := range all {
			if w := h.webhook(); w.Wants(e.Type) {
				hooks = append(hooks, h)
			}
		}
	}
	if len(hooks) == 0 {
		return nil
	}
	if err := nameEvent(tx, &e); err != nil {
		return err
	}
	e.ID = events.NewID()
	body, err := e.Body()
	if err != nil {
		return err
	}
	rows := make([]deliveryRow, len(hooks))
	for i, h := range hooks {
		rows[i] = deliveryRow{WebhookID: h.ID, EventID: e.ID, EventType: string(e.Type), Body: string(body),
			Status: string(events.StatusPending), NextAttemptAt: at.UTC(), CreatedAt: at.UTC()}
	}
	return tx.Create(&rows).Error
}

// nameEvent fills the names an event's payload shows.
func nameEvent(tx *gorm.DB, e *events.Event) error {
	name := func(table string, id int64) (string, error) {
		var ns []string
		if err := tx.Table(table).Where("id = ?", id).Pluck("name", &ns).Error; err != nil || len(ns) == 0 {
			return "", err
		}
		return ns[0], nil
	}
	var err error
	if e.FeedID != 0 && e.Feed == "" {
		if e.Feed, err = name("feeds", e.FeedID); err != nil {
			return err
		}
	}
	if e.ActorID != 0 && e.Actor == "" {
		if e.Actor, err = name("accounts", e.ActorID); err != nil {
			return err
		}
	}
	if e.Policy != nil && e.Policy.Owner == "" && len(e.OwnerIDs) == 1 {
		if e.Policy.Owner, err = name("accounts", e.OwnerIDs[0]); err != nil {
			return err
		}
	}
	return nil
}
