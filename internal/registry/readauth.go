package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
)

// ReadCredentials are what a read presented: an API key secret (the
// password of HTTP Basic, or X-NuGet-ApiKey) or a browser session secret.
type ReadCredentials struct {
	Key        string
	Session    string
	RemoteAddr string // the client, for the rate limit and the audit log
}

// readTouchEvery bounds how often a read records a key's last use: at
// most once a minute per key, through the batched Flush, so restores
// write nothing per request.
const readTouchEvery = time.Minute

// ReadAccess resolves a read's credentials to a viewer, with the access
// snapshot to decide with. A key is looked up in memory (the snapshot
// holds every live key's facts, reloaded when the feed revision moves);
// a key the snapshot does not know (minted since, perhaps on another
// replica) is looked up in the store once and remembered. A session is
// looked up as the web UI does. No credentials: the anonymous viewer.
// With credentials it brings the feed up to date first (a revoked key is
// refused by every read that starts after the revocation, within
// FeedMaxAge) and returns ctx marked so that the read's own lookups do
// not check again; the caller reads with the returned context.
// Errors: ErrUnauthenticated (unknown, revoked or expired key, ended
// session), ErrRateLimited (too many failures from the address), both
// audited without the secret.
func (s *Service) ReadAccess(ctx context.Context, cred ReadCredentials) (context.Context, *feeds.Snapshot, feeds.Viewer, error) {
	if cred.Key != "" || cred.Session != "" {
		s.Refresh(ctx)
		ctx = context.WithValue(ctx, refreshedKey{}, true)
	}
	snap, v, err := s.readAccess(ctx, cred)
	return ctx, snap, v, err
}

// readAccess is ReadAccess once the feed is fresh.
func (s *Service) readAccess(ctx context.Context, cred ReadCredentials) (*feeds.Snapshot, feeds.Viewer, error) {
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil {
		return nil, feeds.Viewer{}, err
	}
	switch {
	case cred.Key != "":
		secret := strings.TrimSpace(cred.Key)
		hash := hashSecret(secret)
		k, ok := snap.Key(hash)
		if !ok && len(secret) <= 200 {
			// A key minted after the snapshot was loaded (trusted
			// publishing mints one per CI run, on any replica) is found
			// in the store and remembered in the snapshot.
			if k, ok, err = s.feeds.LookupKey(ctx, snap, hash); err != nil {
				return nil, feeds.Viewer{}, err
			}
		}
		if !ok {
			return nil, feeds.Viewer{}, s.readRefused(ctx, cred, "unknown or revoked key",
				"The API key is not valid: it is unknown or was revoked. Use a key with the read scope as the password (wharf key add --user NAME --scope read).")
		}
		if k.ExpiresAt != nil && !s.now().Before(*k.ExpiresAt) {
			return nil, feeds.Viewer{}, s.readRefused(ctx, cred, fmt.Sprintf("expired key %d", k.ID),
				"The API key expired. Create a new key with the read scope.")
		}
		s.touchRead(k.ID)
		return snap, snap.ViewerFor(k.UserID, false, &k), nil
	case cred.Session != "":
		a, err := s.SessionUser(ctx, cred.Session)
		if errors.Is(err, ErrUnauthenticated) {
			return nil, feeds.Viewer{}, s.readRefused(ctx, cred, "ended session", "Your session has ended. Sign in again.")
		}
		if err != nil {
			return nil, feeds.Viewer{}, err
		}
		return snap, snap.ViewerFor(a.ID, a.IsAdmin, nil), nil
	}
	return snap, feeds.Viewer{}, nil
}

// ViewerOf is the viewer of a signed-in user (nil: anonymous), for the
// pages of the web UI, which resolve the session themselves.
func (s *Service) ViewerOf(ctx context.Context, a *Account) (*feeds.Snapshot, feeds.Viewer, error) {
	snap, err := s.feeds.Snapshot(ctx)
	if err != nil || a == nil {
		return snap, feeds.Viewer{}, err
	}
	return snap, snap.ViewerFor(a.ID, a.IsAdmin, nil), nil
}

// readRefused counts a failed read authentication against the client's
// address, audits it (never the secret) and returns the refusal, or the
// rate limit's once the address is over its budget.
func (s *Service) readRefused(ctx context.Context, cred ReadCredentials, why, msg string) error {
	if err := s.readLimiter.allow(ctx, s.now(), "read-auth:"+cred.RemoteAddr); err != nil {
		var rl *RateLimitError
		if errors.As(err, &rl) {
			rl.Error_.Message = fmt.Sprintf("Too many failed sign-ins from your address; try again in %d seconds.", int(rl.RetryAfter/time.Second))
		}
		return err
	}
	s.audit(ctx, &AuditEvent{Kind: "read.auth", Outcome: "rejected", Message: why, RemoteAddr: cred.RemoteAddr})
	return errorf(ErrUnauthenticated, "%s", msg)
}

// touchRead records a read key's use at most once per readTouchEvery.
func (s *Service) touchRead(id int64) {
	now := s.now()
	ns := now.UnixNano()
	// Lock-free on the hot path: every authenticated read comes here, and
	// all but one a minute per key only compare a timestamp.
	if v, ok := s.readTouched.Load(id); ok {
		last := v.(*atomic.Int64)
		prev := last.Load()
		if ns-prev < int64(readTouchEvery) || !last.CompareAndSwap(prev, ns) {
			return
		}
	} else {
		first := &atomic.Int64{}
		first.Store(ns)
		if _, loaded := s.readTouched.LoadOrStore(id, first); loaded {
			return
		}
	}
	s.keyMu.Lock()
	s.keyUse[id] = now
	s.keyMu.Unlock()
}
