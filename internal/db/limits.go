package db

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/registry"
)

// CountEvent counts one event for key in the fixed window starting at
// windowStart (Unix seconds) unless the window already holds max events,
// and reports whether it counted it. A full window is seen with a read
// alone, so a flood past the budget writes nothing; the count itself is one
// conditional upsert, so replicas counting the same key at once never lose
// a count nor count past max.
func (d *DB) CountEvent(ctx context.Context, key string, windowStart int64, max int) (bool, error) {
	n, err := d.EventCount(ctx, key, windowStart)
	if err != nil {
		return false, err
	}
	if n >= int64(max) {
		return false, nil
	}
	release, err := d.write(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return countEvent(d.gorm.WithContext(ctx), registry.RateCount{Key: key, WindowStart: windowStart, Max: max})
}

// EventCount reads how many events key has in the window starting at
// windowStart, without writing.
func (d *DB) EventCount(ctx context.Context, key string, windowStart int64) (int64, error) {
	var seen []int64
	err := d.gorm.WithContext(ctx).Raw(`SELECT count FROM rate_limits WHERE key = ? AND window_start = ?`, key, windowStart).Scan(&seen).Error
	if err != nil {
		return 0, fmt.Errorf("read rate-limit counter: %w", err)
	}
	if len(seen) == 0 {
		return 0, nil
	}
	return seen[0], nil
}

// countEvent is the conditional upsert behind CountEvent, also run inside
// the mint transaction: it counts c unless its window already holds c.Max.
func countEvent(tx *gorm.DB, c registry.RateCount) (bool, error) {
	var counted []int64
	err := tx.Raw(`INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 WHERE rate_limits.count < ? RETURNING count`,
		c.Key, c.WindowStart, c.Max).Scan(&counted).Error
	if err != nil {
		return false, fmt.Errorf("count rate-limited event: %w", err)
	}
	return len(counted) > 0, nil
}

// purgeRateWindows deletes counters of windows that started before t.
func (d *DB) purgeRateWindows(ctx context.Context, t time.Time) error {
	return d.gorm.WithContext(ctx).Exec(`DELETE FROM rate_limits WHERE window_start < ?`, t.Unix()).Error
}
