package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
)

// AuditPage lists the events that match f, newest first, at most f.Limit,
// below the ID f.Before when it is set (keyset paging: each page is one
// bounded index range, however deep). Each event carries its actor's
// name, empty when the actor was removed.
func (d *DB) AuditPage(ctx context.Context, f registry.AuditFilter) ([]registry.AuditEvent, error) {
	q := d.gorm.WithContext(ctx).Table("audit_events").
		Select("audit_events.*, accounts.name AS actor_name").
		Joins("LEFT JOIN accounts ON accounts.id = audit_events.actor_id")
	if f.Before > 0 {
		q = q.Where("audit_events.id < ?", f.Before)
	}
	if f.Kind != "" {
		// "user" matches user.disable, user.enable, ...
		q = q.Where("(audit_events.kind = ? OR (audit_events.kind >= ? AND audit_events.kind < ?))", f.Kind, f.Kind+".", f.Kind+"/")
	}
	if f.Outcome != "" {
		q = q.Where("audit_events.outcome = ?", f.Outcome)
	}
	if f.ActorID != 0 {
		q = q.Where("audit_events.actor_id = ?", f.ActorID)
	}
	if f.PolicyID != 0 {
		q = q.Where("(audit_events.policy_id = ? OR audit_events.closest_policy_id = ?)", f.PolicyID, f.PolicyID)
	}
	if f.Restricted {
		if len(f.OwnerIDs) == 0 {
			q = q.Where("1 = 0")
		} else {
			owned := d.gorm.Table("trust_policies").Select("id").Where("owner_id IN ?", f.OwnerIDs)
			q = q.Where("(audit_events.policy_id IN (?) OR audit_events.closest_policy_id IN (?))", owned, owned)
		}
	}
	if f.Package != "" {
		// The subject is the package ID, or the ID, a space and a version.
		q = q.Where("(audit_events.subject = ? OR (audit_events.subject >= ? AND audit_events.subject < ?))", f.Package, f.Package+" ", f.Package+"!")
	}
	if !f.From.IsZero() {
		q = q.Where("audit_events.at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("audit_events.at < ?", f.To.UTC())
	}
	var rows []auditListRow
	if err := q.Order("audit_events.id DESC").Limit(f.Limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("audit events: %w", err)
	}
	out := make([]registry.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = registry.AuditEvent{
			ID: r.ID, At: r.At, Kind: r.Kind, Outcome: r.Outcome, ActorID: r.ActorID.Int64, PolicyID: r.PolicyID.Int64,
			Subject: r.Subject, Message: r.Message, RemoteAddr: r.RemoteAddr,
		}
		out[i].ActorName = r.ActorName.String
		if r.Claims != "" {
			_ = json.Unmarshal([]byte(r.Claims), &out[i].Claims)
		}
		out[i].Closest = closestOf(r.Closest)
	}
	return out, nil
}

// auditListRow is an audit event with its actor's name.
type auditListRow struct {
	ID         int64
	At         time.Time
	Kind       string
	Outcome    string
	ActorID    sql.NullInt64
	PolicyID   sql.NullInt64
	Subject    string
	Message    string
	RemoteAddr string
	Claims     string
	Closest    string
	ActorName  sql.NullString
}

// setClosest stores an event's closest policy (migration 22).
func setClosest(row *auditRow, c *registry.ClosestPolicy) error {
	if c == nil {
		return nil
	}
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	row.ClosestPolicyID, row.Closest = nullID(c.PolicyID), string(doc)
	return nil
}

// closestOf reads a stored closest policy; nil when there is none.
func closestOf(doc string) *registry.ClosestPolicy {
	if doc == "" {
		return nil
	}
	c := &registry.ClosestPolicy{}
	if json.Unmarshal([]byte(doc), c) != nil {
		return nil
	}
	return c
}
