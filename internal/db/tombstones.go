package db

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/registry"
)

// tombstoneRow is a version deleted for good (schemaV16).
type tombstoneRow struct {
	ID            int64
	LowerID       string
	LowerVersion  string
	Name          string
	Version       string
	SHA512        string `gorm:"column:sha512"`
	DeletedAt     time.Time
	DeletedBy     int64
	DeletedByName string
	Reason        string
	OwnerIDs      string `gorm:"column:owner_ids"`
	Revision      int64
}

// TableName names the table gorm uses.
func (tombstoneRow) TableName() string { return "version_tombstones" }

func (r *tombstoneRow) tombstone() *registry.Tombstone {
	t := &registry.Tombstone{LowerID: r.LowerID, LowerVersion: r.LowerVersion, Name: r.Name, Version: r.Version, SHA512: r.SHA512,
		DeletedAt: r.DeletedAt, DeletedBy: r.DeletedBy, ActorName: r.DeletedByName, Reason: r.Reason, Revision: r.Revision}
	for _, f := range strings.Split(r.OwnerIDs, ",") {
		if id, err := strconv.ParseInt(f, 10, 64); err == nil {
			t.OwnerIDs = append(t.OwnerIDs, id)
		}
	}
	return t
}

// DeleteVersion deletes a version for good and records its tombstone in
// the same transaction; see registry.Store.
func (d *DB) DeleteVersion(ctx context.Context, t *registry.Tombstone) ([]string, error) {
	var prefixes []string
	err := d.tx(ctx, func(tx *gorm.DB) error {
		prefixes = nil
		rev, pkg, err := changePackage(tx, t.LowerID)
		if err != nil {
			return err
		}
		var v packageVersionRow
		if err := tx.Where("package_id = ? AND lower_version = ?", pkg.ID, t.LowerVersion).Take(&v).Error; err != nil {
			return mapErr(err)
		}
		if v.BlobPrefix != "" {
			prefixes = append(prefixes, v.BlobPrefix)
		}
		var sym []string
		if err := tx.Model(&symbolPackageRow{}).Where("version_id = ?", v.ID).Pluck("blob_prefix", &sym).Error; err != nil {
			return err
		}
		prefixes = append(prefixes, sym...)
		var owners []int64
		if err := tx.Model(&packageOwnerRow{}).Where("package_id = ?", pkg.ID).Order("account_id").Pluck("account_id", &owners).Error; err != nil {
			return err
		}
		ids := make([]string, len(owners))
		for i, o := range owners {
			ids[i] = strconv.FormatInt(o, 10)
		}
		// The event first, while the package and its owners are there.
		if err := emitPackage(tx, events.Deleted, pkg, []string{v.Version}, t.DeletedBy, t.DeletedAt, t.Reason); err != nil {
			return err
		}
		// Children first: the rows go whether or not the database
		// enforces the cascades.
		if err := tx.Exec(`DELETE FROM symbol_files WHERE symbol_package_id IN (SELECT id FROM symbol_packages WHERE version_id = ?)`, v.ID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM symbol_packages WHERE version_id = ?`, v.ID).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM package_versions WHERE id = ?`, v.ID).Error; err != nil {
			return err
		}
		var left int64
		if err := tx.Model(&packageVersionRow{}).Where("package_id = ?", pkg.ID).Count(&left).Error; err != nil {
			return err
		}
		if left == 0 {
			for _, q := range []string{`DELETE FROM owner_requests WHERE package_id = ?`, `DELETE FROM package_owners WHERE package_id = ?`, `DELETE FROM packages WHERE id = ?`} {
				if err := tx.Exec(q, pkg.ID).Error; err != nil {
					return err
				}
			}
		} else if err := tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"revision": rev, "updated_at": t.DeletedAt.UTC()}).Error; err != nil {
			return err
		}
		row := tombstoneRow{LowerID: t.LowerID, LowerVersion: t.LowerVersion, Name: pkg.Name, Version: t.Version, SHA512: v.SHA512,
			DeletedAt: t.DeletedAt.UTC(), DeletedBy: t.DeletedBy, DeletedByName: t.ActorName, Reason: t.Reason,
			OwnerIDs: strings.Join(ids, ","), Revision: rev}
		if err := tx.Create(&row).Error; err != nil {
			return mapErr(err)
		}
		t.Name, t.SHA512, t.OwnerIDs, t.Revision = pkg.Name, v.SHA512, owners, rev
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete %s %s: %w", t.LowerID, t.LowerVersion, err)
	}
	return prefixes, nil
}

// Tombstone finds the tombstone of a version (ErrNotFound).
func (d *DB) Tombstone(ctx context.Context, lowerID, lowerVersion string) (*registry.Tombstone, error) {
	return tombstoneIn(d.gorm.WithContext(ctx), lowerID, lowerVersion)
}

func tombstoneIn(g *gorm.DB, lowerID, lowerVersion string) (*registry.Tombstone, error) {
	var row tombstoneRow
	if err := g.Where("lower_id = ? AND lower_version = ?", lowerID, lowerVersion).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("tombstone %s %s: %w", lowerID, lowerVersion, mapErr(err))
	}
	return row.tombstone(), nil
}

// checkTombstone refuses, inside an insert's transaction, coordinates a
// delete made final.
func checkTombstone(tx *gorm.DB, lowerID, lowerVersion string) error {
	t, err := tombstoneIn(tx, lowerID, lowerVersion)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	return &registry.TombstonedError{Tombstone: t}
}

// Tombstones lists the tombstones of a package ID, newest first.
func (d *DB) Tombstones(ctx context.Context, lowerID string) ([]registry.Tombstone, error) {
	var rows []tombstoneRow
	if err := d.gorm.WithContext(ctx).Where("lower_id = ?", lowerID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("tombstones of %s: %w", lowerID, err)
	}
	out := make([]registry.Tombstone, len(rows))
	for i := range rows {
		out[i] = *rows[i].tombstone()
	}
	return out, nil
}
