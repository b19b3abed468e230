package db

import (
	"context"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestLastDownloadBackfillAndLease: migration 18's backfill statement
// (versions downloaded before it count as downloaded when it ran) gives a
// time each backend reads back; the lease goes to one holder until it
// expires or is released.
func TestLastDownloadBackfillAndLease(t *testing.T) {
	eachBackend(t, func(t *testing.T, d *DB, again func() *DB) {
		ctx := context.Background()
		alice := seedAccount(t, d, "alice")
		v, _ := nuget.ParseVersion("1.0.0")
		pv := &registry.PackageVersion{Version: v, OriginalVersion: "1.0.0", Listed: true, Published: time.Now()}
		if err := d.InsertVersion(ctx, "Old.Pkg", alice.ID, 1, pv); err != nil {
			t.Fatal(err)
		}
		if err := d.gorm.Exec(`UPDATE package_versions SET downloads = 5`).Error; err != nil {
			t.Fatal(err)
		}
		if err := d.gorm.Exec(`UPDATE package_versions SET last_download_at = CURRENT_TIMESTAMP WHERE downloads > 0`).Error; err != nil {
			t.Fatal(err)
		}
		p, err := d.Package(ctx, "old.pkg")
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Versions[0].LastDownload; got == nil || time.Since(*got).Abs() > 24*time.Hour {
			t.Errorf("last download after the backfill: %v, want about now", got)
		}

		now := time.Now()
		for _, tc := range []struct {
			holder string
			at     time.Time
			want   bool
		}{
			{"a", now, true},
			{"b", now, false},                       // held by a
			{"a", now, true},                        // a renews
			{"b", now.Add(11 * time.Minute), true},  // a's expired
			{"a", now.Add(12 * time.Minute), false}, // b holds it
		} {
			got, err := d.AcquireLease(ctx, "retention-run", tc.holder, tc.at, tc.at.Add(10*time.Minute))
			if err != nil || got != tc.want {
				t.Errorf("%s acquires at +%s: %v (%v), want %v", tc.holder, tc.at.Sub(now), got, err, tc.want)
			}
		}
		if err := d.ReleaseLease(ctx, "retention-run", "b"); err != nil {
			t.Fatal(err)
		}
		if got, err := d.AcquireLease(ctx, "retention-run", "a", now.Add(12*time.Minute), now.Add(20*time.Minute)); err != nil || !got {
			t.Errorf("acquire after the release: %v (%v)", got, err)
		}
	})
}
