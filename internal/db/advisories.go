package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

type advisoryRow struct {
	ID              int64
	AdvisoryID      string
	LowerAdvisoryID string
	Source          string
	Scope           string
	URL             string `gorm:"column:url"`
	Severity        int
	Summary         string
	Modified        time.Time
	CreatedBy       sql.NullInt64
	CreatedAt       time.Time
}

// TableName names the table gorm uses.
func (advisoryRow) TableName() string { return "advisories" }

type advisoryPackageRow struct {
	ID           int64
	AdvisoryID   int64
	LowerPackage string
	Versions     string
}

// TableName names the table gorm uses.
func (advisoryPackageRow) TableName() string { return "advisory_packages" }

// SetDeprecation stores the deprecation of versions of a package.
func (d *DB) SetDeprecation(ctx context.Context, lowerID string, lowerVersions []string, ownerID int64, dep *nuget.Deprecation, at time.Time) error {
	val := ""
	if dep != nil {
		b, err := json.Marshal(dep)
		if err != nil {
			return err
		}
		val = string(b)
	}
	return d.tx(ctx, func(tx *gorm.DB) error {
		rev, pkg, err := changePackage(tx, lowerID)
		if err != nil {
			return err
		}
		if ownerID != 0 {
			var n int64
			if err := tx.Model(&packageOwnerRow{}).Where("package_id = ? AND account_id = ?", pkg.ID, ownerID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return registry.ErrForbidden
			}
		}
		for _, v := range lowerVersions {
			res := tx.Model(&packageVersionRow{}).Where("package_id = ? AND lower_version = ?", pkg.ID, v).Update("deprecation", val)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return fmt.Errorf("version %s: %w", v, registry.ErrNotFound)
			}
		}
		if err := tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"revision": rev, "updated_at": at.UTC()}).Error; err != nil {
			return err
		}
		var shown []string
		if err := tx.Model(&packageVersionRow{}).Where("package_id = ? AND lower_version IN ?", pkg.ID, lowerVersions).Order("id").Pluck("version", &shown).Error; err != nil {
			return err
		}
		reason := ""
		if dep == nil {
			reason = "undeprecated"
		}
		return emitPackage(tx, events.Deprecated, pkg, shown, ownerID, at, reason)
	})
}

// SaveAdvisory inserts or replaces an advisory and moves the revision of
// every package it names, before and after.
func (d *DB) SaveAdvisory(ctx context.Context, a *registry.Advisory, at time.Time) (bool, error) {
	changed := false
	err := d.tx(ctx, func(tx *gorm.DB) error {
		changed = false
		var old advisoryRow
		err := tx.Where("source = ? AND scope = ? AND lower_advisory_id = ?", string(a.Source), a.Scope, strings.ToLower(a.AdvisoryID)).Take(&old).Error
		var touched []string
		switch {
		case err == gorm.ErrRecordNotFound:
		case err != nil:
			return err
		default:
			if a.Source == registry.SourceImport && !a.Modified.After(old.Modified) {
				return nil
			}
			if err := tx.Model(&advisoryPackageRow{}).Where("advisory_id = ?", old.ID).Pluck("lower_package", &touched).Error; err != nil {
				return err
			}
			if err := tx.Where("advisory_id = ?", old.ID).Delete(&advisoryPackageRow{}).Error; err != nil {
				return err
			}
			if err := tx.Where("id = ?", old.ID).Delete(&advisoryRow{}).Error; err != nil {
				return err
			}
		}
		row := advisoryRow{
			AdvisoryID: a.AdvisoryID, LowerAdvisoryID: strings.ToLower(a.AdvisoryID), Source: string(a.Source), Scope: a.Scope,
			URL: a.URL, Severity: int(a.Severity), Summary: a.Summary, Modified: a.Modified.UTC(),
			CreatedBy: sql.NullInt64{Int64: a.CreatedBy, Valid: a.CreatedBy != 0}, CreatedAt: a.CreatedAt.UTC(),
		}
		if err := tx.Create(&row).Error; err != nil {
			return mapErr(err)
		}
		for _, f := range a.Affected {
			if err := tx.Create(&advisoryPackageRow{AdvisoryID: row.ID, LowerPackage: f.PackageID, Versions: f.Versions}).Error; err != nil {
				return err
			}
			touched = append(touched, f.PackageID)
		}
		a.ID, changed = row.ID, true
		return touchPackages(tx, touched, at)
	})
	return changed, err
}

// DeleteAdvisory removes an advisory.
func (d *DB) DeleteAdvisory(ctx context.Context, source registry.AdvisorySource, scope, lowerAdvisoryID string, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		var old advisoryRow
		if err := tx.Where("source = ? AND scope = ? AND lower_advisory_id = ?", string(source), scope, lowerAdvisoryID).Take(&old).Error; err != nil {
			return mapErr(err)
		}
		var touched []string
		if err := tx.Model(&advisoryPackageRow{}).Where("advisory_id = ?", old.ID).Pluck("lower_package", &touched).Error; err != nil {
			return err
		}
		if err := tx.Where("advisory_id = ?", old.ID).Delete(&advisoryPackageRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("id = ?", old.ID).Delete(&advisoryRow{}).Error; err != nil {
			return err
		}
		return touchPackages(tx, touched, at)
	})
}

// touchPackages moves the feed revision and gives the stored packages
// among lowerIDs the new one, so caches and replicas reload them.
func touchPackages(tx *gorm.DB, lowerIDs []string, at time.Time) error {
	rev, err := bumpRevision(tx)
	if err != nil {
		return err
	}
	slices.Sort(lowerIDs)
	lowerIDs = slices.Compact(lowerIDs)
	for len(lowerIDs) > 0 {
		batch := lowerIDs[:min(len(lowerIDs), 500)]
		lowerIDs = lowerIDs[len(batch):]
		if err := tx.Model(&packageRow{}).Where("lower_name IN ?", batch).Updates(map[string]any{"revision": rev, "updated_at": at.UTC()}).Error; err != nil {
			return err
		}
	}
	return nil
}

// Advisories lists the advisories naming a package, or all of them.
func (d *DB) Advisories(ctx context.Context, lowerID string) ([]registry.Advisory, error) {
	g := d.gorm.WithContext(ctx)
	if lowerID == "" {
		return advisoriesWhere(g, nil)
	}
	m, err := advisoriesWhere(g, []string{lowerID})
	return m, err
}

// advisoriesWhere loads the advisories naming one of lowerIDs (nil: all),
// each with all its affected ranges when lowerIDs is nil, else with the
// ranges of those IDs only.
func advisoriesWhere(g *gorm.DB, lowerIDs []string) ([]registry.Advisory, error) {
	var links []advisoryPackageRow
	q := g.Order("advisory_id, id")
	if lowerIDs != nil {
		q = q.Where("lower_package IN ?", lowerIDs)
	}
	if err := q.Find(&links).Error; err != nil {
		return nil, fmt.Errorf("advisory packages: %w", err)
	}
	if len(links) == 0 {
		return nil, nil
	}
	var rows []advisoryRow
	q = g.Order("lower_advisory_id, id")
	if lowerIDs != nil {
		ids := make([]int64, 0, len(links))
		for _, l := range links {
			ids = append(ids, l.AdvisoryID)
		}
		slices.Sort(ids)
		ids = slices.Compact(ids)
		q = q.Where("id IN ?", ids)
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("advisories: %w", err)
	}
	byID := map[int64][]registry.Affected{}
	for _, l := range links {
		byID[l.AdvisoryID] = append(byID[l.AdvisoryID], registry.Affected{PackageID: l.LowerPackage, Versions: l.Versions})
	}
	out := make([]registry.Advisory, 0, len(rows))
	for _, r := range rows {
		out = append(out, registry.Advisory{
			ID: r.ID, AdvisoryID: r.AdvisoryID, Source: registry.AdvisorySource(r.Source), Scope: r.Scope, URL: r.URL,
			Severity: registry.Severity(r.Severity), Summary: r.Summary, Modified: r.Modified, CreatedBy: r.CreatedBy.Int64,
			CreatedAt: r.CreatedAt, Affected: byID[r.ID],
		})
	}
	return out, nil
}

// attachAdvisories gives each package the advisories that name it.
func attachAdvisories(g *gorm.DB, pkgs []*registry.Package) error {
	byName := make(map[string]*registry.Package, len(pkgs))
	names := make([]string, 0, len(pkgs))
	for _, p := range pkgs {
		l := strings.ToLower(p.Name)
		byName[l] = p
		names = append(names, l)
	}
	list, err := advisoriesWhere(g, names)
	if err != nil {
		return err
	}
	for _, a := range list {
		per := map[string][]registry.Affected{}
		for _, f := range a.Affected {
			per[f.PackageID] = append(per[f.PackageID], f)
		}
		for id, fs := range per {
			if p := byName[id]; p != nil {
				b := a
				b.Affected = fs
				p.Advisories = append(p.Advisories, b)
			}
		}
	}
	return nil
}
