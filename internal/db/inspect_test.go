package db

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestInspect: Inspect reads the migration level without creating or
// migrating the database, and tells a database migrated by a newer binary.
func TestInspect(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Inspect(ctx, "", dir, 5*time.Second); !errors.Is(err, ErrNoDatabase) {
		t.Fatalf("no database yet: %v, want ErrNoDatabase", err)
	}
	d, err := Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	lv, err := Inspect(ctx, "", dir, 5*time.Second)
	if err != nil || lv.Applied != LatestVersion() || lv.Latest != LatestVersion() {
		t.Fatalf("migrated database: %+v %v, want both %d", lv, err, LatestVersion())
	}
	if err := d.gorm.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', ?)`, LatestVersion()+7, time.Now()).Error; err != nil {
		t.Fatal(err)
	}
	if lv, err := Inspect(ctx, "", dir, 5*time.Second); err != nil || lv.Applied != LatestVersion()+7 {
		t.Errorf("database of a newer binary: %+v %v", lv, err)
	}
	if _, err := Inspect(ctx, "mysql://root:hunter2@db/x", dir, time.Second); err == nil || errors.Is(err, ErrNoDatabase) {
		t.Errorf("mysql URL: %v", err)
	}
}
