package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/registry"
)

// UpsertMirror records what an upstream source says about a package of
// the upstream feed feedID, in one transaction that bumps the feed
// revision: it creates the package (without owners) or updates it,
// inserts the versions it lacks (without files: BlobPrefix stays empty)
// and updates the listing, publication date, metadata and upstream URLs
// of those it has. Versions the source no longer lists are kept. A
// package of another feed with that ID is ErrConflict: a local package is
// never replaced by a mirrored one.
func (d *DB) UpsertMirror(ctx context.Context, feedID int64, name string, versions []registry.PackageVersion, checkedAt time.Time) error {
	checkedAt = checkedAt.UTC()
	return d.tx(ctx, func(tx *gorm.DB) error {
		rev, err := bumpRevision(tx)
		if err != nil {
			return err
		}
		var pkg packageRow
		err = tx.Where("lower_name = ?", strings.ToLower(name)).Take(&pkg).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			pkg = packageRow{Name: name, LowerName: strings.ToLower(name), Revision: rev, CreatedAt: checkedAt, UpdatedAt: checkedAt,
				FeedID: feedID, UpstreamCheckedAt: sql.NullTime{Time: checkedAt, Valid: true}}
			if err := tx.Create(&pkg).Error; err != nil {
				return mapErr(err)
			}
		case err != nil:
			return err
		case pkg.FeedID != feedID:
			return registry.ErrConflict
		default:
			if err := tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{
				"revision": rev, "updated_at": checkedAt, "upstream_checked_at": checkedAt}).Error; err != nil {
				return err
			}
		}
		var have []packageVersionRow
		if err := tx.Select("id", "lower_version").Where("package_id = ?", pkg.ID).Find(&have).Error; err != nil {
			return err
		}
		existing := make(map[string]int64, len(have))
		for _, h := range have {
			existing[h.LowerVersion] = h.ID
		}
		for i := range versions {
			v := &versions[i]
			meta, err := json.Marshal(v.Metadata)
			if err != nil {
				return err
			}
			if id, ok := existing[v.Version.Lower()]; ok {
				if err := tx.Model(&packageVersionRow{}).Where("id = ?", id).Updates(map[string]any{
					"listed": v.Listed, "published": v.Published.UTC(), "metadata": string(meta), "sem_ver2": v.IsSemVer2(),
					"upstream_content_url": v.UpstreamContentURL, "upstream_catalog_url": v.UpstreamCatalogURL}).Error; err != nil {
					return err
				}
				continue
			}
			row := packageVersionRow{
				PackageID: pkg.ID, Version: v.Version.String(), LowerVersion: v.Version.Lower(), OriginalVersion: v.OriginalVersion,
				Listed: v.Listed, Prerelease: v.Version.IsPrerelease(), SemVer2: v.IsSemVer2(), Published: v.Published.UTC(),
				Metadata: string(meta), CreatedAt: checkedAt,
				UpstreamContentURL: v.UpstreamContentURL, UpstreamCatalogURL: v.UpstreamCatalogURL,
			}
			if err := tx.Create(&row).Error; err != nil {
				return mapErr(err)
			}
			existing[row.LowerVersion] = row.ID
		}
		return nil
	})
}

// SetMirroredFiles records that a mirrored version's files are stored
// under prefix, with the .nupkg's size and SHA-512, in one transaction
// that bumps the feed revision. Only the first download is recorded: a
// version whose files are already stored is ErrConflict (the caller
// deletes its own copy and reads the recorded one); an unknown version is
// ErrNotFound.
func (d *DB) SetMirroredFiles(ctx context.Context, lowerID, lowerVersion, prefix, sha512 string, size int64, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		rev, pkg, err := changePackage(tx, lowerID)
		if err != nil {
			return err
		}
		res := tx.Model(&packageVersionRow{}).Where("package_id = ? AND lower_version = ? AND blob_prefix = ''", pkg.ID, lowerVersion).
			Updates(map[string]any{"blob_prefix": prefix, "sha512": sha512, "size": size})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&packageVersionRow{}).Where("package_id = ? AND lower_version = ?", pkg.ID, lowerVersion).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("version %s of %s: %w", lowerVersion, lowerID, registry.ErrNotFound)
			}
			return registry.ErrConflict
		}
		return tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"revision": rev, "updated_at": at.UTC()}).Error
	})
}
