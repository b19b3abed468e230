package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// SetMembership adds a user to an organisation or changes their role, in
// one upsert (two admins adding the same member at once both succeed).
// Demoting the organisation's last admin is ErrConflict (see keepAdmin).
// A demotion deletes the invitations to own packages that the user could
// send only as an admin.
func (d *DB) SetMembership(ctx context.Context, orgID, userID int64, role registry.Role, at time.Time) error {
	row := membershipRow{OrgID: orgID, UserID: userID, Role: string(role), CreatedAt: at.UTC()}
	err := d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil { // organisation grants follow memberships
			return err
		}
		if role != registry.RoleAdmin {
			if err := keepAdmin(tx, orgID, userID); err != nil {
				return err
			}
		}
		err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "org_id"}, {Name: "user_id"}},
			DoUpdates: clause.AssignmentColumns([]string{"role"}),
		}).Create(&row).Error
		if err != nil || role == registry.RoleAdmin {
			return err
		}
		return dropDeadInvitations(tx, userID)
	})
	if err != nil {
		return fmt.Errorf("set membership: %w", mapErr(err))
	}
	return nil
}

// RemoveMembership removes a user from an organisation, with the
// invitations to own packages that the user could send only as a member.
// Removing its last admin is ErrConflict (see keepAdmin).
func (d *DB) RemoveMembership(ctx context.Context, orgID, userID int64) error {
	err := d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		if err := keepAdmin(tx, orgID, userID); err != nil {
			return err
		}
		res := tx.Where("org_id = ? AND user_id = ?", orgID, userID).Delete(&membershipRow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return dropDeadInvitations(tx, userID)
	})
	if err != nil {
		return fmt.Errorf("remove membership: %w", err)
	}
	return nil
}

// dropDeadInvitations deletes the invitations (to own packages, to join
// organisations) that userID sent and may no longer send, in the
// transaction that took the right away.
func dropDeadInvitations(tx *gorm.DB, userID int64) error {
	if err := dropDeadOwnerRequests(tx, "requested_by = ?", userID); err != nil {
		return err
	}
	return dropDeadOrgInvitations(tx, "requested_by = ?", userID)
}

// keepAdmin refuses (ErrConflict) when userID is the only admin of the
// organisation, inside a transaction about to demote or remove them. It
// locks the organisation's account row first, so on PostgreSQL two such
// changes to one organisation take turns and the second counts what the
// first left (SQLite serialises writers already): two admins leaving at
// once cannot leave the organisation with none.
func keepAdmin(tx *gorm.DB, orgID, userID int64) error {
	var org accountRow
	if err := tx.Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).Take(&org, orgID).Error; err != nil {
		return mapErr(err)
	}
	var admins []int64
	if err := tx.Model(&membershipRow{}).Where("org_id = ? AND role = ?", orgID, string(registry.RoleAdmin)).Pluck("user_id", &admins).Error; err != nil {
		return err
	}
	if len(admins) == 1 && admins[0] == userID {
		return fmt.Errorf("the last admin of %s: %w", org.Name, registry.ErrConflict)
	}
	return nil
}

// Membership returns a user's role in an organisation.
func (d *DB) Membership(ctx context.Context, orgID, userID int64) (registry.Role, error) {
	var row membershipRow
	if err := d.gorm.WithContext(ctx).Where("org_id = ? AND user_id = ?", orgID, userID).Take(&row).Error; err != nil {
		return "", fmt.Errorf("membership: %w", mapErr(err))
	}
	return registry.Role(row.Role), nil
}

// Members lists an organisation's members by name.
func (d *DB) Members(ctx context.Context, orgID int64) ([]registry.Member, error) {
	out, err := d.memberships(ctx, "org_id = ?", orgID, func(m membershipRow) int64 { return m.UserID })
	if err != nil {
		return nil, fmt.Errorf("members of %d: %w", orgID, err)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].User.Name) < strings.ToLower(out[j].User.Name) })
	return out, nil
}

// Memberships lists a user's organisations with the user's role.
func (d *DB) Memberships(ctx context.Context, userID int64) ([]registry.Member, error) {
	out, err := d.memberships(ctx, "user_id = ?", userID, func(m membershipRow) int64 { return m.OrgID })
	if err != nil {
		return nil, fmt.Errorf("memberships of %d: %w", userID, err)
	}
	return out, nil
}

// memberships loads the membership rows selected by where and, in one more
// query, the accounts on the side that other picks.
func (d *DB) memberships(ctx context.Context, where string, id int64, other func(membershipRow) int64) ([]registry.Member, error) {
	g := d.gorm.WithContext(ctx)
	var ms []membershipRow
	if err := g.Where(where, id).Order("created_at").Find(&ms).Error; err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = other(m)
	}
	var rows []accountRow
	if err := g.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	byID := make(map[int64]*accountRow, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
	}
	out := make([]registry.Member, 0, len(ms))
	for _, m := range ms {
		if a := byID[other(m)]; a != nil {
			out = append(out, registry.Member{User: *a.account(), Role: registry.Role(m.Role)})
		}
	}
	return out, nil
}

func policyRowOf(p *trust.Policy) policyRow {
	return policyRow{
		ID: p.ID, Name: p.Name, Provider: string(p.Provider), Issuer: p.Issuer, CreatedBy: p.CreatedBy, OwnerID: p.OwnerID,
		RepoOwner: p.RepoOwner, Repository: p.Repository, RepoOwnerID: p.RepoOwnerID, RepositoryID: p.RepositoryID,
		Workflow: p.Workflow, ReusableWorkflow: p.ReusableWorkflow, Environment: p.Environment, Ref: p.Ref,
		CIConfigPath: p.CIConfigPath, Globs: strings.Join(p.Globs, "\n"), ReadOnly: p.ReadOnly, StagingOnly: p.StagingOnly, CreatedAt: p.CreatedAt.UTC(),
		PendingSince: p.PendingSince.UTC(), BoundAt: nullTime(p.BoundAt), Revision: p.Revision,
		ClaimRules: claimRulesText(p.Rules),
		IssuerName: p.IssuerName,
	}
}

func (r *policyRow) policy() trust.Policy {
	p := trust.Policy{
		ID: r.ID, Name: r.Name, Provider: trust.Provider(r.Provider), Issuer: r.Issuer, CreatedBy: r.CreatedBy, OwnerID: r.OwnerID,
		RepoOwner: r.RepoOwner, Repository: r.Repository, RepoOwnerID: r.RepoOwnerID, RepositoryID: r.RepositoryID,
		Workflow: r.Workflow, ReusableWorkflow: r.ReusableWorkflow, Environment: r.Environment, Ref: r.Ref,
		CIConfigPath: r.CIConfigPath, ReadOnly: r.ReadOnly, StagingOnly: r.StagingOnly, CreatedAt: r.CreatedAt, PendingSince: r.PendingSince, BoundAt: timePtr(r.BoundAt),
		Revision: r.Revision,
	}
	p.IssuerName = r.IssuerName
	if r.Globs != "" {
		p.Globs = strings.Split(r.Globs, "\n")
	}
	p.Rules = claimRulesOf(r.ClaimRules)
	return p
}

// CreatePolicy inserts a policy.
func (d *DB) CreatePolicy(ctx context.Context, p *trust.Policy) error {
	row := policyRowOf(p)
	row.ID = 0
	err := d.tx(ctx, func(tx *gorm.DB) error {
		row.ID = 0
		if err := tx.Create(&row).Error; err != nil {
			return mapErr(err)
		}
		return emitPolicy(tx, events.PolicyCreated, &row, p.CreatedBy, row.CreatedAt)
	})
	if err != nil {
		return fmt.Errorf("create policy: %w", err)
	}
	p.ID = row.ID
	return nil
}

// UpdatePolicy replaces a policy and revokes the keys it minted. It only
// applies to the revision the caller read, and only while the binding is
// still what the caller read, so a concurrent edit or first-use binding is
// never overwritten (ErrConflict).
func (d *DB) UpdatePolicy(ctx context.Context, p *trust.Policy, at time.Time) error {
	row := policyRowOf(p)
	row.Revision = p.Revision + 1
	// p changes only after commit: a retried transaction (deadlock) must
	// match the revision the caller read, not the one it is writing.
	err := d.tx(ctx, func(tx *gorm.DB) error {
		var cur policyRow
		if err := forUpdate(tx).Take(&cur, p.ID).Error; err != nil {
			return mapErr(err)
		}
		res := tx.Model(&policyRow{}).Where("id = ? AND revision = ?", p.ID, p.Revision).
			Select("*").Omit("id", "created_at", "created_by").Updates(&row)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return registry.ErrConflict
		}
		if err := revokePolicyKeys(tx, p.ID, at); err != nil {
			return err
		}
		row.ID = p.ID
		return emitPolicy(tx, events.PolicyChanged, &row, 0, at)
	})
	if err == nil {
		p.Revision = row.Revision
	}
	return err
}

// DeletePolicy deletes a policy and revokes its keys. The policy row is
// locked first, so a key minted concurrently is either revoked here or
// refused by MintTrustedKey.
func (d *DB) DeletePolicy(ctx context.Context, id int64, at time.Time) error {
	return d.tx(ctx, func(tx *gorm.DB) error {
		var cur policyRow
		if err := forUpdate(tx).Take(&cur, id).Error; err != nil {
			return mapErr(err)
		}
		if err := revokePolicyKeys(tx, id, at); err != nil {
			return err
		}
		res := tx.Delete(&policyRow{}, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return registry.ErrNotFound
		}
		return emitPolicy(tx, events.PolicyRemoved, &cur, 0, at)
	})
}

// emitPolicy writes, inside a change's transaction, the event of a
// change to a trust policy, for the webhooks of its owner.
func emitPolicy(tx *gorm.DB, kind events.Kind, p *policyRow, actorID int64, at time.Time) error {
	e := events.Event{Type: kind, OccurredAt: at.UTC(), ActorID: actorID, OwnerIDs: []int64{p.OwnerID},
		Policy: &events.Policy{ID: p.ID, Name: p.Name}}
	return enqueue(tx, e, 0, at)
}

// forUpdate locks the rows the query reads until the transaction ends
// (SELECT ... FOR UPDATE on PostgreSQL; SQLite's writers are serialised
// already and its driver leaves the clause out).
func forUpdate(tx *gorm.DB) *gorm.DB { return tx.Clauses(clause.Locking{Strength: "UPDATE"}) }

func revokePolicyKeys(tx *gorm.DB, policyID int64, at time.Time) error {
	if _, err := bumpRevision(tx); err != nil { // every replica's key cache forgets them
		return err
	}
	return tx.Model(&apiKeyRow{}).Where("policy_id = ? AND revoked_at IS NULL", policyID).Update("revoked_at", at.UTC()).Error
}

// Policy finds a policy by ID.
func (d *DB) Policy(ctx context.Context, id int64) (*trust.Policy, error) {
	var row policyRow
	if err := d.gorm.WithContext(ctx).Take(&row, id).Error; err != nil {
		return nil, fmt.Errorf("policy %d: %w", id, mapErr(err))
	}
	p := row.policy()
	return &p, nil
}

// Policies lists policies by creator and/or owner, oldest first.
func (d *DB) Policies(ctx context.Context, createdBy, ownerID int64) ([]trust.Policy, error) {
	q := d.gorm.WithContext(ctx).Order("id")
	if createdBy != 0 {
		q = q.Where("created_by = ?", createdBy)
	}
	if ownerID != 0 {
		q = q.Where("owner_id = ?", ownerID)
	}
	var rows []policyRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("policies: %w", err)
	}
	out := make([]trust.Policy, len(rows))
	for i := range rows {
		out[i] = rows[i].policy()
	}
	return out, nil
}

// MintTrustedKey records the token, binds the policy on first use and
// inserts the key in one transaction.
func (d *DB) MintTrustedKey(ctx context.Context, m *registry.Mint) error {
	var prov []byte
	if m.Key.Provenance != nil {
		var err error
		if prov, err = json.Marshal(m.Key.Provenance); err != nil {
			return err
		}
	}
	return d.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&usedTokenRow{Issuer: m.Issuer, JTI: m.JTI, ExpiresAt: m.TokenExpiry.UTC()}).Error; err != nil {
			if errors.Is(mapErr(err), registry.ErrConflict) {
				return registry.ErrConflict
			}
			return err
		}
		// The exchange's rate-limit counts ride in this transaction, so a
		// successful exchange writes once; a window filled meanwhile by
		// other exchanges refuses it with nothing written.
		for _, c := range m.Counts {
			counted, err := countEvent(tx, c)
			if err != nil {
				return err
			}
			if !counted {
				return registry.ErrRateLimited
			}
		}
		// Mint only from the policy as it was matched: an edit or delete
		// committed since then must not be bypassed by this key. The row
		// stays locked until commit, so an edit or delete waits for this
		// key and then revokes it.
		var cur policyRow
		err := forUpdate(tx).Take(&cur, m.Policy.ID).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && cur.Revision != m.Policy.Revision {
			return registry.ErrForbidden
		}
		if err != nil {
			return err
		}
		if m.Bind {
			// A pending policy's repository ID is '' (or '*': every repository of the owner).
			res := tx.Model(&policyRow{}).Where("id = ? AND repo_owner_id = '' AND repository_id = ?", m.Policy.ID, m.Policy.RepositoryID).
				Updates(map[string]any{"repo_owner_id": m.RepoOwnerID, "repository_id": m.RepositoryID, "bound_at": m.BoundAt.UTC(), "revision": gorm.Expr("revision + 1")})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				// Bound meanwhile by a concurrent first use: only the same IDs may proceed.
				var row policyRow
				if err := tx.Take(&row, m.Policy.ID).Error; err != nil {
					return mapErr(err)
				}
				if row.RepoOwnerID != m.RepoOwnerID || row.RepositoryID != m.RepositoryID {
					return registry.ErrForbidden
				}
			}
		}
		k := m.Key
		row := apiKeyRow{
			UserID: k.UserID, OwnerID: k.OwnerID, Hash: m.Hash, Hint: k.Hint, Description: k.Description,
			Globs: strings.Join(k.Globs, "\n"), ExpiresAt: nullTime(k.ExpiresAt), CreatedAt: k.CreatedAt.UTC(),
			PolicyID: nullID(m.Policy.ID), Provenance: string(prov), Scopes: scopesOf(k.Scopes),
		}
		// No feed revision here: reads find a key minted after their
		// access snapshot in the store (feeds.Service.LookupKey), so a
		// CI run's exchange does not make every replica reload every key.
		if err := tx.Create(&row).Error; err != nil {
			return mapErr(err)
		}
		k.ID = row.ID
		for _, e := range []*registry.AuditEvent{m.Audit, m.BindAuditEvent} {
			if e != nil {
				if err := insertAudit(tx, e); err != nil {
					return err
				}
			}
		}
		return recordRepoUse(tx, m)
	})
}

// PurgeExpired deletes expired trusted-publishing keys and used-token
// records, and rate limit counters of windows over an hour old.
func (d *DB) PurgeExpired(ctx context.Context, before time.Time) (int64, int64, error) {
	g := d.gorm.WithContext(ctx)
	keys := g.Where("policy_id IS NOT NULL AND expires_at < ?", before.UTC()).Delete(&apiKeyRow{})
	if keys.Error != nil {
		return 0, 0, fmt.Errorf("purge keys: %w", keys.Error)
	}
	tokens := g.Where("expires_at < ?", before.UTC()).Delete(&usedTokenRow{})
	if tokens.Error != nil {
		return keys.RowsAffected, 0, fmt.Errorf("purge used tokens: %w", tokens.Error)
	}
	if err := d.purgeRateWindows(ctx, before.Add(-time.Hour)); err != nil {
		return keys.RowsAffected, tokens.RowsAffected, fmt.Errorf("purge rate limit counters: %w", err)
	}
	return keys.RowsAffected, tokens.RowsAffected, nil
}

// Audit appends an event.
func (d *DB) Audit(ctx context.Context, e *registry.AuditEvent) error {
	return insertAudit(d.gorm.WithContext(ctx), e)
}

func insertAudit(g *gorm.DB, e *registry.AuditEvent) error {
	var claims []byte
	if len(e.Claims) > 0 {
		var err error
		if claims, err = json.Marshal(e.Claims); err != nil {
			return err
		}
	}
	row := auditRow{
		At: e.At.UTC(), Kind: e.Kind, Outcome: e.Outcome, ActorID: nullID(e.ActorID), PolicyID: nullID(e.PolicyID),
		Subject: e.Subject, Message: e.Message, RemoteAddr: e.RemoteAddr, Claims: string(claims),
	}
	if err := setClosest(&row, e.Closest); err != nil {
		return err
	}
	if err := g.Create(&row).Error; err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	e.ID = row.ID
	return nil
}

// AuditEvents lists the newest events first.
func (d *DB) AuditEvents(ctx context.Context, limit int) ([]registry.AuditEvent, error) {
	var rows []auditRow
	if err := d.gorm.WithContext(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("audit events: %w", err)
	}
	out := make([]registry.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = registry.AuditEvent{
			ID: r.ID, At: r.At, Kind: r.Kind, Outcome: r.Outcome, ActorID: r.ActorID.Int64, PolicyID: r.PolicyID.Int64,
			Subject: r.Subject, Message: r.Message, RemoteAddr: r.RemoteAddr,
		}
		if r.Claims != "" {
			_ = json.Unmarshal([]byte(r.Claims), &out[i].Claims)
		}
		out[i].Closest = closestOf(r.Closest)
	}
	return out, nil
}
