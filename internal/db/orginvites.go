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

type orgInvitationRow struct {
	OrgID       int64
	UserID      int64
	Role        string
	RequestedBy sql.NullInt64
	CreatedAt   time.Time
}

// TableName names the table gorm uses.
func (orgInvitationRow) TableName() string { return "org_invitations" }

// senderAdministers is true for an org_invitations row whose sender may
// still invite: the operator (no sender), or a current admin of the
// organisation. An invitation is worth only what its sender could still
// do, as for owner_requests (see senderManages).
const senderAdministers = `(org_invitations.requested_by IS NULL OR org_invitations.requested_by IN
 (SELECT m.user_id FROM memberships m WHERE m.org_id = org_invitations.org_id AND m.role = 'admin'))`

// dropDeadOrgInvitations deletes the invitations selected by where whose
// sender is no longer an admin of the organisation, in the transaction
// that took the right away.
func dropDeadOrgInvitations(tx *gorm.DB, where string, args ...any) error {
	return tx.Exec("DELETE FROM org_invitations WHERE "+where+" AND NOT "+senderAdministers, args...).Error
}

// CreateOrgInvitation invites a user to join an organisation with a role;
// inviting again replaces the role and the sender. requestedBy 0 is the
// operator.
func (d *DB) CreateOrgInvitation(ctx context.Context, orgID, userID int64, role registry.Role, requestedBy int64, at time.Time) error {
	row := orgInvitationRow{OrgID: orgID, UserID: userID, Role: string(role), RequestedBy: sql.NullInt64{Int64: requestedBy, Valid: requestedBy != 0}, CreatedAt: at.UTC()}
	err := d.tx(ctx, func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "org_id"}, {Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"role", "requested_by", "created_at"}),
		}).Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("invite to organisation: %w", mapErr(err))
	}
	return nil
}

// OrgInvitations lists the open invitations of a user (userID > 0) or of
// an organisation (orgID > 0), oldest first, only those whose sender may
// still invite.
func (d *DB) OrgInvitations(ctx context.Context, userID, orgID int64) ([]registry.OrgInvitation, error) {
	var rows []struct {
		Org, User, Role string
		RequestedBy     sql.NullString
		CreatedAt       time.Time
	}
	q := d.gorm.WithContext(ctx).Table("org_invitations").
		Select("o.name AS org, u.name AS user, org_invitations.role, b.name AS requested_by, org_invitations.created_at").
		Joins("JOIN accounts o ON o.id = org_invitations.org_id").
		Joins("JOIN accounts u ON u.id = org_invitations.user_id").
		Joins("LEFT JOIN accounts b ON b.id = org_invitations.requested_by").
		Where(senderAdministers)
	if userID > 0 {
		q = q.Where("org_invitations.user_id = ?", userID)
	}
	if orgID > 0 {
		q = q.Where("org_invitations.org_id = ?", orgID)
	}
	if err := q.Order("org_invitations.created_at, o.lower_name, u.lower_name").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("organisation invitations: %w", err)
	}
	out := make([]registry.OrgInvitation, len(rows))
	for i, r := range rows {
		out[i] = registry.OrgInvitation{Org: r.Org, User: r.User, Role: registry.Role(r.Role), RequestedBy: r.RequestedBy.String, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AnswerOrgInvitation removes an invitation and, when accept is set, makes
// the user a member with the invited role, in one transaction. A missing
// invitation is ErrNotFound; so is, for accept, one whose sender is no
// longer an admin of the organisation, checked in the statement that uses
// it up. It returns the role accepted.
func (d *DB) AnswerOrgInvitation(ctx context.Context, orgID, userID int64, accept bool, at time.Time) (registry.Role, error) {
	var role registry.Role
	err := d.tx(ctx, func(tx *gorm.DB) error {
		q := tx.Where("org_id = ? AND user_id = ?", orgID, userID)
		if accept {
			q = q.Where(senderAdministers)
		}
		var row orgInvitationRow
		if err := q.Take(&row).Error; err != nil {
			return mapErr(err)
		}
		if err := tx.Where("org_id = ? AND user_id = ?", orgID, userID).Delete(&orgInvitationRow{}).Error; err != nil {
			return err
		}
		role = registry.Role(row.Role)
		if !accept {
			return nil
		}
		// A member already (added meanwhile) keeps their role.
		m := membershipRow{OrgID: orgID, UserID: userID, Role: row.Role, CreatedAt: at.UTC()}
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&m).Error
	})
	if err != nil {
		return "", fmt.Errorf("answer organisation invitation: %w", mapErr(err))
	}
	return role, nil
}
