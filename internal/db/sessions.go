package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/registry"
)

type identityRow struct {
	Provider  string
	Subject   string
	AccountID int64
	CreatedAt time.Time
}

// TableName names the table gorm uses.
func (identityRow) TableName() string { return "identities" }

type sessionRow struct {
	TokenHash string
	AccountID int64
	AdminAs   string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// TableName names the table gorm uses.
func (sessionRow) TableName() string { return "sessions" }

type loginLinkRow struct {
	TokenHash string
	AccountID int64
	CreatedAt time.Time
	ExpiresAt time.Time
}

// TableName names the table gorm uses.
func (loginLinkRow) TableName() string { return "login_links" }

// IdentityAccount finds the account linked to a sign-in identity.
func (d *DB) IdentityAccount(ctx context.Context, provider, subject string) (*registry.Account, error) {
	var row accountRow
	err := d.gorm.WithContext(ctx).Table("accounts").
		Joins("JOIN identities ON identities.account_id = accounts.id").
		Where("identities.provider = ? AND identities.subject = ?", provider, subject).
		Select("accounts.*").Take(&row).Error
	if err != nil {
		return nil, fmt.Errorf("identity %s/%s: %w", provider, subject, mapErr(err))
	}
	return row.account(), nil
}

// CreateUserWithIdentity inserts a user account and links the identity to
// it in one transaction; a taken name or identity is ErrConflict.
func (d *DB) CreateUserWithIdentity(ctx context.Context, a *registry.Account, provider, subject string) error {
	return d.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		row := accountRow{Name: a.Name, LowerName: strings.ToLower(a.Name), Kind: string(a.Kind), Email: a.Email, IsAdmin: a.IsAdmin, CreatedAt: a.CreatedAt.UTC()}
		if err := tx.Create(&row).Error; err != nil {
			return fmt.Errorf("create account %s: %w", a.Name, mapErr(err))
		}
		id := identityRow{Provider: provider, Subject: subject, AccountID: row.ID, CreatedAt: a.CreatedAt.UTC()}
		if err := tx.Create(&id).Error; err != nil {
			return fmt.Errorf("link identity %s/%s: %w", provider, subject, mapErr(err))
		}
		a.ID = row.ID
		return nil
	})
}

// ListAccounts lists accounts of one kind by name.
func (d *DB) ListAccounts(ctx context.Context, kind registry.AccountKind) ([]registry.Account, error) {
	var rows []accountRow
	if err := d.gorm.WithContext(ctx).Where("kind = ?", string(kind)).Order("lower_name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	out := make([]registry.Account, len(rows))
	for i := range rows {
		out[i] = *rows[i].account()
	}
	return out, nil
}

// CreateSession records a browser session by the hash of its secret.
func (d *DB) CreateSession(ctx context.Context, hash string, accountID int64, adminAs string, created, expires time.Time) error {
	row := sessionRow{TokenHash: hash, AccountID: accountID, AdminAs: adminAs, CreatedAt: created.UTC(), ExpiresAt: expires.UTC()}
	if err := d.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create session: %w", mapErr(err))
	}
	return nil
}

// SessionAccount finds the account of a session that has not expired at now.
func (d *DB) SessionAccount(ctx context.Context, hash string, now time.Time) (*registry.Account, error) {
	var sess sessionRow
	err := d.gorm.WithContext(ctx).Where("token_hash = ? AND expires_at > ?", hash, now.UTC()).Take(&sess).Error
	if err != nil {
		return nil, fmt.Errorf("session: %w", mapErr(err))
	}
	a, err := d.AccountByID(ctx, sess.AccountID)
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	a.AdminAs = sess.AdminAs
	a.SignedInAt = sess.CreatedAt
	return a, nil
}

// DeleteSession ends a session; ending one that does not exist is no error.
func (d *DB) DeleteSession(ctx context.Context, hash string) error {
	if err := d.gorm.WithContext(ctx).Where("token_hash = ?", hash).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CreateLoginLink records a single-use sign-in link by the hash of its secret.
func (d *DB) CreateLoginLink(ctx context.Context, hash string, accountID int64, created, expires time.Time) error {
	row := loginLinkRow{TokenHash: hash, AccountID: accountID, CreatedAt: created.UTC(), ExpiresAt: expires.UTC()}
	if err := d.gorm.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("create sign-in link: %w", mapErr(err))
	}
	return nil
}

// ConsumeLoginLink deletes a sign-in link and returns its account, in one
// statement so that two uses of the same link cannot both succeed. A link
// that is unknown, used or expired at now is ErrNotFound.
func (d *DB) ConsumeLoginLink(ctx context.Context, hash string, now time.Time) (*registry.Account, error) {
	var ids []int64
	err := d.gorm.WithContext(ctx).Raw(`DELETE FROM login_links WHERE token_hash = ? AND expires_at > ? RETURNING account_id`, hash, now.UTC()).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("use sign-in link: %w", err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("use sign-in link: %w", registry.ErrNotFound)
	}
	return d.AccountByID(ctx, ids[0])
}

// PurgeSessions deletes sessions and sign-in links that expired before the
// given time.
func (d *DB) PurgeSessions(ctx context.Context, before time.Time) error {
	g := d.gorm.WithContext(ctx)
	if err := g.Where("expires_at < ?", before.UTC()).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("purge sessions: %w", err)
	}
	if err := g.Where("expires_at < ?", before.UTC()).Delete(&loginLinkRow{}).Error; err != nil {
		return fmt.Errorf("purge sign-in links: %w", err)
	}
	return nil
}
