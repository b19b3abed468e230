package db

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// BenchmarkFlushDownloads measures a flush of download counts for 100
// versions on SQLite, in one transaction as AddDownloads does: "counts"
// is the statement before retention and what a flush runs for a version
// whose day this replica recorded already today; "counts+day" the one
// that also records the last download day, run at most once a day per
// version. The download request itself is unchanged: it only adds to an
// in-memory counter.
func BenchmarkFlushDownloads(b *testing.B) {
	ctx := context.Background()
	d, err := Open(ctx, "", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	owner := &registry.Account{Name: "alice", Kind: registry.KindUser, CreatedAt: time.Now()}
	if err := d.CreateAccount(ctx, owner); err != nil {
		b.Fatal(err)
	}
	counts := map[int64]int64{}
	for i := range 100 {
		v, _ := nuget.ParseVersion(fmt.Sprintf("1.0.%d", i))
		pv := &registry.PackageVersion{Version: v, OriginalVersion: v.String(), Listed: true, Published: time.Now()}
		if err := d.InsertVersion(ctx, fmt.Sprintf("pkg%d", i%10), owner.ID, 1, pv); err != nil {
			b.Fatal(err)
		}
		counts[pv.ID] = 3
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	flush := func(b *testing.B, stmt string, args func(id, n int64) []any) {
		for b.Loop() {
			err := d.tx(ctx, func(tx *gorm.DB) error {
				for id, n := range counts {
					if err := tx.Exec(stmt, args(id, n)...).Error; err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	// Alternated, so that a load change on a shared machine hits both.
	for range 2 {
		b.Run("counts", func(b *testing.B) {
			flush(b, `UPDATE package_versions SET downloads = downloads + ? WHERE id = ?`, func(id, n int64) []any { return []any{n, id} })
		})
		b.Run("counts+day", func(b *testing.B) {
			flush(b, `UPDATE package_versions SET downloads = downloads + ?, last_download_at = ? WHERE id = ?`, func(id, n int64) []any { return []any{n, day, id} })
		})
	}
}
