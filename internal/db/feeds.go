package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

var _ feeds.Store = (*DB)(nil)

type feedRow struct {
	ID          int64
	Name        string
	LowerName   string
	Description string
	Private     bool
	CreatedAt   time.Time

	UpstreamURL      string
	UpstreamUsername string
	UpstreamPassword string
	UpstreamAllow    string
	UpstreamDeny     string
	UpstreamMinAge   int64
	UpstreamRefresh  int64

	OwnersMayDelete bool
}

// TableName names the table gorm uses.
func (feedRow) TableName() string { return "feeds" }

func (r *feedRow) feed() feeds.Feed {
	f := feeds.Feed{ID: r.ID, Name: r.Name, Description: r.Description, Private: r.Private, CreatedAt: r.CreatedAt, OwnersMayDelete: r.OwnersMayDelete}
	if r.UpstreamURL != "" {
		f.Upstream = &feeds.Upstream{
			IndexURL: r.UpstreamURL, Username: r.UpstreamUsername, Password: r.UpstreamPassword,
			Allow: splitLines(r.UpstreamAllow), Deny: splitLines(r.UpstreamDeny),
			MinAge: time.Duration(r.UpstreamMinAge) * time.Second, Refresh: time.Duration(r.UpstreamRefresh) * time.Second,
		}
	}
	return f
}

// setUpstream stores a feed's upstream settings in the row (none: local).
func (r *feedRow) setUpstream(u *feeds.Upstream) {
	if u == nil {
		r.UpstreamURL, r.UpstreamUsername, r.UpstreamPassword, r.UpstreamAllow, r.UpstreamDeny = "", "", "", "", ""
		r.UpstreamMinAge, r.UpstreamRefresh = 0, 0
		return
	}
	r.UpstreamURL, r.UpstreamUsername, r.UpstreamPassword = u.IndexURL, u.Username, u.Password
	r.UpstreamAllow, r.UpstreamDeny = strings.Join(u.Allow, "\n"), strings.Join(u.Deny, "\n")
	r.UpstreamMinAge, r.UpstreamRefresh = int64(u.MinAge/time.Second), int64(u.Refresh/time.Second)
}

// splitLines splits a stored list, one entry per line.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

type feedGrantRow struct {
	FeedID      int64
	SubjectKind string
	SubjectID   int64
	Role        string
	CreatedAt   time.Time
}

// TableName names the table gorm uses.
func (feedGrantRow) TableName() string { return "feed_grants" }

func (r *feedGrantRow) grant() feeds.Grant {
	role, _ := feeds.ParseRole(r.Role)
	return feeds.Grant{FeedID: r.FeedID, Kind: feeds.SubjectKind(r.SubjectKind), SubjectID: r.SubjectID, Role: role, CreatedAt: r.CreatedAt}
}

// feedErr turns the registry's error kinds into the feeds package's.
func feedErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, registry.ErrNotFound):
		return fmt.Errorf("%w: %w", feeds.ErrNotFound, err)
	case errors.Is(err, registry.ErrConflict):
		return fmt.Errorf("%w: %w", feeds.ErrConflict, err)
	}
	return err
}

// CreateFeed inserts a feed, setting its ID.
func (d *DB) CreateFeed(ctx context.Context, f *feeds.Feed) error {
	row := feedRow{Name: f.Name, LowerName: strings.ToLower(f.Name), Description: f.Description, Private: f.Private, CreatedAt: f.CreatedAt.UTC(), OwnersMayDelete: f.OwnersMayDelete}
	row.setUpstream(f.Upstream)
	err := d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("create feed: %w", feedErr(mapErr(err)))
	}
	f.ID = row.ID
	return nil
}

// UpdateFeed saves a feed's description and visibility.
func (d *DB) UpdateFeed(ctx context.Context, f *feeds.Feed) error {
	return feedErr(d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		var up feedRow
		up.setUpstream(f.Upstream)
		res := tx.Model(&feedRow{}).Where("id = ?", f.ID).Updates(map[string]any{"description": f.Description, "private": f.Private, "owners_may_delete": f.OwnersMayDelete,
			"upstream_url": up.UpstreamURL, "upstream_username": up.UpstreamUsername, "upstream_password": up.UpstreamPassword,
			"upstream_allow": up.UpstreamAllow, "upstream_deny": up.UpstreamDeny, "upstream_min_age": up.UpstreamMinAge, "upstream_refresh": up.UpstreamRefresh})
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	}))
}

// ListFeeds lists every feed by name.
func (d *DB) ListFeeds(ctx context.Context) ([]feeds.Feed, error) {
	var rows []feedRow
	if err := d.gorm.WithContext(ctx).Order("lower_name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list feeds: %w", err)
	}
	out := make([]feeds.Feed, len(rows))
	for i := range rows {
		out[i] = rows[i].feed()
	}
	return out, nil
}

// FeedGrants lists a feed's grants with their subjects' names.
func (d *DB) FeedGrants(ctx context.Context, feedID int64) ([]feeds.Grant, error) {
	g := d.gorm.WithContext(ctx)
	var rows []feedGrantRow
	if err := g.Where("feed_id = ?", feedID).Order("subject_kind, subject_id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("feed grants: %w", err)
	}
	out := make([]feeds.Grant, len(rows))
	for i := range rows {
		out[i] = rows[i].grant()
		if rows[i].SubjectID != 0 {
			var a accountRow
			if err := g.Take(&a, rows[i].SubjectID).Error; err == nil {
				out[i].SubjectName = a.Name
			}
		}
	}
	return out, nil
}

// SetGrant adds or replaces a grant.
func (d *DB) SetGrant(ctx context.Context, gr feeds.Grant) error {
	row := feedGrantRow{FeedID: gr.FeedID, SubjectKind: string(gr.Kind), SubjectID: gr.SubjectID, Role: gr.Role.String(), CreatedAt: gr.CreatedAt.UTC()}
	return feedErr(mapErr(d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "feed_id"}, {Name: "subject_kind"}, {Name: "subject_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"role"}),
		}).Create(&row).Error
	})))
}

// DeleteGrant removes a grant.
func (d *DB) DeleteGrant(ctx context.Context, feedID int64, kind feeds.SubjectKind, subjectID int64) error {
	return feedErr(d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		res := tx.Where("feed_id = ? AND subject_kind = ? AND subject_id = ?", feedID, string(kind), subjectID).Delete(&feedGrantRow{})
		if res.Error == nil && res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return res.Error
	}))
}

// MovePackage puts a package in another feed; caches reload it at the
// new revision.
func (d *DB) MovePackage(ctx context.Context, lowerID string, feedID int64) error {
	return feedErr(d.tx(ctx, func(tx *gorm.DB) error {
		rev, pkg, err := changePackage(tx, lowerID)
		if err != nil {
			return err
		}
		return tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"feed_id": feedID, "revision": rev}).Error
	}))
}

// AccessData loads feeds, grants, memberships, administrators and the
// facts of every key not revoked whose user is not disabled, for the in-memory read authorisation.
func (d *DB) AccessData(ctx context.Context) (*feeds.Data, error) {
	g := d.gorm.WithContext(ctx)
	out := &feeds.Data{Memberships: map[int64][]int64{}, Keys: map[string]feeds.KeyFacts{}}
	var frows []feedRow
	if err := g.Find(&frows).Error; err != nil {
		return nil, fmt.Errorf("feeds: %w", err)
	}
	for i := range frows {
		out.Feeds = append(out.Feeds, frows[i].feed())
	}
	var grows []feedGrantRow
	if err := g.Find(&grows).Error; err != nil {
		return nil, fmt.Errorf("feed grants: %w", err)
	}
	for i := range grows {
		out.Grants = append(out.Grants, grows[i].grant())
	}
	var mrows []membershipRow
	if err := g.Find(&mrows).Error; err != nil {
		return nil, fmt.Errorf("memberships: %w", err)
	}
	for _, m := range mrows {
		out.Memberships[m.UserID] = append(out.Memberships[m.UserID], m.OrgID)
	}
	if err := g.Model(&accountRow{}).Where("is_admin = ? AND disabled_at IS NULL", true).Pluck("id", &out.Admins).Error; err != nil {
		return nil, fmt.Errorf("admins: %w", err)
	}
	var err error
	if out.Prefixes, err = listPrefixes(g); err != nil {
		return nil, err
	}
	var krows []apiKeyRow
	if err := liveKeys(g).Find(&krows).Error; err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	for _, k := range krows {
		out.Keys[k.Hash] = k.facts()
	}
	return out, nil
}

// liveKeys selects the facts of the keys that authenticate: not revoked,
// their user not disabled.
func liveKeys(g *gorm.DB) *gorm.DB {
	return g.Model(&apiKeyRow{}).Select("id", "user_id", "owner_id", "hash", "expires_at", "policy_id", "scopes").
		Where("revoked_at IS NULL AND user_id NOT IN (SELECT id FROM accounts WHERE disabled_at IS NOT NULL)")
}

// facts is what read authorisation needs of a key.
func (k apiKeyRow) facts() feeds.KeyFacts {
	sc, _ := feeds.ParseScopes([]string{k.Scopes})
	return feeds.KeyFacts{ID: k.ID, UserID: k.UserID, OwnerID: k.OwnerID, Scopes: sc, ExpiresAt: timePtr(k.ExpiresAt), Trusted: k.PolicyID.Valid}
}

// KeyFacts finds one live key by the hash of its secret (see liveKeys).
func (d *DB) KeyFacts(ctx context.Context, hash string) (feeds.KeyFacts, error) {
	var rows []apiKeyRow
	if err := liveKeys(d.gorm.WithContext(ctx)).Where("hash = ?", hash).Limit(1).Find(&rows).Error; err != nil {
		return feeds.KeyFacts{}, fmt.Errorf("key facts: %w", err)
	}
	if len(rows) == 0 {
		return feeds.KeyFacts{}, feeds.ErrNotFound
	}
	return rows[0].facts(), nil
}

// scopesOf spells a key's scopes as stored; 0 is the default scope.
func scopesOf(s feeds.Scope) string {
	if s == 0 {
		s = feeds.DefaultScope
	}
	return s.String()
}
