package db

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
)

// ErrNoDatabase is returned by Inspect when the SQLite database does not
// exist yet (wharf serve and the admin commands create it).
var ErrNoDatabase = errors.New("db: the database does not exist yet")

// Level is how far a database's schema is migrated.
type Level struct {
	Applied int // highest migration the database records; 0 for none
	Latest  int // highest migration this binary knows

	// ServerIssuers is what wharf serve last recorded of its trusted
	// issuers (SetServerIssuers), "" for nothing; ServerIssuersAt when.
	ServerIssuers   string
	ServerIssuersAt time.Time
}

// LatestVersion is the highest migration this binary applies.
func LatestVersion() int { return migrations[len(migrations)-1].version }

// Inspect connects to the database that databaseURL names (SQLite in
// dataDir when empty) and reads its migration level, for wharf doctor. It
// creates nothing, migrates nothing and opens SQLite read-only; it gives
// up after timeout. Errors never include the password.
func Inspect(ctx context.Context, databaseURL, dataDir string, timeout time.Duration) (Level, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	lv := Level{Latest: LatestVersion()}
	var dialector gorm.Dialector
	switch {
	case databaseURL == "":
		path := SQLitePath(dataDir)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return lv, ErrNoDatabase
		} else if err != nil {
			return lv, err
		}
		dsn := "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?mode=ro&_busy_timeout=5000"
		dialector = sqlite.Open(dsn)
	case IsPostgresURL(databaseURL):
		dialector = postgres.New(postgres.Config{DSN: databaseURL})
	default:
		return lv, fmt.Errorf("database_url %q: use a postgres:// URL, or leave it empty for SQLite in the data directory", Redact(databaseURL))
	}
	g, err := gorm.Open(dialector, gormConfig())
	if err != nil {
		return lv, fmt.Errorf("open database: %s", redactErr(err, databaseURL))
	}
	sqlDB, err := g.DB()
	if err != nil {
		return lv, err
	}
	defer sqlDB.Close()
	if err := sqlDB.PingContext(ctx); err != nil {
		return lv, fmt.Errorf("connect: %s", redactErr(err, databaseURL))
	}
	var versions []int
	err = g.WithContext(ctx).Raw(`SELECT version FROM schema_migrations ORDER BY version DESC LIMIT 1`).Scan(&versions).Error
	if err != nil {
		if strings.Contains(err.Error(), "schema_migrations") {
			return lv, nil // a database Wharf never migrated
		}
		return lv, fmt.Errorf("read the migration level: %s", redactErr(err, databaseURL))
	}
	if len(versions) > 0 {
		lv.Applied = versions[0]
	}
	var meta []struct{ Key, Value string }
	if err := g.WithContext(ctx).Raw(`SELECT key, value FROM meta WHERE key IN ('server_trusted_issuers', 'server_trusted_issuers_at')`).Scan(&meta).Error; err == nil {
		for _, m := range meta {
			if m.Key == "server_trusted_issuers" {
				lv.ServerIssuers = m.Value
			} else {
				lv.ServerIssuersAt, _ = time.Parse(time.RFC3339, m.Value)
			}
		}
	}
	return lv, nil
}
