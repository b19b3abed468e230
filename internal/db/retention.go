package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/retention"
)

// retentionRuleRow is a retention rule of a feed (schemaV18).
type retentionRuleRow struct {
	ID            int64
	FeedID        int64
	Glob          string
	Kind          string
	KeepCount     int
	OlderThanDays int
	IdleDays      int
	Action        string
	CreatedByName string
	CreatedAt     time.Time
}

// TableName names the table gorm uses.
func (retentionRuleRow) TableName() string { return "retention_rules" }

// RetentionRules lists the rules of a feed (0: every feed) by ID; see
// registry.RetentionStore.
func (d *DB) RetentionRules(ctx context.Context, feedID int64) ([]retention.Rule, error) {
	var rows []retentionRuleRow
	q := d.gorm.WithContext(ctx).Order("id")
	if feedID != 0 {
		q = q.Where("feed_id = ?", feedID)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("retention rules: %w", err)
	}
	var feeds []feedRow
	if err := d.gorm.WithContext(ctx).Find(&feeds).Error; err != nil {
		return nil, fmt.Errorf("retention rules: %w", err)
	}
	names := map[int64]string{}
	for _, f := range feeds {
		names[f.ID] = f.Name
	}
	out := make([]retention.Rule, len(rows))
	for i, r := range rows {
		out[i] = retention.Rule{ID: r.ID, FeedID: r.FeedID, Feed: names[r.FeedID], Glob: r.Glob, Kind: retention.Kind(r.Kind), Keep: r.KeepCount,
			OlderThanDays: r.OlderThanDays, IdleDays: r.IdleDays, Action: retention.Action(r.Action), CreatedBy: r.CreatedByName, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AddRetentionRule stores r, setting r.ID.
func (d *DB) AddRetentionRule(ctx context.Context, r *retention.Rule) error {
	row := retentionRuleRow{FeedID: r.FeedID, Glob: r.Glob, Kind: string(r.Kind), KeepCount: r.Keep, OlderThanDays: r.OlderThanDays,
		IdleDays: r.IdleDays, Action: string(r.Action), CreatedByName: r.CreatedBy, CreatedAt: r.CreatedAt.UTC()}
	if err := d.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("add retention rule: %w", mapErr(err))
	}
	r.ID = row.ID
	return nil
}

// RemoveRetentionRule removes a rule of a feed (0: of any feed).
func (d *DB) RemoveRetentionRule(ctx context.Context, feedID, id int64) error {
	q := d.gorm.WithContext(ctx).Where("id = ?", id)
	if feedID != 0 {
		q = q.Where("feed_id = ?", feedID)
	}
	res := q.Delete(&retentionRuleRow{})
	if res.Error != nil {
		return fmt.Errorf("remove retention rule %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("remove retention rule %d: %w", id, registry.ErrNotFound)
	}
	return nil
}

// AcquireLease takes a lease with one conditional UPDATE: on PostgreSQL
// the second of two concurrent updates waits for the first's row lock and
// then re-checks the condition, which no longer holds; SQLite serialises
// writers. Either way only one replica gets it.
func (d *DB) AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error) {
	res := d.gorm.WithContext(ctx).Exec(`UPDATE leases SET holder = ?, expires_unix = ? WHERE name = ? AND (expires_unix < ? OR holder = ?)`,
		holder, until.Unix(), name, now.Unix(), holder)
	if res.Error != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, mapErr(res.Error))
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLease frees a lease if holder holds it.
func (d *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if err := d.gorm.WithContext(ctx).Exec(`UPDATE leases SET holder = '', expires_unix = 0 WHERE name = ? AND holder = ?`, name, holder).Error; err != nil {
		return fmt.Errorf("release lease %s: %w", name, mapErr(err))
	}
	return nil
}

// SetPinned pins (by != "") or unpins a version, moving the package's
// revision so every replica's cache shows it.
func (d *DB) SetPinned(ctx context.Context, lowerID, lowerVersion, by string, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		rev, pkg, err := changePackage(tx, lowerID)
		if err != nil {
			return err
		}
		pinnedAt := sql.NullTime{Time: at.UTC(), Valid: by != ""}
		res := tx.Model(&packageVersionRow{}).Where("package_id = ? AND lower_version = ?", pkg.ID, lowerVersion).
			Updates(map[string]any{"pinned_by": by, "pinned_at": pinnedAt})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"revision": rev, "updated_at": at.UTC()}).Error
	})
}
