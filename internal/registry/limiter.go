package registry

import (
	"fmt"
	"sync"
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

// limiter bounds how often a key (a username, an address) may mint within
// a fixed window. It lives in memory: with several replicas each enforces
// its own share, which the README states.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	counts map[string]*windowCount
	swept  time.Time
}

type windowCount struct {
	start time.Time
	n     int
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, counts: map[string]*windowCount{}}
}

// allow counts one event for every key and refuses when any key is over
// its budget in the current window.
func (l *limiter) allow(now time.Time, keys ...string) error {
	if l == nil || l.max <= 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		for k, c := range l.counts {
			if now.Sub(c.start) >= l.window {
				delete(l.counts, k)
			}
		}
		l.swept = now
	}
	var wait time.Duration
	for _, k := range keys {
		c := l.counts[k]
		if c == nil || now.Sub(c.start) >= l.window {
			c = &windowCount{start: now}
			l.counts[k] = c
		}
		c.n++
		if c.n > l.max {
			if w := c.start.Add(l.window).Sub(now); w > wait {
				wait = w
			}
		}
	}
	if wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		return &RateLimitError{
			Error_:     Error{Kind: ErrRateLimited, Message: fmt.Sprintf("Too many token exchanges; try again in %d seconds.", secs)},
			RetryAfter: time.Duration(secs) * time.Second,
		}
	}
	return nil
}
