package trusttest

import (
	"sync"
	"time"
)

// Clock is a settable clock that a test shares with the code under test
// (a verifier's or a registry's Now), so expiry can be tested without
// waiting.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock stopped at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time; pass the method value as a Now option.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// With edits a claim set in place and returns it: each key/value pair sets
// a claim, a nil value deletes it.
func With(claims map[string]any, kv ...any) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(claims, kv[i].(string))
		} else {
			claims[kv[i].(string)] = kv[i+1]
		}
	}
	return claims
}
