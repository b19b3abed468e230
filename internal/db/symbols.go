package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/registry"
)

type symbolPackageRow struct {
	ID         int64
	VersionID  int64
	BlobPrefix string
	Size       int64
	SHA512     string `gorm:"column:sha512"`
	PushedBy   sql.NullInt64
	CreatedAt  time.Time
}

// TableName names the table gorm uses.
func (symbolPackageRow) TableName() string { return "symbol_packages" }

type symbolFileRow struct {
	ID              int64
	SymbolPackageID int64
	SSQPKey         string `gorm:"column:ssqp_key"`
	Path            string
	BlobName        string
	Size            int64
}

// TableName names the table gorm uses.
func (symbolFileRow) TableName() string { return "symbol_files" }

// InsertSymbols stores a version's symbol package and its files in one
// transaction, if ownerID still owns the version's package.
func (d *DB) InsertSymbols(ctx context.Context, ownerID int64, sp *registry.SymbolPackage) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		var n int64
		err := tx.Model(&packageOwnerRow{}).
			Where("account_id = ? AND package_id = (SELECT package_id FROM package_versions WHERE id = ?)", ownerID, sp.VersionID).
			Count(&n).Error
		if err != nil {
			return err
		}
		if n == 0 {
			return registry.ErrForbidden
		}
		row := symbolPackageRow{
			VersionID: sp.VersionID, BlobPrefix: sp.BlobPrefix, Size: sp.Size, SHA512: sp.SHA512,
			PushedBy: sql.NullInt64{Int64: sp.PushedBy, Valid: sp.PushedBy != 0}, CreatedAt: sp.Created.UTC(),
		}
		if err := tx.Create(&row).Error; err != nil {
			return mapErr(err)
		}
		files := make([]symbolFileRow, len(sp.Files))
		for i, f := range sp.Files {
			files[i] = symbolFileRow{SymbolPackageID: row.ID, SSQPKey: f.Key, Path: f.Path, BlobName: f.Blob, Size: f.Size}
		}
		if err := tx.CreateInBatches(files, 100).Error; err != nil {
			return mapErr(err)
		}
		sp.ID = row.ID
		return nil
	})
}

// SymbolPackage returns a version's symbol package with its files
// (ErrNotFound).
func (d *DB) SymbolPackage(ctx context.Context, versionID int64) (*registry.SymbolPackage, error) {
	g := d.gorm.WithContext(ctx)
	var row symbolPackageRow
	if err := g.Where("version_id = ?", versionID).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("symbols of version %d: %w", versionID, mapErr(err))
	}
	var files []symbolFileRow
	if err := g.Where("symbol_package_id = ?", row.ID).Order("id").Find(&files).Error; err != nil {
		return nil, err
	}
	sp := &registry.SymbolPackage{
		ID: row.ID, VersionID: row.VersionID, BlobPrefix: row.BlobPrefix, Size: row.Size, SHA512: row.SHA512,
		PushedBy: row.PushedBy.Int64, Created: row.CreatedAt,
	}
	for _, f := range files {
		sp.Files = append(sp.Files, registry.SymbolFile{Key: f.SSQPKey, Path: f.Path, Blob: f.BlobName, Size: f.Size})
	}
	return sp, nil
}

// AllSymbolPackages returns every symbol package with its files.
func (d *DB) AllSymbolPackages(ctx context.Context) ([]registry.SymbolPackage, error) {
	g := d.gorm.WithContext(ctx)
	var rows []symbolPackageRow
	if err := g.Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	var files []symbolFileRow
	if err := g.Order("id").Find(&files).Error; err != nil {
		return nil, err
	}
	byID := map[int64][]registry.SymbolFile{}
	for _, f := range files {
		byID[f.SymbolPackageID] = append(byID[f.SymbolPackageID], registry.SymbolFile{Key: f.SSQPKey, Path: f.Path, Blob: f.BlobName, Size: f.Size})
	}
	out := make([]registry.SymbolPackage, len(rows))
	for i, r := range rows {
		out[i] = registry.SymbolPackage{ID: r.ID, VersionID: r.VersionID, BlobPrefix: r.BlobPrefix, Size: r.Size, SHA512: r.SHA512,
			PushedBy: r.PushedBy.Int64, Created: r.CreatedAt, Files: byID[r.ID]}
	}
	return out, nil
}

// SymbolLocations finds up to limit stored PDBs with an SSQP key, newest
// symbol package first.
func (d *DB) SymbolLocations(ctx context.Context, key string, limit int) ([]registry.SymbolLocation, error) {
	var out []registry.SymbolLocation
	err := d.gorm.WithContext(ctx).Raw(`
SELECT p.lower_name AS lower_id, v.lower_version AS lower_version, s.blob_prefix || '/' || f.blob_name AS blob_key, f.size AS size
FROM symbol_files f
JOIN symbol_packages s ON s.id = f.symbol_package_id
JOIN package_versions v ON v.id = s.version_id
JOIN packages p ON p.id = v.package_id
WHERE f.ssqp_key = ?
ORDER BY s.id DESC
LIMIT ?`, key, limit).Scan(&out).Error
	return out, err
}
