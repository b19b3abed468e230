package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/events"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// Package loads a package with its owners and versions.
func (d *DB) Package(ctx context.Context, lowerID string) (*registry.Package, error) {
	g := d.gorm.WithContext(ctx)
	var row packageRow
	if err := g.Where("lower_name = ?", lowerID).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("package %q: %w", lowerID, mapErr(err))
	}
	pkgs, err := d.assemble(g, []packageRow{row}, "package_id = ?", row.ID)
	if err != nil {
		return nil, err
	}
	return pkgs[0], nil
}

// AllPackages loads every package with owners and versions.
// Packages are read in batches of allPackagesBatch, so the rows of one
// batch are all the load holds besides the result: reading 100,000
// versions at once held twice the feed's size in transient rows.
func (d *DB) AllPackages(ctx context.Context) ([]*registry.Package, error) {
	g := d.gorm.WithContext(ctx)
	var out []*registry.Package
	var after int64
	for {
		var rows []packageRow
		if err := g.Where("id > ?", after).Order("id").Limit(allPackagesBatch).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("all packages: %w", err)
		}
		if len(rows) == 0 {
			return out, nil
		}
		first, last := rows[0].ID, rows[len(rows)-1].ID
		pkgs, err := d.assemble(g, rows, "package_id BETWEEN ? AND ?", first, last)
		if err != nil {
			return nil, err
		}
		out = append(out, pkgs...)
		after = last
	}
}

// allPackagesBatch is how many packages AllPackages reads per query.
const allPackagesBatch = 500

// assemble loads the owners and versions of rows (selected by where) and
// builds domain packages with versions in ascending order.
func (d *DB) assemble(g *gorm.DB, rows []packageRow, where string, args ...any) ([]*registry.Package, error) {
	byID := make(map[int64]*registry.Package, len(rows))
	out := make([]*registry.Package, len(rows))
	for i, r := range rows {
		p := &registry.Package{ID: r.ID, Name: r.Name, FeedID: r.FeedID, TotalDownloads: r.TotalDownloads, Revision: r.Revision, UpdatedAt: r.UpdatedAt,
			UpstreamCheckedAt: timePtr(r.UpstreamCheckedAt)}
		byID[r.ID], out[i] = p, p
	}
	var links []packageOwnerRow
	if err := g.Where(where, args...).Order("created_at, account_id").Find(&links).Error; err != nil {
		return nil, fmt.Errorf("package owners: %w", err)
	}
	accounts := map[int64]*registry.Account{}
	var ids []int64
	for _, l := range links {
		if _, ok := accounts[l.AccountID]; !ok {
			accounts[l.AccountID] = nil
			ids = append(ids, l.AccountID)
		}
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		var rows []accountRow
		if err := g.Where("id IN ?", batch).Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("package owners: %w", err)
		}
		for i := range rows {
			accounts[rows[i].ID] = rows[i].account()
		}
	}
	for _, l := range links {
		if p, a := byID[l.PackageID], accounts[l.AccountID]; p != nil && a != nil {
			p.Owners = append(p.Owners, *a)
		}
	}
	var versions []packageVersionRow
	if err := g.Where(where, args...).Find(&versions).Error; err != nil {
		return nil, fmt.Errorf("package versions: %w", err)
	}
	counts := make(map[int64]int, len(rows))
	for i := range versions {
		counts[versions[i].PackageID]++
	}
	for id, n := range counts {
		if p := byID[id]; p != nil {
			p.Versions = make([]registry.PackageVersion, 0, n) // no slack from growing by append
		}
	}
	shared := metadataCache{}
	for i := range versions {
		p := byID[versions[i].PackageID]
		if p == nil {
			continue
		}
		v, err := versions[i].version(shared)
		if err != nil {
			return nil, err
		}
		p.Versions = append(p.Versions, v)
	}
	for _, p := range out {
		sortVersions(p.Versions)
	}
	if err := attachAdvisories(g, out); err != nil {
		return nil, err
	}
	return out, nil
}

// metadataCache shares one decoded Metadata between the versions whose
// stored metadata is byte for byte the same, as most versions of a package
// are (same description, authors, tags, dependencies): snapshots are
// immutable, so they can share strings and slices, and the feed takes a
// fraction of the memory.
type metadataCache map[string]*registry.Metadata

func (r *packageVersionRow) version(shared metadataCache) (registry.PackageVersion, error) {
	v, err := nuget.ParseVersion(r.OriginalVersion)
	if err != nil {
		return registry.PackageVersion{}, fmt.Errorf("stored version %d %q: %w", r.ID, r.OriginalVersion, err)
	}
	pv := registry.PackageVersion{
		ID: r.ID, PackageID: r.PackageID, Version: v, OriginalVersion: r.OriginalVersion, Listed: r.Listed,
		Published: r.Published, Size: r.Size, SHA512: r.SHA512, BlobPrefix: r.BlobPrefix,
		Downloads: r.Downloads, PushedBy: r.PushedBy.Int64,
		UpstreamContentURL: r.UpstreamContentURL, UpstreamCatalogURL: r.UpstreamCatalogURL,
		PinnedBy: r.PinnedBy,
	}
	if r.PinnedAt.Valid {
		pv.PinnedAt = &r.PinnedAt.Time
	}
	if r.LastDownloadAt.Valid {
		pv.LastDownload = &r.LastDownloadAt.Time
	}
	if m, ok := shared[r.Metadata]; ok {
		pv.Metadata = m
	} else {
		pv.Metadata = &registry.Metadata{}
		if err := json.Unmarshal([]byte(r.Metadata), pv.Metadata); err != nil {
			return registry.PackageVersion{}, fmt.Errorf("stored metadata of version %d: %w", r.ID, err)
		}
		internMetadata(pv.Metadata)
		shared[r.Metadata] = pv.Metadata
	}
	if r.Deprecation != "" {
		pv.Deprecation = &nuget.Deprecation{}
		if err := json.Unmarshal([]byte(r.Deprecation), pv.Deprecation); err != nil {
			return registry.PackageVersion{}, fmt.Errorf("stored deprecation of version %d: %w", r.ID, err)
		}
	}
	if r.Provenance != "" {
		pv.Provenance = &registry.Provenance{}
		if err := json.Unmarshal([]byte(r.Provenance), pv.Provenance); err != nil {
			return registry.PackageVersion{}, fmt.Errorf("stored provenance of version %d: %w", r.ID, err)
		}
	}
	return pv, nil
}

// InsertVersion adds a version, creating the package owned by ownerID in
// feed feedID when the ID is new, in one transaction. v.Published, the
// push's moment on the registry's clock, dates the rows it creates.
func (d *DB) InsertVersion(ctx context.Context, name string, ownerID, feedID int64, v *registry.PackageVersion) error {
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
	// The push's moment on the registry's clock, as every other row the
	// registry writes: never the wall clock here and the injected one
	// beside it.
	return d.tx(ctx, func(tx *gorm.DB) error {
		return insertVersionTx(tx, events.Pushed, 0, name, ownerID, feedID, v, meta, prov)
	})
}

// insertVersionTx is InsertVersion inside tx, with the version's metadata
// and provenance already encoded, writing the event kind (pushed, or
// promoted) with actor as who made it (0: who pushed the version, or its
// owner); promotion of a staged package runs it in the transaction that
// also removes the staged row.
func insertVersionTx(tx *gorm.DB, kind events.Kind, actor int64, name string, ownerID, feedID int64, v *registry.PackageVersion, meta, prov []byte) error {
	now := v.Published.UTC()
	{
		rev, err := bumpRevision(tx)
		if err != nil {
			return err
		}
		// After the revision's row lock, so a delete committed a moment
		// ago is seen: a tombstone is final on every replica.
		if err := checkTombstone(tx, strings.ToLower(name), v.Version.Lower()); err != nil {
			return err
		}
		if err := checkHeld(tx, strings.ToLower(name), v.Version.Lower()); err != nil {
			return err
		}
		var pkg packageRow
		err = tx.Where("lower_name = ?", strings.ToLower(name)).Take(&pkg).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			pkg = packageRow{Name: name, LowerName: strings.ToLower(name), Revision: rev, CreatedAt: now, UpdatedAt: now, FeedID: feedID}
			if err := tx.Create(&pkg).Error; err != nil {
				return mapErr(err)
			}
			if err := tx.Create(&packageOwnerRow{PackageID: pkg.ID, AccountID: ownerID, CreatedAt: now}).Error; err != nil {
				return mapErr(err)
			}
		case err != nil:
			return err
		default:
			var n int64
			if err := tx.Model(&packageOwnerRow{}).Where("package_id = ? AND account_id = ?", pkg.ID, ownerID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return registry.ErrForbidden
			}
			if err := tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"revision": rev, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		row := packageVersionRow{
			PackageID: pkg.ID, Version: v.Version.String(), LowerVersion: v.Version.Lower(), OriginalVersion: v.OriginalVersion,
			Listed: v.Listed, Prerelease: v.Version.IsPrerelease(), SemVer2: v.IsSemVer2(), Published: v.Published.UTC(),
			Size: v.Size, SHA512: v.SHA512, BlobPrefix: v.BlobPrefix, PushedBy: sql.NullInt64{Int64: v.PushedBy, Valid: v.PushedBy != 0},
			Metadata: string(meta), CreatedAt: now, Provenance: string(prov),
		}
		if err := tx.Create(&row).Error; err != nil {
			return mapErr(err)
		}
		v.ID, v.PackageID = row.ID, pkg.ID
		if actor == 0 {
			actor = v.PushedBy
		}
		if actor == 0 {
			actor = ownerID
		}
		return emitPackage(tx, kind, &pkg, []string{v.Version.String()}, actor, now, "")
	}
}

// SetListed lists or unlists a version if ownerID owns the package.
func (d *DB) SetListed(ctx context.Context, lowerID, lowerVersion string, ownerID int64, listed bool, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		rev, err := bumpRevision(tx)
		if err != nil {
			return err
		}
		var pkg packageRow
		if err := tx.Where("lower_name = ?", lowerID).Take(&pkg).Error; err != nil {
			return mapErr(err)
		}
		var owners int64
		if err := tx.Model(&packageOwnerRow{}).Where("package_id = ? AND account_id = ?", pkg.ID, ownerID).Count(&owners).Error; err != nil {
			return err
		}
		if owners == 0 && ownerID != 0 { // 0: the operator (retention)
			return registry.ErrForbidden
		}
		res := tx.Model(&packageVersionRow{}).Where("package_id = ? AND lower_version = ?", pkg.ID, lowerVersion).Update("listed", listed)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		if err := tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"revision": rev, "updated_at": at.UTC()}).Error; err != nil {
			return err
		}
		var shown []string
		if err := tx.Model(&packageVersionRow{}).Where("package_id = ? AND lower_version = ?", pkg.ID, lowerVersion).Pluck("version", &shown).Error; err != nil {
			return err
		}
		kind := events.Unlisted
		if listed {
			kind = events.Relisted
		}
		return emitPackage(tx, kind, &pkg, shown, ownerID, at, "")
	})
}

// AddDownloads adds download counts to versions and their packages, and
// records day as the last download day of the versions in fresh, in the
// same statement (retention reads it; the registry passes each version
// at most once a day). Counts
// do not bump the feed revision: caches may show them a little late.
// Versions are updated in version-ID order and then packages in
// package-ID order, so replicas flushing at once take their locks in the
// same order and cannot deadlock.
func (d *DB) AddDownloads(ctx context.Context, counts map[int64]int64, day time.Time, fresh map[int64]bool) error {
	ids := make([]int64, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return d.tx(ctx, func(tx *gorm.DB) error {
		var owners []struct{ ID, PackageID int64 }
		if err := tx.Model(&packageVersionRow{}).Select("id, package_id").Where("id IN ?", ids).Scan(&owners).Error; err != nil {
			return err
		}
		perPackage := map[int64]int64{}
		for _, o := range owners {
			perPackage[o.PackageID] += counts[o.ID]
		}
		for _, id := range ids {
			q, args := `UPDATE package_versions SET downloads = downloads + ? WHERE id = ?`, []any{counts[id], id}
			if fresh[id] {
				q, args = `UPDATE package_versions SET downloads = downloads + ?, last_download_at = ? WHERE id = ?`, []any{counts[id], day.UTC(), id}
			}
			if err := tx.Exec(q, args...).Error; err != nil {
				return err
			}
		}
		pkgs := make([]int64, 0, len(perPackage))
		for id := range perPackage {
			pkgs = append(pkgs, id)
		}
		slices.Sort(pkgs)
		for _, id := range pkgs {
			if err := tx.Exec(`UPDATE packages SET total_downloads = total_downloads + ? WHERE id = ?`, perPackage[id], id).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

// BlobPrefixes calls fn with every version's, every symbol package's and
// every staged or held package's blob prefix.
func (d *DB) BlobPrefixes(ctx context.Context, fn func(string) error) error {
	rows, err := d.gorm.WithContext(ctx).Raw("SELECT blob_prefix FROM package_versions UNION ALL SELECT blob_prefix FROM symbol_packages UNION ALL SELECT blob_prefix FROM staged_packages UNION ALL SELECT blob_prefix FROM held_versions").Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Changes returns the packages changed after revision rev and the current
// feed revision.
func (d *DB) Changes(ctx context.Context, rev int64) ([]string, int64, error) {
	g := d.gorm.WithContext(ctx)
	var cur int64
	if err := g.Raw(`SELECT revision FROM feed_state WHERE id = 1`).Scan(&cur).Error; err != nil {
		return nil, 0, fmt.Errorf("feed revision: %w", err)
	}
	if cur <= rev {
		return nil, cur, nil
	}
	var ids []string
	if err := g.Model(&packageRow{}).Where("revision > ? AND revision <= ?", rev, cur).Pluck("lower_name", &ids).Error; err != nil {
		return nil, 0, fmt.Errorf("changed packages: %w", err)
	}
	// A package whose last version was deleted has no row left: its
	// tombstone carries the revision instead.
	var gone []string
	if err := g.Model(&tombstoneRow{}).Where("revision > ? AND revision <= ?", rev, cur).Pluck("lower_id", &gone).Error; err != nil {
		return nil, 0, fmt.Errorf("deleted versions: %w", err)
	}
	for _, id := range gone {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, cur, nil
}

// bumpRevision increments the feed revision inside tx and returns it.
// Every transaction that changes the feed calls it first: the update locks
// the one feed_state row until commit, so on PostgreSQL such transactions
// run one at a time, exactly as BEGIN IMMEDIATE makes them on SQLite, and
// revisions become visible in the order they were taken (Changes relies on
// that).
// changePackage starts a change of a package inside tx: it takes the next
// feed revision (which orders concurrent changes) and loads the package.
func changePackage(tx *gorm.DB, lowerID string) (int64, *packageRow, error) {
	rev, err := bumpRevision(tx)
	if err != nil {
		return 0, nil, err
	}
	var pkg packageRow
	if err := tx.Where("lower_name = ?", lowerID).Take(&pkg).Error; err != nil {
		return 0, nil, mapErr(err)
	}
	return rev, &pkg, nil
}

func bumpRevision(tx *gorm.DB) (int64, error) {
	var rev int64
	err := tx.Raw(`UPDATE feed_state SET revision = revision + 1 WHERE id = 1 RETURNING revision`).Scan(&rev).Error
	return rev, err
}

func sortVersions(vs []registry.PackageVersion) {
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Version.Compare(vs[j].Version) < 0 })
}

// SetOwner adds or removes an owner of a package. Removing the last owner
// is ErrConflict, checked inside the transaction so that two concurrent
// removals cannot leave a package without owners.
func (d *DB) SetOwner(ctx context.Context, lowerID string, accountID int64, owner bool, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		rev, pkg, err := changePackage(tx, lowerID)
		if err != nil {
			return err
		}
		if owner {
			err = tx.Create(&packageOwnerRow{PackageID: pkg.ID, AccountID: accountID, CreatedAt: at.UTC()}).Error
		} else {
			var n int64
			if err := tx.Model(&packageOwnerRow{}).Where("package_id = ? AND account_id <> ?", pkg.ID, accountID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("remove the last owner of %s: %w", pkg.Name, registry.ErrConflict)
			}
			err = tx.Where("package_id = ? AND account_id = ?", pkg.ID, accountID).Delete(&packageOwnerRow{}).Error
			if err == nil {
				err = dropDeadOwnerRequests(tx, "package_id = ?", pkg.ID)
			}
		}
		if err != nil {
			return mapErr(err)
		}
		return tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"revision": rev, "updated_at": at.UTC()}).Error
	})
}
