package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wharf-registry/wharf/internal/registry"
)

// errDryRun rolls back a removal that only lists what the user holds.
var errDryRun = errors.New("dry run")

// RemoveAccount removes a user in one transaction (see
// registry.Store.RemoveAccount): it lists what only the user holds,
// refuses with ErrConflict (changing nothing) when that is not empty and
// no heir is named, or hands it to the heir; then it deletes the account,
// whose keys, sessions, identities, sign-in links, memberships, package
// ownerships and invitations go with it (ON DELETE CASCADE), and the
// user's feed grants and trust policies, and records the audit event.
func (d *DB) RemoveAccount(ctx context.Context, r *registry.Removal) error {
	err := d.tx(ctx, func(tx *gorm.DB) error {
		var acc accountRow
		if err := forUpdate(tx).Take(&acc, r.UserID).Error; err != nil {
			return mapErr(err)
		}
		if err := soleHoldings(tx, r); err != nil {
			return err
		}
		if r.DryRun {
			return errDryRun
		}
		if r.TransferTo == 0 && r.Blocked() {
			return registry.ErrConflict
		}
		rev, err := bumpRevision(tx)
		if err != nil {
			return err
		}
		at := r.At.UTC()
		// Every package the user owned changes (its owners do).
		if err := tx.Exec(`UPDATE packages SET revision = ?, updated_at = ? WHERE id IN (SELECT package_id FROM package_owners WHERE account_id = ?)`, rev, at, r.UserID).Error; err != nil {
			return err
		}
		if r.TransferTo != 0 {
			if err := transferHoldings(tx, r, at); err != nil {
				return err
			}
		} else {
			var ids []int64
			if err := tx.Model(&policyRow{}).Where("created_by = ? OR owner_id = ?", r.UserID, r.UserID).Pluck("id", &ids).Error; err != nil {
				return err
			}
			for _, id := range ids {
				if err := revokePolicyKeys(tx, id, at); err != nil {
					return err
				}
			}
			if err := tx.Where("created_by = ? OR owner_id = ?", r.UserID, r.UserID).Delete(&policyRow{}).Error; err != nil {
				return err
			}
		}
		if err := tx.Where("subject_kind = ? AND subject_id = ?", "user", r.UserID).Delete(&feedGrantRow{}).Error; err != nil {
			return err
		}
		if r.BlockSignUp {
			if err := tx.Exec(`INSERT INTO blocked_identities (provider, subject, lower_name, created_at) SELECT provider, subject, ?, ? FROM identities WHERE account_id = ?`,
				acc.LowerName, at, r.UserID).Error; err != nil {
				return err
			}
		}
		// The user's own webhooks go with them (and their outbox rows).
		if err := tx.Exec(`DELETE FROM webhook_deliveries WHERE webhook_id IN (SELECT id FROM webhooks WHERE owner_id = ?)`, r.UserID).Error; err != nil {
			return err
		}
		if err := tx.Where("owner_id = ?", r.UserID).Delete(&webhookRow{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&accountRow{}, r.UserID).Error; err != nil {
			return err
		}
		if r.Audit != nil {
			r.Audit.Message = r.Summary()
			return insertAudit(tx, r.Audit)
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	if err != nil && !errors.Is(err, registry.ErrConflict) {
		return fmt.Errorf("remove account %d: %w", r.UserID, mapErr(err))
	}
	return err
}

// soleHoldings fills what only the user holds, and their trust policies.
func soleHoldings(tx *gorm.DB, r *registry.Removal) error {
	u := r.UserID
	if err := tx.Raw(`SELECT p.name FROM packages p JOIN package_owners o ON o.package_id = p.id AND o.account_id = ?
		WHERE NOT EXISTS (SELECT 1 FROM package_owners x WHERE x.package_id = p.id AND x.account_id <> ?) ORDER BY p.lower_name`, u, u).
		Scan(&r.Packages).Error; err != nil {
		return err
	}
	if err := tx.Raw(`SELECT a.name FROM memberships m JOIN accounts a ON a.id = m.org_id WHERE m.user_id = ? AND m.role = 'admin'
		AND NOT EXISTS (SELECT 1 FROM memberships x WHERE x.org_id = m.org_id AND x.role = 'admin' AND x.user_id <> ?) ORDER BY a.lower_name`, u, u).
		Scan(&r.Orgs).Error; err != nil {
		return err
	}
	if err := tx.Raw(`SELECT f.name FROM feed_grants g JOIN feeds f ON f.id = g.feed_id WHERE g.subject_kind = 'user' AND g.subject_id = ? AND g.role = 'admin'
		AND NOT EXISTS (SELECT 1 FROM feed_grants x WHERE x.feed_id = g.feed_id AND x.role = 'admin' AND NOT (x.subject_kind = 'user' AND x.subject_id = ?)) ORDER BY f.lower_name`, u, u).
		Scan(&r.Feeds).Error; err != nil {
		return err
	}
	if err := tx.Raw(`SELECT prefix FROM reserved_prefixes WHERE owner_id = ? ORDER BY lower_prefix`, u).Scan(&r.Prefixes).Error; err != nil {
		return err
	}
	var pols []policyRow
	if err := tx.Select("id", "name").Where("created_by = ? OR owner_id = ?", u, u).Order("id").Find(&pols).Error; err != nil {
		return err
	}
	for _, p := range pols {
		r.Policies = append(r.Policies, fmt.Sprintf("%s (#%d)", p.Name, p.ID))
	}
	return nil
}

// transferHoldings hands what only the user holds, and their trust
// policies, to r.TransferTo.
func transferHoldings(tx *gorm.DB, r *registry.Removal, at time.Time) error {
	u, to := r.UserID, r.TransferTo
	if err := tx.Exec(`INSERT INTO package_owners (package_id, account_id, created_at) SELECT o.package_id, ?, ? FROM package_owners o WHERE o.account_id = ?
		AND NOT EXISTS (SELECT 1 FROM package_owners x WHERE x.package_id = o.package_id AND x.account_id <> ?)`, to, at, u, u).Error; err != nil {
		return err
	}
	var orgs []int64
	if err := tx.Raw(`SELECT m.org_id FROM memberships m WHERE m.user_id = ? AND m.role = 'admin'
		AND NOT EXISTS (SELECT 1 FROM memberships x WHERE x.org_id = m.org_id AND x.role = 'admin' AND x.user_id <> ?)`, u, u).Scan(&orgs).Error; err != nil {
		return err
	}
	for _, org := range orgs {
		row := membershipRow{OrgID: org, UserID: to, Role: string(registry.RoleAdmin), CreatedAt: at}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "org_id"}, {Name: "user_id"}}, DoUpdates: clause.AssignmentColumns([]string{"role"})}).Create(&row).Error; err != nil {
			return err
		}
	}
	var feedIDs []int64
	if err := tx.Raw(`SELECT g.feed_id FROM feed_grants g WHERE g.subject_kind = 'user' AND g.subject_id = ? AND g.role = 'admin'
		AND NOT EXISTS (SELECT 1 FROM feed_grants x WHERE x.feed_id = g.feed_id AND x.role = 'admin' AND NOT (x.subject_kind = 'user' AND x.subject_id = ?))`, u, u).Scan(&feedIDs).Error; err != nil {
		return err
	}
	for _, f := range feedIDs {
		row := feedGrantRow{FeedID: f, SubjectKind: "user", SubjectID: to, Role: "admin", CreatedAt: at}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "feed_id"}, {Name: "subject_kind"}, {Name: "subject_id"}}, DoUpdates: clause.AssignmentColumns([]string{"role"})}).Create(&row).Error; err != nil {
			return err
		}
	}
	if err := tx.Exec(`UPDATE reserved_prefixes SET owner_id = ? WHERE owner_id = ?`, to, u).Error; err != nil {
		return err
	}
	if err := tx.Exec(`UPDATE trust_policies SET owner_id = ? WHERE owner_id = ?`, to, u).Error; err != nil {
		return err
	}
	return tx.Exec(`UPDATE trust_policies SET created_by = ? WHERE created_by = ?`, to, u).Error
}

// IdentityBlocked reports whether a removed user's external identity may
// not sign up again.
func (d *DB) IdentityBlocked(ctx context.Context, provider, subject string) (bool, error) {
	var n int64
	if err := d.gorm.WithContext(ctx).Table("blocked_identities").Where("provider = ? AND subject = ?", provider, subject).Count(&n).Error; err != nil {
		return false, fmt.Errorf("blocked identity: %w", err)
	}
	return n > 0, nil
}

// UnblockIdentities lets the external identities of a removed user (by
// the name they had) sign up again and reports how many there were.
func (d *DB) UnblockIdentities(ctx context.Context, name string) (int64, error) {
	res := d.gorm.WithContext(ctx).Exec(`DELETE FROM blocked_identities WHERE lower_name = ?`, strings.ToLower(name))
	if res.Error != nil {
		return 0, fmt.Errorf("unblock %s: %w", name, res.Error)
	}
	return res.RowsAffected, nil
}

// RecordIdentityFacts stores the e-mail address and groups an identity
// signed in with, to check them against the sign-in rules when those
// change.
func (d *DB) RecordIdentityFacts(ctx context.Context, f registry.IdentityFacts) error {
	err := d.gorm.WithContext(ctx).Model(&identityRow{}).Where("provider = ? AND subject = ?", f.Provider, f.Subject).
		Updates(map[string]any{"email": f.Email, "email_verified": f.EmailVerified, "group_names": strings.Join(f.Groups, "\n"), "facts_at": f.At.UTC()}).Error
	if err != nil {
		return fmt.Errorf("record identity facts: %w", err)
	}
	return nil
}

// IdentityFactsAll lists the recorded facts of every identity that has
// signed in since they were first recorded, by account.
func (d *DB) IdentityFactsAll(ctx context.Context) ([]registry.IdentityFacts, error) {
	var rows []struct {
		Provider, Subject, Email, GroupNames string
		EmailVerified                        bool
		AccountID                            int64
		FactsAt                              time.Time
	}
	if err := d.gorm.WithContext(ctx).Raw(`SELECT provider, subject, email, email_verified, group_names, account_id, facts_at FROM identities WHERE facts_at IS NOT NULL ORDER BY account_id`).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("identity facts: %w", err)
	}
	out := make([]registry.IdentityFacts, len(rows))
	for i, r := range rows {
		out[i] = registry.IdentityFacts{Provider: r.Provider, Subject: r.Subject, AccountID: r.AccountID, Email: r.Email, EmailVerified: r.EmailVerified, At: r.FactsAt}
		if r.GroupNames != "" {
			out[i].Groups = strings.Split(r.GroupNames, "\n")
		}
	}
	return out, nil
}

// SuspendAccount suspends an account in use because the sign-in rules no
// longer let it in, ending its sessions and moving the feed revision (so
// every replica refuses its keys); an account already disabled stays as
// it is. It reports whether it suspended it.
func (d *DB) SuspendAccount(ctx context.Context, id int64, at time.Time, reason string) (bool, error) {
	done := false
	err := d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&accountRow{}).Where("id = ? AND disabled_at IS NULL", id).Updates(map[string]any{"disabled_at": at.UTC(), "suspended_reason": reason})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		done = true
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		return tx.Where("account_id = ?", id).Delete(&sessionRow{}).Error
	})
	if err != nil {
		return false, fmt.Errorf("suspend account %d: %w", id, mapErr(err))
	}
	return done, nil
}

// LiftSuspension restores an account the sign-in rules suspended (not
// one an administrator disabled) and reports whether it did.
func (d *DB) LiftSuspension(ctx context.Context, id int64) (bool, error) {
	done := false
	err := d.tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&accountRow{}).Where("id = ? AND suspended_reason <> ''", id).Updates(map[string]any{"disabled_at": nil, "suspended_reason": ""})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		done = true
		_, err := bumpRevision(tx)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("lift suspension of account %d: %w", id, mapErr(err))
	}
	return done, nil
}

// SignInRulesSeen returns the fingerprint of the sign-in rules the
// identities were last checked against ("" when never).
func (d *DB) SignInRulesSeen(ctx context.Context) (string, error) {
	return d.metaValue(ctx, "signin_rules")
}

// SetSignInRulesSeen records the fingerprint of the sign-in rules the
// identities were just checked against.
func (d *DB) SetSignInRulesSeen(ctx context.Context, fingerprint string) error {
	return d.gorm.WithContext(ctx).Exec(`INSERT INTO meta (key, value) VALUES ('signin_rules', ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, fingerprint).Error
}
