package db_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestSQLiteWritersQueue runs many concurrent writes (single statements,
// transactions and rate counters) against SQLite with a busy timeout of
// one millisecond: only writers that wait their turn in Wharf, rather
// than in SQLite's busy handler, all succeed.
func TestSQLiteWritersQueue(t *testing.T) {
	ctx := context.Background()
	d, err := db.OpenSQLiteWith(ctx, filepath.Join(t.TempDir(), "wharf.db"), db.SQLiteOptions{BusyTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const writers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := d.Audit(ctx, &registry.AuditEvent{At: time.Now(), Kind: "test", Outcome: "done", Subject: fmt.Sprint(w, i)}); err != nil {
					errs <- fmt.Errorf("audit: %w", err)
				}
				if _, err := d.CountEvent(ctx, fmt.Sprint("key", w), time.Now().Unix(), 1000); err != nil {
					errs <- fmt.Errorf("count: %w", err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	events, err := d.AuditEvents(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != writers*each {
		t.Errorf("%d audit rows, want %d", len(events), writers*each)
	}
}
