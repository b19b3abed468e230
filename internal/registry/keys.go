package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
)

// KeyPrefix starts every API key Wharf issues, so that secret scanners can
// recognise a leaked key.
const KeyPrefix = "wharf_"

// keyEncoding spells key secrets in lowercase letters and digits.
var keyEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewKey asks for an API key.
type NewKey struct {
	User        string     // the user the key acts for
	Owner       string     // the account whose packages it may push; "" = the user
	Globs       []string   // package-ID globs; empty = all of the owner's packages
	ExpiresAt   *time.Time // nil = never
	Description string
	Scopes      feeds.Scope // 0: feeds.DefaultScope (push only)
}

// CreateKey creates an API key and returns its secret, which is shown once
// and never stored. Errors: ErrNotFound (no such user, or an owner that is
// neither the user nor an organisation they administer), ErrInvalid (bad
// glob, expiry in the past).
func (s *Service) CreateKey(ctx context.Context, req NewKey) (string, *APIKey, error) {
	user, err := s.user(ctx, req.User)
	if err != nil {
		return "", nil, err
	}
	// Only an organisation's admins create its keys: a key outlives the
	// session that made it, so handing one out is managing the organisation.
	owner, err := s.administeredOwner(ctx, user, req.Owner, "keys")
	if err != nil {
		return "", nil, err
	}
	globs, err := normalizeGlobs(req.Globs)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	if req.ExpiresAt != nil && !req.ExpiresAt.After(now) {
		return "", nil, errorf(ErrInvalid, "The key's expiry must be in the future.")
	}
	secret, hash, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	k := &APIKey{
		UserID: user.ID, OwnerID: owner.ID, Description: strings.TrimSpace(req.Description),
		Hint: secret[:len(KeyPrefix)+4], Globs: globs, ExpiresAt: req.ExpiresAt, CreatedAt: now,
		Scopes: req.Scopes,
	}
	if k.Scopes == 0 {
		k.Scopes = feeds.DefaultScope
	}
	if len(k.Description) > 200 {
		return "", nil, errorf(ErrInvalid, "The key's description is longer than 200 characters.")
	}
	if err := checkText("key's description", k.Description); err != nil {
		return "", nil, err
	}
	if err := s.store.CreateKey(ctx, k, hash); err != nil {
		return "", nil, fmt.Errorf("create key for %s: %w", user.Name, err)
	}
	s.audit(ctx, &AuditEvent{Kind: "key.create", Outcome: "done", ActorID: user.ID, Subject: k.Hint + "…",
		Message: fmt.Sprintf("key %d for %s publishing for %s, scopes %s; %s", k.ID, user.Name, owner.Name, k.Scopes, k.Description)})
	return secret, k, nil
}

// Authenticate returns the key whose secret was presented. It fails with
// ErrUnauthenticated, saying why, when the key is missing, unknown, revoked,
// expired, or belongs to a disabled user.
func (s *Service) Authenticate(ctx context.Context, secret string) (*APIKey, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return nil, errorf(ErrUnauthenticated, "An API key is required: pass one with -ApiKey (NuGet.exe) or --api-key (dotnet nuget push).")
	}
	if len(secret) > 200 {
		return nil, errorf(ErrUnauthenticated, "The API key is not valid.")
	}
	k, err := s.store.KeyByHash(ctx, hashSecret(secret))
	if errors.Is(err, ErrNotFound) {
		return nil, errorf(ErrUnauthenticated, "The API key is not valid. Check that you copied it whole, or create a new one.")
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate key: %w", err)
	}
	now := s.now()
	if k.RevokedAt != nil {
		return nil, errorf(ErrUnauthenticated, "The API key %s… was revoked on %s. Create a new key.", k.Hint, k.RevokedAt.UTC().Format(time.DateOnly))
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return nil, errorf(ErrUnauthenticated, "The API key %s… expired on %s. Create a new key.", k.Hint, k.ExpiresAt.UTC().Format(time.RFC3339))
	}
	if owner, err := s.store.AccountByID(ctx, k.UserID); err != nil {
		return nil, fmt.Errorf("authenticate key: %w", err)
	} else if owner.SuspendedReason != "" {
		return nil, errorf(ErrUnauthenticated, "The API key %s… belongs to an account suspended (disabled) because it no longer satisfies this registry's sign-in rules; sign in to the web UI once you do, or ask an administrator.", k.Hint)
	} else if owner.DisabledAt != nil {
		return nil, errorf(ErrUnauthenticated, "The API key %s… belongs to a disabled account; ask an administrator.", k.Hint)
	}
	s.keyMu.Lock()
	s.keyUse[k.ID] = now
	s.keyMu.Unlock()
	return k, nil
}

// ExpiryWarning returns a sentence warning that k expires soon, or "".
func (s *Service) ExpiryWarning(k *APIKey) string {
	if k.ExpiresAt == nil || k.PolicyID != nil { // trusted-publishing keys are short-lived by design
		return ""
	}
	left := k.ExpiresAt.Sub(s.now())
	if left > 7*24*time.Hour || left <= 0 {
		return ""
	}
	if left < 48*time.Hour {
		return fmt.Sprintf("The API key %s… expires in %d hours. Create a new key before then.", k.Hint, int(math.Ceil(left.Hours())))
	}
	return fmt.Sprintf("The API key %s… expires in %d days. Create a new key before then.", k.Hint, int(math.Ceil(left.Hours()/24)))
}

// ListKeys lists a user's keys, newest first. Errors: ErrNotFound.
func (s *Service) ListKeys(ctx context.Context, userName string) ([]APIKey, error) {
	user, err := s.user(ctx, userName)
	if err != nil {
		return nil, err
	}
	return s.store.ListKeys(ctx, user.ID)
}

// RevokeKey revokes a key by ID. Errors: ErrNotFound.
func (s *Service) RevokeKey(ctx context.Context, id int64) error {
	k, err := s.store.KeyByID(ctx, id)
	if err != nil {
		return notFound(err, "There is no API key with ID %d.", id)
	}
	if k.RevokedAt != nil {
		return nil
	}
	if err := s.store.RevokeKey(ctx, id, s.now()); err != nil {
		return err
	}
	s.audit(ctx, &AuditEvent{Kind: "key.revoke", Outcome: "done", ActorID: k.UserID, Subject: k.Hint + "…", Message: fmt.Sprintf("key %d revoked", id)})
	return nil
}

// newSecret returns a fresh key secret and its hash.
func newSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	secret = KeyPrefix + keyEncoding.EncodeToString(b)
	return secret, hashSecret(secret), nil
}

// hashSecret hashes a key secret for storage and lookup. Secrets carry 256
// bits of entropy, so a fast hash is safe: there is nothing to brute-force.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// notFound turns a store's ErrNotFound into a user-facing error.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, ErrNotFound) {
		return errorf(ErrNotFound, format, args...)
	}
	return err
}
