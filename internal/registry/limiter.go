package registry

import (
	"context"
	"fmt"
	"time"
)

// RateLimitError is an ErrRateLimited error that says when to retry.
type RateLimitError struct {
	Error_     Error
	RetryAfter time.Duration
}

// Error returns the user-facing message.
func (e *RateLimitError) Error() string { return e.Error_.Message }

// Unwrap exposes the kind.
func (e *RateLimitError) Unwrap() error { return &e.Error_ }

// limiter bounds how often a key (a client address, a repository) may mint
// within fixed windows aligned to the clock (10:00:00–10:00:59, ...). The
// counts live in the store, so several replicas share one budget per key.
type limiter struct {
	store  Store
	max    int
	window time.Duration
}

func newLimiter(store Store, max int, window time.Duration) *limiter {
	return &limiter{store: store, max: max, window: window}
}

// allow counts one event for key and refuses it when the key has spent its
// budget in the current window; a refusal is not counted (nor written).
func (l *limiter) allow(ctx context.Context, now time.Time, key string) error {
	if l == nil || l.max <= 0 {
		return nil
	}
	counted, err := l.store.CountEvent(ctx, key, now.Truncate(l.window).Unix(), l.max)
	if err != nil {
		return err
	}
	if counted {
		return nil
	}
	return l.refusal(now)
}

// check refuses when key has spent its budget in the current window,
// without counting: the event is counted later, by count or inside the
// transaction that completes it (see event).
func (l *limiter) check(ctx context.Context, now time.Time, key string) error {
	if l == nil || l.max <= 0 {
		return nil
	}
	n, err := l.store.EventCount(ctx, key, now.Truncate(l.window).Unix())
	if err != nil {
		return err
	}
	if n >= int64(l.max) {
		return l.refusal(now)
	}
	return nil
}

// count records an event that was checked but will not be counted by a
// transaction (a refused exchange); a full window is not an error here,
// the event having been answered already.
func (l *limiter) count(ctx context.Context, now time.Time, key string) {
	if l == nil || l.max <= 0 {
		return
	}
	l.store.CountEvent(ctx, key, now.Truncate(l.window).Unix(), l.max)
}

// event is key's counter in the current window, for a store transaction
// to count (see Mint.Counts); nil when limits are off.
func (l *limiter) event(now time.Time, key string) *RateCount {
	if l == nil || l.max <= 0 {
		return nil
	}
	return &RateCount{Key: key, WindowStart: now.Truncate(l.window).Unix(), Max: l.max}
}

// refusal is the error for a spent budget, saying when the window ends.
func (l *limiter) refusal(now time.Time) error {
	wait := now.Truncate(l.window).Add(l.window).Sub(now)
	secs := int((wait + time.Second - 1) / time.Second)
	return &RateLimitError{
		Error_:     Error{Kind: ErrRateLimited, Message: fmt.Sprintf("Too many token exchanges; try again in %d seconds.", secs)},
		RetryAfter: time.Duration(secs) * time.Second,
	}
}
