package db

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// Held versions and the trusted-publishing-only switches (schemaV23).

type heldVersionRow struct {
	ID                 int64
	PackageID          int64
	FeedID             int64
	Name               string
	LowerID            string
	Version            string
	LowerVersion       string
	OriginalVersion    string
	Size               int64
	SHA512             string `gorm:"column:sha512"`
	BlobPrefix         string
	Metadata           string
	Provenance         string
	Established        string
	EstablishedVersion string
	Changes            string
	OwnerID            int64
	PushedBy           int64
	KeyID              int64
	KeyHint            string
	HeldAt             time.Time
}

// TableName names the table gorm uses.
func (heldVersionRow) TableName() string { return "held_versions" }

func (r *heldVersionRow) held() (registry.HeldVersion, error) {
	v, err := nuget.ParseVersion(r.OriginalVersion)
	if err != nil {
		return registry.HeldVersion{}, fmt.Errorf("held %s %s: %w", r.Name, r.OriginalVersion, err)
	}
	h := registry.HeldVersion{ID: r.ID, PackageID: r.PackageID, FeedID: r.FeedID, Name: r.Name, Version: v,
		OriginalVersion: r.OriginalVersion, Size: r.Size, SHA512: r.SHA512, BlobPrefix: r.BlobPrefix,
		EstablishedVersion: r.EstablishedVersion, OwnerID: r.OwnerID, PushedBy: r.PushedBy, KeyID: r.KeyID,
		KeyHint: r.KeyHint, HeldAt: r.HeldAt, Metadata: &registry.Metadata{}}
	for _, f := range []struct {
		text string
		into any
	}{{r.Metadata, h.Metadata}, {r.Changes, &h.Changes}} {
		if err := json.Unmarshal([]byte(f.text), f.into); err != nil {
			return h, fmt.Errorf("held %s %s: %w", r.Name, r.OriginalVersion, err)
		}
	}
	for _, f := range []struct {
		text string
		into **registry.Provenance
	}{{r.Provenance, &h.Provenance}, {r.Established, &h.Established}} {
		if f.text == "" {
			continue
		}
		*f.into = &registry.Provenance{}
		if err := json.Unmarshal([]byte(f.text), *f.into); err != nil {
			return h, fmt.Errorf("held %s %s provenance: %w", r.Name, r.OriginalVersion, err)
		}
	}
	return h, nil
}

func jsonOrEmpty(v any, isNil bool) (string, error) {
	if isNil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// PutHeld stores h, refusing coordinates in the feed or held already
// (ErrConflict) or tombstoned, and writes a held event to the outbox, in
// one transaction after the feed revision's lock.
func (d *DB) PutHeld(ctx context.Context, h *registry.HeldVersion) error {
	row := heldVersionRow{PackageID: h.PackageID, FeedID: h.FeedID, Name: h.Name, LowerID: strings.ToLower(h.Name),
		Version: h.Version.String(), LowerVersion: h.Version.Lower(), OriginalVersion: h.OriginalVersion, Size: h.Size,
		SHA512: h.SHA512, BlobPrefix: h.BlobPrefix, EstablishedVersion: h.EstablishedVersion, OwnerID: h.OwnerID,
		PushedBy: h.PushedBy, KeyID: h.KeyID, KeyHint: h.KeyHint, HeldAt: h.HeldAt.UTC()}
	var err error
	if row.Metadata, err = jsonOrEmpty(h.Metadata, false); err != nil {
		return err
	}
	if row.Changes, err = jsonOrEmpty(h.Changes, false); err != nil {
		return err
	}
	if row.Provenance, err = jsonOrEmpty(h.Provenance, h.Provenance == nil); err != nil {
		return err
	}
	if row.Established, err = jsonOrEmpty(h.Established, h.Established == nil); err != nil {
		return err
	}
	err = d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil { // serialises with pushes and deletes
			return err
		}
		if err := checkTombstone(tx, row.LowerID, row.LowerVersion); err != nil {
			return err
		}
		var n int64
		if err := tx.Raw(`SELECT COUNT(*) FROM package_versions WHERE package_id = ? AND lower_version = ?`, h.PackageID, row.LowerVersion).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return registry.ErrConflict
		}
		if err := tx.Create(&row).Error; err != nil {
			return mapErr(err)
		}
		var pkg packageRow
		if err := tx.Where("id = ?", h.PackageID).Take(&pkg).Error; err != nil {
			return mapErr(err)
		}
		return emitPackage(tx, events.Held, &pkg, []string{row.Version}, h.PushedBy, row.HeldAt, "")
	})
	if err != nil {
		return fmt.Errorf("hold %s %s: %w", h.Name, h.Version, err)
	}
	h.ID = row.ID
	return nil
}

// HeldVersions lists held versions of a package (lowerID != "") or of all.
func (d *DB) HeldVersions(ctx context.Context, lowerID string) ([]registry.HeldVersion, error) {
	q := d.gorm.WithContext(ctx)
	if lowerID != "" {
		q = q.Where("lower_id = ?", lowerID)
	}
	var rows []heldVersionRow
	if err := q.Order("lower_id, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("held versions: %w", err)
	}
	return rowsTo(rows, (*heldVersionRow).held)
}

// HeldVersion finds a held version by its coordinates (ErrNotFound).
func (d *DB) HeldVersion(ctx context.Context, lowerID, lowerVersion string) (*registry.HeldVersion, error) {
	var row heldVersionRow
	if err := d.gorm.WithContext(ctx).Where("lower_id = ? AND lower_version = ?", lowerID, lowerVersion).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("held version: %w", mapErr(err))
	}
	h, err := row.held()
	return &h, err
}

// ReleaseHeld inserts v as InsertVersion does (a pushed event with
// actorID) and removes the held row, in one transaction.
func (d *DB) ReleaseHeld(ctx context.Context, h *registry.HeldVersion, ownerID, actorID int64, v *registry.PackageVersion) error {
	meta, err := json.Marshal(v.Metadata)
	if err != nil {
		return err
	}
	var prov []byte
	if v.Provenance != nil {
		if prov, err = json.Marshal(v.Provenance); err != nil {
			return err
		}
	}
	return d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Delete(&heldVersionRow{}, h.ID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return insertVersionTx(tx, events.Pushed, actorID, h.Name, ownerID, h.FeedID, v, meta, prov)
	})
}

// DeleteHeld removes a held version's row (ErrNotFound).
func (d *DB) DeleteHeld(ctx context.Context, id int64) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Delete(&heldVersionRow{}, id)
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	})
}

// RequireTrusted reads the switches of a package and of owner accounts.
func (d *DB) RequireTrusted(ctx context.Context, lowerID string, ownerIDs []int64) (registry.TrustedOnly, error) {
	var t registry.TrustedOnly
	g := d.gorm.WithContext(ctx)
	if lowerID != "" {
		var on []bool
		if err := g.Raw(`SELECT require_trusted FROM packages WHERE lower_name = ?`, lowerID).Scan(&on).Error; err != nil {
			return t, fmt.Errorf("trusted-only setting: %w", err)
		}
		t.Package = len(on) > 0 && on[0]
	}
	if len(ownerIDs) > 0 {
		if err := g.Raw(`SELECT name FROM accounts WHERE require_trusted AND id IN ? ORDER BY lower_name`, ownerIDs).Scan(&t.Owners).Error; err != nil {
			return t, fmt.Errorf("trusted-only setting: %w", err)
		}
	}
	return t, nil
}

// SetPackageRequireTrusted sets a package's switch (ErrNotFound).
func (d *DB) SetPackageRequireTrusted(ctx context.Context, lowerID string, on bool) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE packages SET require_trusted = ? WHERE lower_name = ?`, on, lowerID)
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	})
}

// SetOwnerRequireTrusted sets an owner's switch for all its packages.
func (d *DB) SetOwnerRequireTrusted(ctx context.Context, ownerID int64, on bool) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE accounts SET require_trusted = ? WHERE id = ?`, on, ownerID).Error
	})
}

// checkHeld refuses, inside an insert's transaction, coordinates that
// are held (ErrConflict): a held version keeps its number until an owner
// releases or rejects it. A release deletes its held row first.
func checkHeld(tx *gorm.DB, lowerID, lowerVersion string) error {
	var n int64
	if err := tx.Model(&heldVersionRow{}).Where("lower_id = ? AND lower_version = ?", lowerID, lowerVersion).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return registry.ErrConflict
	}
	return nil
}
