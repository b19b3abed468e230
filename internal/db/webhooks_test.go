package db

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestEventsCommitWithTheirChange: a change writes its event in its own
// transaction, and a refused change (rolled back) writes none; an event
// goes to the webhooks of the package's owners and feed only.
func TestEventsCommitWithTheirChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, d *DB, _ func() *DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		alice := &registry.Account{Name: "alice", Kind: registry.KindUser, CreatedAt: at}
		bob := &registry.Account{Name: "bob", Kind: registry.KindUser, CreatedAt: at}
		for _, a := range []*registry.Account{alice, bob} {
			if err := d.CreateAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		all := []events.Kind{events.Pushed, events.Unlisted, events.Relisted}
		hooks := map[string]*events.Webhook{
			"alice":   {OwnerID: alice.ID, URL: "https://93.184.216.34/a", Secret: "s", Events: all, CreatedAt: at},
			"bob":     {OwnerID: bob.ID, URL: "https://93.184.216.34/b", Secret: "s", Events: all, CreatedAt: at},
			"feed 1":  {FeedID: 1, URL: "https://93.184.216.34/f", Secret: "s", Events: []events.Kind{events.Pushed}, CreatedAt: at},
			"feed 99": {FeedID: 99, URL: "https://93.184.216.34/g", Secret: "s", Events: all, CreatedAt: at},
		}
		for _, h := range hooks {
			if err := d.CreateWebhook(ctx, h); err != nil {
				t.Fatal(err)
			}
		}
		count := func(name string) int {
			t.Helper()
			ds, err := d.Deliveries(ctx, hooks[name].ID, 100)
			if err != nil {
				t.Fatal(err)
			}
			return len(ds)
		}
		v, _ := nuget.ParseVersion("1.0.0")
		if err := d.InsertVersion(ctx, "Pkg", alice.ID, 1, &registry.PackageVersion{Version: v, OriginalVersion: "1.0.0", Listed: true, Published: at}); err != nil {
			t.Fatal(err)
		}
		v2, _ := nuget.ParseVersion("2.0.0")
		if err := d.InsertVersion(ctx, "pkg", bob.ID, 1, &registry.PackageVersion{Version: v2, OriginalVersion: "2.0.0", Published: at}); !errors.Is(err, registry.ErrForbidden) {
			t.Fatalf("bob's push: %v", err)
		}
		if err := d.SetListed(ctx, "pkg", "9.9.9", alice.ID, false, at); !errors.Is(err, registry.ErrNotFound) {
			t.Fatalf("unlisting a missing version: %v", err)
		}
		if err := d.SetListed(ctx, "pkg", "1.0.0", alice.ID, false, at); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]int{"alice": 2, "bob": 0, "feed 1": 1, "feed 99": 0} {
			if got := count(name); got != want {
				t.Errorf("%s's webhook has %d deliveries, want %d", name, got, want)
			}
		}
	})
}

// TestClaimDeliveriesLeasesOnce: workers racing on two handles (two
// processes) never claim a delivery twice while its lease runs; once it
// has run out, another worker takes it, and the first one's late result
// is not recorded over the second's lease.
func TestClaimDeliveriesLeasesOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, d *DB, again func() *DB) {
		ctx := context.Background()
		at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
		w := &events.Webhook{OwnerID: 1, URL: "https://93.184.216.34/a", Secret: "s", Events: []events.Kind{events.Test}, CreatedAt: at}
		if err := d.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		const n = 40
		for range n {
			if err := d.Enqueue(ctx, events.Event{Type: events.Test, OccurredAt: at}, w.ID, at); err != nil {
				t.Fatal(err)
			}
		}
		handles := []*DB{d, again()}
		var mu sync.Mutex
		seen := map[int64]string{}
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				worker := string(rune('a' + i))
				for {
					ds, err := handles[i%2].ClaimDeliveries(ctx, worker, at, at.Add(time.Minute), 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, dv := range ds {
						if prev, ok := seen[dv.ID]; ok {
							t.Errorf("delivery %d claimed by %s and %s", dv.ID, prev, worker)
						}
						seen[dv.ID] = worker
						if dv.URL != w.URL || dv.Secret != "s" {
							t.Errorf("claimed without its webhook's URL and secret: %+v", dv)
						}
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != n {
			t.Fatalf("%d of %d deliveries claimed", len(seen), n)
		}
		// After the lease: worker z takes one over; a's late result is dropped.
		later := at.Add(2 * time.Minute)
		ds, err := d.ClaimDeliveries(ctx, "z", later, later.Add(time.Minute), 1)
		if err != nil || len(ds) != 1 {
			t.Fatalf("after the lease ran out: %v, %d claimed", err, len(ds))
		}
		id := ds[0].ID
		if err := d.FinishDelivery(ctx, id, seen[id], events.Attempt{At: later, Code: 500}, events.StatusPending, later.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := d.FinishDelivery(ctx, id, "z", events.Attempt{At: later, Code: 200}, events.StatusDelivered, time.Time{}); err != nil {
			t.Fatal(err)
		}
		got, _ := d.Deliveries(ctx, w.ID, n)
		for _, dv := range got {
			if dv.ID == id && (dv.Status != events.StatusDelivered || dv.Attempts != 1 || dv.Last.Code != 200) {
				t.Errorf("after the takeover: %+v, want delivered once by z", dv)
			}
		}
	})
}
