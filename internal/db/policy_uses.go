package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wharf-registry/wharf/internal/registry"
)

// repoUseRow is a row of trust_policy_repo_uses (migration 20).
type repoUseRow struct {
	ID           int64
	PolicyID     int64
	Repository   string
	RepositoryID string
	FirstUsedAt  time.Time
	JTI          string `gorm:"column:jti"`
	RunID        string
	AuditID      sql.NullInt64
}

func (repoUseRow) TableName() string { return "trust_policy_repo_uses" }

// recordRepoUse records, inside the mint's transaction, the first use of
// a repository ID under a glob policy; a later use of the same ID leaves
// the first one.
func recordRepoUse(tx *gorm.DB, m *registry.Mint) error {
	u := m.RepoUse
	if u == nil {
		return nil
	}
	row := repoUseRow{PolicyID: m.Policy.ID, Repository: u.Repository, RepositoryID: u.RepositoryID,
		FirstUsedAt: u.FirstUsedAt.UTC(), JTI: u.JTI, RunID: u.RunID}
	if m.Audit != nil && m.Audit.ID != 0 {
		row.AuditID = sql.NullInt64{Int64: m.Audit.ID, Valid: true}
	}
	err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "policy_id"}, {Name: "repository_id"}}, DoNothing: true}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("record first use of %s: %w", u.Repository, err)
	}
	return nil
}

// PolicyRepoUses lists the first use of each repository ID under a glob
// policy, oldest first.
func (d *DB) PolicyRepoUses(ctx context.Context, policyID int64) ([]registry.RepoUse, error) {
	var rows []repoUseRow
	if err := d.gorm.WithContext(ctx).Where("policy_id = ?", policyID).Order("first_used_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("repository uses of policy %d: %w", policyID, err)
	}
	out := make([]registry.RepoUse, len(rows))
	for i, r := range rows {
		out[i] = registry.RepoUse{PolicyID: r.PolicyID, Repository: r.Repository, RepositoryID: r.RepositoryID,
			FirstUsedAt: r.FirstUsedAt, JTI: r.JTI, RunID: r.RunID}
	}
	return out, nil
}
