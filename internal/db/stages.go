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

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// Staged releases: stage groups and their staged packages (schemaV19).

type stageGroupRow struct {
	ID         int64
	OwnerID    int64
	Slug       string
	LowerSlug  string
	Name       string
	CreatedBy  int64
	CreatedAt  time.Time
	ApprovedBy sql.NullInt64
	ApprovedAt sql.NullTime
}

// TableName names the table gorm uses.
func (stageGroupRow) TableName() string { return "stage_groups" }

type stagedPackageRow struct {
	ID              int64
	GroupID         int64
	FeedID          int64
	Name            string
	LowerID         string
	Version         string
	LowerVersion    string
	OriginalVersion string
	Size            int64
	SHA512          string `gorm:"column:sha512"`
	BlobPrefix      string
	Metadata        string
	Provenance      string
	StagedBy        int64
	KeyID           int64
	StagedAt        time.Time
}

// TableName names the table gorm uses.
func (stagedPackageRow) TableName() string { return "staged_packages" }

func (r *stageGroupRow) group() registry.StageGroup {
	g := registry.StageGroup{ID: r.ID, OwnerID: r.OwnerID, Slug: r.Slug, Name: r.Name, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, ApprovedAt: timePtr(r.ApprovedAt)}
	if r.ApprovedBy.Valid {
		id := r.ApprovedBy.Int64
		g.ApprovedBy = &id
	}
	return g
}

func (r *stagedPackageRow) staged() (registry.StagedPackage, error) {
	v, err := nuget.ParseVersion(r.OriginalVersion)
	if err != nil {
		return registry.StagedPackage{}, fmt.Errorf("staged %s %s: %w", r.Name, r.OriginalVersion, err)
	}
	p := registry.StagedPackage{ID: r.ID, GroupID: r.GroupID, FeedID: r.FeedID, Name: r.Name, Version: v,
		OriginalVersion: r.OriginalVersion, Size: r.Size, SHA512: r.SHA512, BlobPrefix: r.BlobPrefix,
		StagedBy: r.StagedBy, KeyID: r.KeyID, StagedAt: r.StagedAt, Metadata: &registry.Metadata{}}
	if err := json.Unmarshal([]byte(r.Metadata), p.Metadata); err != nil {
		return p, fmt.Errorf("staged %s %s metadata: %w", r.Name, r.OriginalVersion, err)
	}
	if r.Provenance != "" {
		p.Provenance = &registry.Provenance{}
		if err := json.Unmarshal([]byte(r.Provenance), p.Provenance); err != nil {
			return p, fmt.Errorf("staged %s %s provenance: %w", r.Name, r.OriginalVersion, err)
		}
	}
	return p, nil
}

// CreateStageGroup inserts g (ErrConflict: the owner has that slug).
func (d *DB) CreateStageGroup(ctx context.Context, g *registry.StageGroup) error {
	row := stageGroupRow{OwnerID: g.OwnerID, Slug: g.Slug, LowerSlug: strings.ToLower(g.Slug), Name: g.Name,
		CreatedBy: g.CreatedBy, CreatedAt: g.CreatedAt.UTC()}
	err := d.tx(ctx, func(tx *gorm.DB) error { return tx.Create(&row).Error })
	if err != nil {
		return fmt.Errorf("create stage group: %w", mapErr(err))
	}
	g.ID = row.ID
	return nil
}

// StageGroup finds a group by ID (ErrNotFound).
func (d *DB) StageGroup(ctx context.Context, id int64) (*registry.StageGroup, error) {
	return d.findGroup(ctx, "id = ?", id)
}

// StageGroupBySlug finds an owner's group by slug (ErrNotFound).
func (d *DB) StageGroupBySlug(ctx context.Context, ownerID int64, slug string) (*registry.StageGroup, error) {
	return d.findGroup(ctx, "owner_id = ? AND lower_slug = ?", ownerID, strings.ToLower(slug))
}

func (d *DB) findGroup(ctx context.Context, where string, args ...any) (*registry.StageGroup, error) {
	var row stageGroupRow
	if err := d.gorm.WithContext(ctx).Where(where, args...).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("stage group: %w", mapErr(err))
	}
	g := row.group()
	if err := d.countItems(ctx, []*registry.StageGroup{&g}); err != nil {
		return nil, err
	}
	return &g, nil
}

func (d *DB) countItems(ctx context.Context, gs []*registry.StageGroup) error {
	if len(gs) == 0 {
		return nil
	}
	ids := make([]int64, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	var counts []struct {
		GroupID int64
		N       int
	}
	if err := d.gorm.WithContext(ctx).Raw(`SELECT group_id, COUNT(*) AS n FROM staged_packages WHERE group_id IN ? GROUP BY group_id`, ids).Scan(&counts).Error; err != nil {
		return fmt.Errorf("count staged packages: %w", err)
	}
	for _, c := range counts {
		for _, g := range gs {
			if g.ID == c.GroupID {
				g.Items = c.N
			}
		}
	}
	return nil
}

// StageGroups lists the owners' groups (nil: every owner's) with their
// item counts, oldest first.
func (d *DB) StageGroups(ctx context.Context, ownerIDs []int64) ([]registry.StageGroup, error) {
	q := d.gorm.WithContext(ctx).Order("id")
	if ownerIDs != nil {
		q = q.Where("owner_id IN ?", ownerIDs)
	}
	var rows []stageGroupRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("stage groups: %w", err)
	}
	out := make([]registry.StageGroup, len(rows))
	ptrs := make([]*registry.StageGroup, len(rows))
	for i := range rows {
		out[i] = rows[i].group()
		ptrs[i] = &out[i]
	}
	return out, d.countItems(ctx, ptrs)
}

// RenameStageGroup sets a group's display name (ErrNotFound).
func (d *DB) RenameStageGroup(ctx context.Context, id int64, name string) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&stageGroupRow{}).Where("id = ?", id).Update("name", name)
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	})
}

// ApproveStageGroup records an approval by userID, or clears it (0).
func (d *DB) ApproveStageGroup(ctx context.Context, id, userID int64, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		set := map[string]any{"approved_by": nullID(userID), "approved_at": sql.NullTime{Time: at.UTC(), Valid: userID != 0}}
		res := tx.Model(&stageGroupRow{}).Where("id = ?", id).Updates(set)
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	})
}

// DeleteStageGroup removes a group and its staged packages, returning them.
func (d *DB) DeleteStageGroup(ctx context.Context, id int64) ([]registry.StagedPackage, error) {
	var gone []registry.StagedPackage
	err := d.tx(ctx, func(tx *gorm.DB) error {
		var rows []stagedPackageRow
		if err := tx.Where("group_id = ?", id).Find(&rows).Error; err != nil {
			return err
		}
		var err error
		if gone, err = rowsTo(rows, (*stagedPackageRow).staged); err != nil {
			return err
		}
		if err := tx.Where("group_id = ?", id).Delete(&stagedPackageRow{}).Error; err != nil {
			return err
		}
		res := tx.Where("id = ?", id).Delete(&stageGroupRow{})
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	})
	if err != nil {
		return nil, fmt.Errorf("delete stage group: %w", mapErr(err))
	}
	return gone, nil
}

// StagedPackages lists staged packages of a group, or of the owners' groups.
func (d *DB) StagedPackages(ctx context.Context, groupID int64, ownerIDs []int64) ([]registry.StagedPackage, error) {
	q := d.gorm.WithContext(ctx).Order("lower_id, id")
	switch {
	case groupID != 0:
		q = q.Where("group_id = ?", groupID)
	case len(ownerIDs) > 0:
		q = q.Where("group_id IN (SELECT id FROM stage_groups WHERE owner_id IN ?)", ownerIDs)
	default:
		return nil, nil
	}
	var rows []stagedPackageRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("staged packages: %w", err)
	}
	return rowsTo(rows, (*stagedPackageRow).staged)
}

// StagedPackage finds the staged package of an ID and version (ErrNotFound).
func (d *DB) StagedPackage(ctx context.Context, lowerID, lowerVersion string) (*registry.StagedPackage, error) {
	var row stagedPackageRow
	if err := d.gorm.WithContext(ctx).Where("lower_id = ? AND lower_version = ?", lowerID, lowerVersion).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("staged package: %w", mapErr(err))
	}
	p, err := row.staged()
	return &p, err
}

// PutStagedPackage stages p, replacing the staged package of the same
// coordinates, which it returns. The version must not be in the feed nor
// carry a tombstone (ErrConflict), checked after the feed revision's lock.
func (d *DB) PutStagedPackage(ctx context.Context, p *registry.StagedPackage) (*registry.StagedPackage, error) {
	meta, err := json.Marshal(p.Metadata)
	if err != nil {
		return nil, err
	}
	var prov []byte
	if p.Provenance != nil {
		if prov, err = json.Marshal(p.Provenance); err != nil {
			return nil, err
		}
	}
	lowerID, lowerVer := strings.ToLower(p.Name), p.Version.Lower()
	var replaced *registry.StagedPackage
	err = d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil { // serialises with pushes and deletes
			return err
		}
		if err := checkTombstone(tx, lowerID, lowerVer); err != nil {
			return err
		}
		var n int64
		if err := tx.Raw(`SELECT COUNT(*) FROM package_versions v JOIN packages p ON p.id = v.package_id WHERE p.lower_name = ? AND v.lower_version = ?`, lowerID, lowerVer).Scan(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return registry.ErrConflict
		}
		var old stagedPackageRow
		switch err := tx.Where("lower_id = ? AND lower_version = ?", lowerID, lowerVer).Take(&old).Error; {
		case err == nil:
			o, err := old.staged()
			if err != nil {
				return err
			}
			replaced = &o
			if err := tx.Delete(&stagedPackageRow{}, old.ID).Error; err != nil {
				return err
			}
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		row := stagedPackageRow{GroupID: p.GroupID, FeedID: p.FeedID, Name: p.Name, LowerID: lowerID, Version: p.Version.String(),
			LowerVersion: lowerVer, OriginalVersion: p.OriginalVersion, Size: p.Size, SHA512: p.SHA512, BlobPrefix: p.BlobPrefix,
			Metadata: string(meta), Provenance: string(prov), StagedBy: p.StagedBy, KeyID: p.KeyID, StagedAt: p.StagedAt.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return mapErr(err)
		}
		p.ID = row.ID
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("stage %s %s: %w", p.Name, p.Version, err)
	}
	return replaced, nil
}

// MoveStagedPackage puts a staged package in another group.
func (d *DB) MoveStagedPackage(ctx context.Context, id, groupID int64) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&stagedPackageRow{}).Where("id = ?", id).Update("group_id", groupID)
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	})
}

// DeleteStagedPackage removes a staged package's row (ErrNotFound).
func (d *DB) DeleteStagedPackage(ctx context.Context, id int64) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Delete(&stagedPackageRow{}, id)
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	})
}

// PromoteStaged inserts every vs[i] as InsertVersion does and removes
// the staged rows ps[i], all in one transaction whose outbox gets a
// promoted event per version, with promoterID as its actor: a release is
// never half out. On an error nothing changed, and failed is the index of
// the package that could not join its feed (-1: none in particular).
func (d *DB) PromoteStaged(ctx context.Context, ps []registry.StagedPackage, ownerID, promoterID int64, vs []*registry.PackageVersion) (failed int, err error) {
	metas, provs := make([][]byte, len(vs)), make([][]byte, len(vs))
	for i, v := range vs {
		if metas[i], err = json.Marshal(v.Metadata); err != nil {
			return -1, err
		}
		if v.Provenance != nil {
			if provs[i], err = json.Marshal(v.Provenance); err != nil {
				return -1, err
			}
		}
	}
	failed = -1
	err = d.tx(ctx, func(tx *gorm.DB) error {
		for i := range ps {
			failed = i
			res := tx.Delete(&stagedPackageRow{}, ps[i].ID)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return registry.ErrNotFound
			}
			if err := insertVersionTx(tx, events.Promoted, promoterID, ps[i].Name, ownerID, ps[i].FeedID, vs[i], metas[i], provs[i]); err != nil {
				return err
			}
		}
		failed = -1
		return nil
	})
	return failed, err
}

// TwoPeople reports whether an owner requires two people to promote.
func (d *DB) TwoPeople(ctx context.Context, ownerID int64) (bool, error) {
	var on bool
	if err := d.gorm.WithContext(ctx).Raw(`SELECT promote_two_people FROM accounts WHERE id = ?`, ownerID).Scan(&on).Error; err != nil {
		return false, fmt.Errorf("two-people setting: %w", err)
	}
	return on, nil
}

// SetTwoPeople stores whether an owner requires two people to promote.
func (d *DB) SetTwoPeople(ctx context.Context, ownerID int64, on bool) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE accounts SET promote_two_people = ? WHERE id = ?`, on, ownerID).Error
	})
}
