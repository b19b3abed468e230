package registry

import (
	"context"
	"sync"
	"time"
)

// checker makes reads see every change committed before they started, on
// any replica, without a database query per read: a read that needs a
// fresh snapshot waits for the next round of feed revision checks, and
// every read that arrives while one round runs shares the round after it.
// A round is one indexed single-row query when nothing changed, so the
// database sees at most one such query in flight per process however busy
// the feed is, and each read waits at most about two round trips.
type checker struct {
	mu      sync.Mutex
	running bool
	waiters []chan error
	last    time.Time // when the last successful round started
}

// fresh returns once the snapshot reflects the feed as it was when fresh
// was called, or at most maxAge old (0: exactly; negative: no check). An
// unreachable database is reported within about two seconds; callers then
// serve the snapshot they have.
func (c *catalog) fresh(ctx context.Context, maxAge time.Duration) error {
	if maxAge < 0 {
		return nil
	}
	k := &c.check
	k.mu.Lock()
	if maxAge > 0 && time.Since(k.last) < maxAge {
		k.mu.Unlock()
		return nil
	}
	ch := make(chan error, 1)
	k.waiters = append(k.waiters, ch)
	if !k.running {
		k.running = true
		go c.checkRounds()
	}
	k.mu.Unlock()
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// checkRounds runs rounds while reads wait for one.
func (c *catalog) checkRounds() {
	k := &c.check
	for {
		k.mu.Lock()
		waiters := k.waiters
		k.waiters = nil
		if len(waiters) == 0 {
			k.running = false
			k.mu.Unlock()
			return
		}
		k.mu.Unlock()
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := c.sync(ctx)
		cancel()
		if err == nil {
			k.mu.Lock()
			if start.After(k.last) {
				k.last = start
			}
			k.mu.Unlock()
		}
		for _, w := range waiters {
			w <- err
		}
	}
}
