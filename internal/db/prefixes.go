package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

type prefixRow struct {
	ID          int64
	Prefix      string
	LowerPrefix string
	OwnerID     int64
	CreatedBy   sql.NullInt64
	CreatedAt   time.Time
}

// TableName names the table gorm uses.
func (prefixRow) TableName() string { return "reserved_prefixes" }

// CreatePrefix reserves p.Pattern for p.OwnerID, setting p.ID; a pattern
// taken in any case is ErrConflict. It moves the feed revision, so every
// replica's access snapshot picks the reservation up.
func (d *DB) CreatePrefix(ctx context.Context, p *feeds.Prefix) error {
	row := prefixRow{Prefix: p.Pattern, LowerPrefix: strings.ToLower(p.Pattern), OwnerID: p.OwnerID,
		CreatedBy: sql.NullInt64{Int64: p.CreatedBy, Valid: p.CreatedBy != 0}, CreatedAt: p.CreatedAt.UTC()}
	err := d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("reserve prefix %s: %w", p.Pattern, mapErr(err))
	}
	p.ID = row.ID
	return nil
}

// DeletePrefix removes the reservation of a pattern (any case) and
// returns it; ErrNotFound when there is none.
func (d *DB) DeletePrefix(ctx context.Context, pattern string) (*feeds.Prefix, error) {
	var out *feeds.Prefix
	err := d.tx(ctx, func(tx *gorm.DB) error {
		var row prefixRow
		if err := tx.Where("lower_prefix = ?", strings.ToLower(pattern)).Take(&row).Error; err != nil {
			return err
		}
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		out = row.prefix("")
		return tx.Delete(&prefixRow{}, row.ID).Error
	})
	if err != nil {
		return nil, fmt.Errorf("release prefix %s: %w", pattern, mapErr(err))
	}
	return out, nil
}

// ListPrefixes lists every reservation with its owner's name, by pattern.
func (d *DB) ListPrefixes(ctx context.Context) ([]feeds.Prefix, error) {
	return listPrefixes(d.gorm.WithContext(ctx))
}

func listPrefixes(g *gorm.DB) ([]feeds.Prefix, error) {
	var rows []prefixWithOwner
	err := g.Table("reserved_prefixes").
		Select("reserved_prefixes.id, reserved_prefixes.prefix, reserved_prefixes.lower_prefix, reserved_prefixes.owner_id, " +
			"reserved_prefixes.created_by, reserved_prefixes.created_at, accounts.name AS owner_name").
		Joins("JOIN accounts ON accounts.id = reserved_prefixes.owner_id").
		Order("reserved_prefixes.lower_prefix").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list reserved prefixes: %w", err)
	}
	out := make([]feeds.Prefix, len(rows))
	for i := range rows {
		r := prefixRow{ID: rows[i].ID, Prefix: rows[i].Prefix, LowerPrefix: rows[i].LowerPrefix, OwnerID: rows[i].OwnerID, CreatedBy: rows[i].CreatedBy, CreatedAt: rows[i].CreatedAt}
		out[i] = *r.prefix(rows[i].OwnerName)
	}
	return out, nil
}

// prefixWithOwner is a reservation joined with its owner's name.
type prefixWithOwner struct {
	ID          int64
	Prefix      string
	LowerPrefix string
	OwnerID     int64
	CreatedBy   sql.NullInt64
	CreatedAt   time.Time
	OwnerName   string
}

func (r *prefixRow) prefix(ownerName string) *feeds.Prefix {
	return &feeds.Prefix{ID: r.ID, Pattern: r.Prefix, OwnerID: r.OwnerID, OwnerName: ownerName, CreatedBy: r.CreatedBy.Int64, CreatedAt: r.CreatedAt}
}

var _ registry.PrefixStore = (*DB)(nil)
