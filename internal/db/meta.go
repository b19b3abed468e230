package db

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// InstanceID returns the database's random identity, made on first use.
// A registry move records the source's identity in the target, so that a
// rerun can tell its own earlier work from someone else's registry.
func (d *DB) InstanceID(ctx context.Context) (string, error) {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	g := d.gorm.WithContext(ctx)
	if err := g.Exec(`INSERT INTO meta (key, value) VALUES ('instance_id', ?) ON CONFLICT (key) DO NOTHING`, hex.EncodeToString(b)).Error; err != nil {
		return "", fmt.Errorf("instance ID: %w", err)
	}
	return d.metaValue(ctx, "instance_id")
}

// MigratedFrom returns the instance ID of the database this one was (or is
// being) filled from, "" when none.
func (d *DB) MigratedFrom(ctx context.Context) (string, error) {
	return d.metaValue(ctx, "migrated_from")
}

// SetMigratedFrom records the instance ID of the database this one is
// filled from.
func (d *DB) SetMigratedFrom(ctx context.Context, source string) error {
	return d.gorm.WithContext(ctx).Exec(`INSERT INTO meta (key, value) VALUES ('migrated_from', ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, source).Error
}

// MarkInUse records, once, that wharf serve or an admin command has used
// this database. A registry move refuses to rerun into a target so marked:
// overwriting it with the source's rows would undo what changed there.
func (d *DB) MarkInUse(ctx context.Context, at time.Time) error {
	err := d.gorm.WithContext(ctx).Exec(`INSERT INTO meta (key, value) VALUES ('in_use_since', ?) ON CONFLICT (key) DO NOTHING`,
		at.UTC().Format(time.RFC3339)).Error
	if err != nil {
		return fmt.Errorf("mark the database in use: %w", err)
	}
	return nil
}

// InUseSince returns when MarkInUse first marked this database, "" when
// it never did.
func (d *DB) InUseSince(ctx context.Context) (string, error) {
	return d.metaValue(ctx, "in_use_since")
}

func (d *DB) metaValue(ctx context.Context, key string) (string, error) {
	var vals []string
	if err := d.gorm.WithContext(ctx).Raw(`SELECT value FROM meta WHERE key = ?`, key).Scan(&vals).Error; err != nil {
		return "", fmt.Errorf("read %s: %w", key, err)
	}
	if len(vals) == 0 {
		return "", nil
	}
	return vals[0], nil
}

// Contents counts what makes a registry: accounts, packages, versions,
// symbol packages and audit events, and the feed revision. An empty registry (a fresh or only
// migrated database) has all zero.
func (d *DB) Contents(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range []string{"accounts", "packages", "package_versions", "symbol_packages", "audit_events"} {
		var n int64
		if err := d.gorm.WithContext(ctx).Raw("SELECT COUNT(*) FROM " + t).Scan(&n).Error; err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	var rev int64
	if err := d.gorm.WithContext(ctx).Raw(`SELECT revision FROM feed_state WHERE id = 1`).Scan(&rev).Error; err != nil {
		return nil, fmt.Errorf("feed revision: %w", err)
	}
	out["feed revision"] = rev
	return out, nil
}
