package db

import (
	"context"
	"fmt"
	"time"
)

// BackfillPolicyIssuerNames gives the policies that have no issuer name
// yet (made before names, migration 21) the name that names maps their
// issuer URL to: the settings of the server starting now. Policies whose
// URL is not in names keep an empty name (they are inactive until edited). It is
// not a change of the policy: no revision, no event, no revoked key. It
// returns how many policies it named.
func (d *DB) BackfillPolicyIssuerNames(ctx context.Context, names map[string]string) (int64, error) {
	var n int64
	for url, name := range names {
		res := d.gorm.WithContext(ctx).Exec(`UPDATE trust_policies SET issuer_name = ? WHERE issuer_name = '' AND issuer = ?`, name, url)
		if res.Error != nil {
			return n, fmt.Errorf("backfill policy issuer names: %w", res.Error)
		}
		n += res.RowsAffected
	}
	return n, nil
}

// ServerIssuers is what wharf serve last recorded of its trusted issuers
// (trust.FormatIssuers) and when; "" when no server has yet.
func (d *DB) ServerIssuers(ctx context.Context) (issuers string, at time.Time, err error) {
	if issuers, err = d.metaValue(ctx, "server_trusted_issuers"); err != nil || issuers == "" {
		return "", time.Time{}, err
	}
	when, err := d.metaValue(ctx, "server_trusted_issuers_at")
	if err != nil {
		return "", time.Time{}, err
	}
	at, _ = time.Parse(time.RFC3339, when)
	return issuers, at, nil
}

// SetServerIssuers records the trusted issuers wharf serve runs with, so
// that admin commands on this database judge policies by the server's
// settings rather than their own.
func (d *DB) SetServerIssuers(ctx context.Context, issuers string, at time.Time) error {
	g := d.gorm.WithContext(ctx)
	for k, v := range map[string]string{"server_trusted_issuers": issuers, "server_trusted_issuers_at": at.UTC().Format(time.RFC3339)} {
		if err := g.Exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v).Error; err != nil {
			return fmt.Errorf("record the server's trusted issuers: %w", err)
		}
	}
	return nil
}
