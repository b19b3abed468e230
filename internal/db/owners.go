package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/registry"
)

type ownerRequestRow struct {
	PackageID   int64
	AccountID   int64
	RequestedBy int64
	CreatedAt   time.Time
}

// TableName names the table gorm uses.
func (ownerRequestRow) TableName() string { return "owner_requests" }

// senderManages is true for an owner_requests row whose sender may still
// change the owners of its package: an owner of it, or an admin of an
// organisation that owns it. An invitation is worth only what its sender
// could still do, so one whose sender lost that right is never listed
// nor accepted, and is deleted when the right goes.
const senderManages = `(owner_requests.requested_by IN (SELECT po.account_id FROM package_owners po WHERE po.package_id = owner_requests.package_id)
 OR owner_requests.requested_by IN (SELECT m.user_id FROM memberships m JOIN package_owners po ON po.account_id = m.org_id
   WHERE po.package_id = owner_requests.package_id AND m.role = 'admin'))`

// dropDeadOwnerRequests deletes the invitations selected by where (a
// condition on owner_requests) whose sender no longer manages the package,
// in the transaction that took the right away.
func dropDeadOwnerRequests(tx *gorm.DB, where string, args ...any) error {
	return tx.Exec("DELETE FROM owner_requests WHERE "+where+" AND NOT "+senderManages, args...).Error
}

// CreateOwnerRequest invites an account to own a package; an invitation
// that exists already is ErrConflict, an unknown package ErrNotFound.
func (d *DB) CreateOwnerRequest(ctx context.Context, lowerID string, accountID, requestedBy int64, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		var pkg packageRow
		if err := tx.Where("lower_name = ?", lowerID).Take(&pkg).Error; err != nil {
			return mapErr(err)
		}
		if err := dropDeadOwnerRequests(tx, "package_id = ?", pkg.ID); err != nil {
			return err
		}
		row := ownerRequestRow{PackageID: pkg.ID, AccountID: accountID, RequestedBy: requestedBy, CreatedAt: at.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("invite owner of %s: %w", pkg.Name, mapErr(err))
		}
		return nil
	})
}

// OwnerRequests lists the open invitations of an account (accountID > 0)
// or of a package (lowerID != ""), oldest first.
func (d *DB) OwnerRequests(ctx context.Context, accountID int64, lowerID string) ([]registry.OwnerRequest, error) {
	var rows []struct {
		Package, Account, RequestedBy string
		CreatedAt                     time.Time
	}
	q := d.gorm.WithContext(ctx).Table("owner_requests r").
		Select("p.name AS package, a.name AS account, b.name AS requested_by, r.created_at").
		Joins("JOIN packages p ON p.id = r.package_id").
		Joins("JOIN accounts a ON a.id = r.account_id").
		Joins("JOIN accounts b ON b.id = r.requested_by").
		Where(strings.ReplaceAll(senderManages, "owner_requests.", "r."))
	if accountID > 0 {
		q = q.Where("r.account_id = ?", accountID)
	}
	if lowerID != "" {
		q = q.Where("p.lower_name = ?", lowerID)
	}
	if err := q.Order("r.created_at, p.lower_name, a.lower_name").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("owner invitations: %w", err)
	}
	out := make([]registry.OwnerRequest, len(rows))
	for i, r := range rows {
		out[i] = registry.OwnerRequest{Package: r.Package, Account: r.Account, RequestedBy: r.RequestedBy, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// AnswerOwnerRequest removes an invitation and, when accept is set, makes
// the account an owner, in one transaction. A missing invitation is
// ErrNotFound, so an invitation is used at most once; so is, for accept,
// one whose sender can no longer change the package's owners.
func (d *DB) AnswerOwnerRequest(ctx context.Context, lowerID string, accountID int64, accept bool, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		rev, pkg, err := changePackage(tx, lowerID)
		if err != nil {
			return err
		}
		q := tx.Where("package_id = ? AND account_id = ?", pkg.ID, accountID)
		if accept {
			// Only while the sender could still send it, checked in the
			// statement that uses it up.
			q = q.Where(senderManages)
		}
		res := q.Delete(&ownerRequestRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("owner invitation to %s: %w", pkg.Name, registry.ErrNotFound)
		}
		if !accept {
			return nil
		}
		var n int64
		if err := tx.Model(&packageOwnerRow{}).Where("package_id = ? AND account_id = ?", pkg.ID, accountID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			if err := tx.Create(&packageOwnerRow{PackageID: pkg.ID, AccountID: accountID, CreatedAt: at.UTC()}).Error; err != nil {
				return mapErr(err)
			}
		}
		return tx.Model(&packageRow{}).Where("id = ?", pkg.ID).Updates(map[string]any{"revision": rev, "updated_at": at.UTC()}).Error
	})
}
