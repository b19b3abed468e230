package events

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/wharf-registry/wharf/internal/egress"
)

// Retention is how long finished (delivered or failed) deliveries are
// kept for the pages and the command line; Run prunes older ones hourly.
const Retention = 30 * 24 * time.Hour

// claimBatch is how many deliveries one pass of DeliverDue leases.
const claimBatch = 16

// parallel is how many deliveries one process sends at once.
const parallel = 4

// Run delivers due events until ctx ends, looking every poll interval
// (default 1s) and whenever Wake is called. Several processes may run it
// over one database: the lease keeps each delivery with one of them.
func (s *Service) Run(ctx context.Context, poll time.Duration) {
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var pruned time.Time
	for {
		if now := s.opts.Now(); now.Sub(pruned) >= time.Hour {
			pruned = now
			if _, err := s.store.PruneDeliveries(ctx, now.Add(-Retention)); err != nil && ctx.Err() == nil {
				s.opts.Logger.Warn("pruning webhook deliveries", "err", err)
			}
		}
		for {
			n, err := s.DeliverDue(ctx)
			if err != nil && ctx.Err() == nil {
				s.opts.Logger.Warn("webhook deliveries", "err", err)
			}
			if n < claimBatch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.wake:
		}
	}
}

// DeliverDue leases the deliveries due now, sends them, records each
// attempt, and returns how many it leased.
func (s *Service) DeliverDue(ctx context.Context) (int, error) {
	now := s.opts.Now()
	leaseFor := 2*s.opts.Timeout + 5*time.Second
	lease := now.Add(leaseFor)
	started := time.Now()
	ds, err := s.store.ClaimDeliveries(ctx, s.worker, now, lease, claimBatch)
	if err != nil {
		return 0, err
	}
	// One goroutine per webhook (at most parallel at once), each sending
	// its webhook's deliveries in the order they were written, so events
	// normally arrive in order; a failed one is retried later, after the
	// ones behind it.
	var order []int64
	byHook := map[int64][]*Delivery{}
	for i := range ds {
		h := ds[i].WebhookID
		if byHook[h] == nil {
			order = append(order, h)
		}
		byHook[h] = append(byHook[h], &ds[i])
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, h := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func(list []*Delivery) {
			defer func() { <-sem; wg.Done() }()
			for _, d := range list {
				// Only while the lease outlasts one more attempt; the rest
				// are claimed again when it runs out.
				if time.Since(started)+s.opts.Timeout+time.Second > leaseFor {
					return
				}
				if err := s.deliver(ctx, d); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
				}
			}
		}(byHook[h])
	}
	wg.Wait()
	return len(ds), firstErr
}

// deliver makes one attempt and records it.
func (s *Service) deliver(ctx context.Context, d *Delivery) error {
	a := s.attempt(ctx, d)
	if ctx.Err() != nil {
		// Shutting down mid-attempt: not the receiver's failure. The
		// lease runs out and this or another process sends it again.
		return nil
	}
	d.Attempts++
	status, next := StatusPending, time.Time{}
	switch {
	case a.Code >= 200 && a.Code < 300:
		status = StatusDelivered
	case d.Attempts >= s.opts.MaxAttempts:
		status = StatusFailed
	default:
		next = s.opts.Now().Add(Backoff(s.opts.Backoff, d.Attempts))
	}
	if status != StatusDelivered {
		s.opts.Logger.Info("webhook delivery failed", "delivery", d.ID, "webhook", d.WebhookID, "event", d.EventID,
			"attempt", d.Attempts, "code", a.Code, "err", a.Error, "status", status)
	}
	return s.store.FinishDelivery(ctx, d.ID, s.worker, a, status, next)
}

// Backoff is the wait after the given number of failed attempts: base,
// doubled after each further failure, at most 6 hours.
func Backoff(base time.Duration, failed int) time.Duration {
	d := base
	for i := 1; i < failed && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// attempt sends d once, signed at the current time.
func (s *Service) attempt(ctx context.Context, d *Delivery) Attempt {
	start := s.opts.Now()
	a := Attempt{At: start.UTC()}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		a.Error = "the webhook's URL does not parse"
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Wharf-Webhooks/1")
	req.Header.Set(HeaderEvent, string(d.Type))
	req.Header.Set(HeaderEventID, d.EventID)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(d.ID, 10))
	req.Header.Set(HeaderSignature, Sign(d.Secret, start, d.Body))
	wall := time.Now() // durations are measured, not read off the injected clock
	res, err := s.client.Do(req)
	if err != nil {
		a.Duration = time.Since(wall)
		a.Error = describe(err, s.opts.Timeout)
		return a
	}
	defer res.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(res.Body, MaxResponseShown))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxResponseRead))
	a.Duration = time.Since(wall)
	a.Code = res.StatusCode
	a.Response = strings.ToValidUTF8(string(head), string(utf8.RuneError))
	if res.StatusCode >= 300 && res.StatusCode < 400 {
		a.Error = "the receiver redirected; Wharf does not follow webhook redirects"
	} else if res.StatusCode >= 300 {
		a.Error = "the receiver answered " + res.Status
	}
	return a
}

// describe turns a failed round trip into a sentence without the URL
// (which may carry a token in its query).
func describe(err error, timeout time.Duration) string {
	var refused *egress.RefusedError
	if errors.As(err, &refused) {
		return "refused: " + refused.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer within " + timeout.String()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "no answer within " + timeout.String()
		}
		err = ue.Err
	}
	return err.Error()
}
