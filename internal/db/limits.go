package db

import (
	"context"
	"fmt"
	"time"
)

// CountEvent adds one event to key's counter for the fixed window starting
// at windowStart (Unix seconds) and returns the count so far, in one
// atomic upsert: replicas counting the same key at once never lose a
// count.
func (d *DB) CountEvent(ctx context.Context, key string, windowStart int64) (int64, error) {
	var n int64
	release, err := d.write(ctx)
	if err != nil {
		return 0, err
	}
	defer release()
	err = d.gorm.WithContext(ctx).Raw(`INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`, key, windowStart).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count rate-limited event: %w", err)
	}
	return n, nil
}

// purgeRateWindows deletes counters of windows that started before t.
func (d *DB) purgeRateWindows(ctx context.Context, t time.Time) error {
	return d.gorm.WithContext(ctx).Exec(`DELETE FROM rate_limits WHERE window_start < ?`, t.Unix()).Error
}
