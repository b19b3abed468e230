package db

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// silent discards gorm's own logging: errors are returned, never printed,
// so no SQL (and no value in it) reaches the logs.
var silent = logger.Discard

// DefaultBusyTimeout is how long a SQLite write waits for another
// process's lock before it fails with registry.ErrUnavailable.
const DefaultBusyTimeout = 10 * time.Second

// SQLiteOptions tunes OpenSQLiteWith. Zero values take the defaults.
type SQLiteOptions struct {
	// BusyTimeout bounds the wait for a lock another connection holds
	// (default DefaultBusyTimeout).
	BusyTimeout time.Duration
}

// OpenSQLite opens (creating if needed) the SQLite database at path in WAL
// mode with foreign keys on and a busy timeout, and applies migrations.
// Several processes may open the same file: the server and the admin
// commands share it. Write transactions start with BEGIN IMMEDIATE, so they
// are serialised; one that cannot get the lock within the busy timeout
// fails with registry.ErrUnavailable. Readers are never blocked (WAL).
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	return OpenSQLiteWith(ctx, path, SQLiteOptions{})
}

// OpenSQLiteWith is OpenSQLite with options.
func OpenSQLiteWith(ctx context.Context, path string, o SQLiteOptions) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = DefaultBusyTimeout
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", strconv.FormatInt(o.BusyTimeout.Milliseconds(), 10))
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	q.Set("_txlock", "immediate")
	// The DSN is a URI: '?', '#' and '%' in the path must be escaped, or
	// SQLite opens another file ("data#1/wharf.db" would be "data").
	dsn := "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?" + q.Encode()
	g, err := gorm.Open(sqliteDialector{sqlite.Open(dsn).(*sqlite.Dialector)}, gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return start(ctx, g, "sqlite", 8, nil)
}
