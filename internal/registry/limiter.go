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
	start := now.Truncate(l.window)
	counted, err := l.store.CountEvent(ctx, key, start.Unix(), l.max)
	if err != nil {
		return err
	}
	if counted {
		return nil
	}
	wait := start.Add(l.window).Sub(now)
	secs := int((wait + time.Second - 1) / time.Second)
	return &RateLimitError{
		Error_:     Error{Kind: ErrRateLimited, Message: fmt.Sprintf("Too many token exchanges; try again in %d seconds.", secs)},
		RetryAfter: time.Duration(secs) * time.Second,
	}
}
