package db

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

// CreateAccount inserts an account; a taken name is ErrConflict.
func (d *DB) CreateAccount(ctx context.Context, a *registry.Account) error {
	row := accountRow{Name: a.Name, LowerName: strings.ToLower(a.Name), Kind: string(a.Kind), Email: a.Email, IsAdmin: a.IsAdmin, CreatedAt: a.CreatedAt.UTC()}
	if err := d.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create account %s: %w", a.Name, mapErr(err))
	}
	a.ID = row.ID
	return nil
}

// AccountByName finds an account by case-insensitive name.
func (d *DB) AccountByName(ctx context.Context, name string) (*registry.Account, error) {
	var row accountRow
	if err := d.gorm.WithContext(ctx).Where("lower_name = ?", strings.ToLower(name)).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("account %q: %w", name, mapErr(err))
	}
	return row.account(), nil
}

// AccountByID finds an account by ID.
func (d *DB) AccountByID(ctx context.Context, id int64) (*registry.Account, error) {
	var row accountRow
	if err := d.gorm.WithContext(ctx).Take(&row, id).Error; err != nil {
		return nil, fmt.Errorf("account %d: %w", id, mapErr(err))
	}
	return row.account(), nil
}

func (r *accountRow) account() *registry.Account {
	return &registry.Account{ID: r.ID, Name: r.Name, Kind: registry.AccountKind(r.Kind), Email: r.Email, IsAdmin: r.IsAdmin, CreatedAt: r.CreatedAt, DisabledAt: timePtr(r.DisabledAt), SuspendedReason: r.SuspendedReason}
}

// SetAccountDisabled suspends an account (at set) or restores it (nil),
// and forgets why the sign-in rules suspended it, if they did: an
// administrator's decision replaces theirs. Suspending deletes its sessions; both move the feed revision in the same
// transaction, so that every replica reloads its key facts, which leave
// out a disabled user's keys.
func (d *DB) SetAccountDisabled(ctx context.Context, id int64, at *time.Time) error {
	err := d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		if err := tx.Model(&accountRow{}).Where("id = ?", id).Updates(map[string]any{"disabled_at": nullTime(at), "suspended_reason": ""}).Error; err != nil {
			return err
		}
		if at == nil {
			return nil
		}
		return tx.Where("account_id = ?", id).Delete(&sessionRow{}).Error
	})
	if err != nil {
		return fmt.Errorf("set account %d disabled: %w", id, mapErr(err))
	}
	return nil
}

// SetAccountAdmin stores an account's administrator flag and moves the
// feed revision (administrators read every feed).
func (d *DB) SetAccountAdmin(ctx context.Context, id int64, admin bool) error {
	err := d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		return tx.Model(&accountRow{}).Where("id = ?", id).Update("is_admin", admin).Error
	})
	if err != nil {
		return fmt.Errorf("set account %d admin: %w", id, mapErr(err))
	}
	return nil
}

// CreateKey inserts a key with the hash of its secret.
func (d *DB) CreateKey(ctx context.Context, k *registry.APIKey, hash string) error {
	row := apiKeyRow{
		UserID: k.UserID, OwnerID: k.OwnerID, Hash: hash, Hint: k.Hint, Description: k.Description,
		Globs: strings.Join(k.Globs, "\n"), ExpiresAt: nullTime(k.ExpiresAt), CreatedAt: k.CreatedAt.UTC(),
		Scopes: scopesOf(k.Scopes),
	}
	// The key cache of every replica reloads at the next feed revision.
	err := d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil {
			return err
		}
		return tx.Omit("PolicyID", "Provenance").Create(&row).Error
	})
	if err != nil {
		return fmt.Errorf("create key: %w", mapErr(err))
	}
	k.ID = row.ID
	return nil
}

// KeyByHash finds a key by the hash of its secret.
func (d *DB) KeyByHash(ctx context.Context, hash string) (*registry.APIKey, error) {
	var row apiKeyRow
	if err := d.gorm.WithContext(ctx).Where("hash = ?", hash).Take(&row).Error; err != nil {
		return nil, fmt.Errorf("key by hash: %w", mapErr(err))
	}
	return row.key(), nil
}

// KeyByID finds a key by ID.
func (d *DB) KeyByID(ctx context.Context, id int64) (*registry.APIKey, error) {
	var row apiKeyRow
	if err := d.gorm.WithContext(ctx).Take(&row, id).Error; err != nil {
		return nil, fmt.Errorf("key %d: %w", id, mapErr(err))
	}
	return row.key(), nil
}

// ListKeys lists a user's keys, newest first.
func (d *DB) ListKeys(ctx context.Context, userID int64) ([]registry.APIKey, error) {
	var rows []apiKeyRow
	if err := d.gorm.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	keys := make([]registry.APIKey, len(rows))
	for i := range rows {
		keys[i] = *rows[i].key()
	}
	return keys, nil
}

// RevokeKey marks a key revoked.
func (d *DB) RevokeKey(ctx context.Context, id int64, at time.Time) error {
	err := d.tx(ctx, func(tx *gorm.DB) error {
		if _, err := bumpRevision(tx); err != nil { // every replica's key cache forgets it
			return err
		}
		return tx.Model(&apiKeyRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", at.UTC()).Error
	})
	if err != nil {
		return fmt.Errorf("revoke key %d: %w", id, err)
	}
	return nil
}

// TouchKeys records when keys were last used.
func (d *DB) TouchKeys(ctx context.Context, used map[int64]time.Time) error {
	for id, at := range used {
		if err := d.gorm.WithContext(ctx).Model(&apiKeyRow{}).Where("id = ?", id).Update("last_used_at", at.UTC()).Error; err != nil {
			return fmt.Errorf("touch key %d: %w", id, err)
		}
	}
	return nil
}

func (r *apiKeyRow) key() *registry.APIKey {
	k := &registry.APIKey{
		ID: r.ID, UserID: r.UserID, OwnerID: r.OwnerID, Hint: r.Hint, Description: r.Description,
		ExpiresAt: timePtr(r.ExpiresAt), RevokedAt: timePtr(r.RevokedAt), LastUsedAt: timePtr(r.LastUsedAt), CreatedAt: r.CreatedAt,
	}
	k.Scopes, _ = feeds.ParseScopes([]string{r.Scopes})
	if r.Globs != "" {
		k.Globs = strings.Split(r.Globs, "\n")
	}
	if r.PolicyID.Valid {
		id := r.PolicyID.Int64
		k.PolicyID = &id
	}
	if r.Provenance != "" {
		k.Provenance = &registry.Provenance{}
		if err := json.Unmarshal([]byte(r.Provenance), k.Provenance); err != nil {
			k.Provenance = nil
		}
	}
	return k
}
