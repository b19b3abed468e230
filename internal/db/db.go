// Package db is Wharf's metadata store: it implements registry.Store with
// gorm, on SQLite (the embedded default, one machine) or PostgreSQL (several
// replicas). It is the only package that imports gorm; it returns domain
// types and turns not-found and unique-violation errors into
// registry.ErrNotFound and registry.ErrConflict the same way on both.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/wharf-registry/wharf/internal/registry"
)

// DB is a registry.Store backed by gorm.
type DB struct {
	gorm    *gorm.DB
	dialect string // "sqlite" or "postgres"
	// writers lets one SQLite write transaction run at a time, queued in
	// Go: SQLite allows one writer, and a second one waiting in its busy
	// handler sleeps in steps of up to 100 ms, which made 16 concurrent
	// token exchanges (three writes each) wait 16 ms at the median.
	// PostgreSQL needs none (nil).
	writers chan struct{}
}

var _ registry.Store = (*DB)(nil)

// Open opens the database that databaseURL names and applies migrations:
// an empty URL is SQLite in dataDir (wharf.db), a postgres:// or
// postgresql:// URL is PostgreSQL. Errors never include the password.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	switch {
	case databaseURL == "":
		return OpenSQLite(ctx, SQLitePath(dataDir))
	case IsPostgresURL(databaseURL):
		return OpenPostgres(ctx, databaseURL)
	}
	return nil, fmt.Errorf("database_url %q: use a postgres:// URL, or leave it empty for SQLite in the data directory", Redact(databaseURL))
}

// SQLitePath is where the SQLite database lives inside a data directory.
func SQLitePath(dataDir string) string { return filepath.Join(dataDir, "wharf.db") }

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Dialect names the database: "sqlite" or "postgres".
func (d *DB) Dialect() string { return d.dialect }

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 silent,
		TranslateError:         true,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
}

// start sizes the connection pool, checks the connection with check (nil
// for none) and applies migrations, closing the pool on failure.
func start(ctx context.Context, g *gorm.DB, dialect string, conns int, check func(context.Context, *sql.DB) error) (*DB, error) {
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	// Raw(...).Scan and Rows run the row callback, which sets the error
	// without passing it through the dialector's Translate.
	err = g.Callback().Row().After("gorm:row").Register("wharf:unavailable", func(tx *gorm.DB) {
		if tx.Error != nil {
			tx.Error = unavailable(tx.Error, tx.Error)
		}
	})
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(conns)
	sqlDB.SetMaxIdleConns(conns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	if check != nil {
		if err := check(ctx, sqlDB); err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	d := &DB{gorm: g, dialect: dialect}
	if dialect == "sqlite" {
		d.writers = make(chan struct{}, 1)
		if err := d.queueWrites(); err != nil {
			sqlDB.Close()
			return nil, err
		}
	}
	if err := d.Migrate(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.gorm.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// mapErr turns not-found and duplicate-key errors into domain kinds. gorm
// translates them on both dialects; the PostgreSQL check is a second line
// for errors gorm hands back untranslated (wrapped, or from raw SQL).
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%w: %w", registry.ErrNotFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey), pgCode(err) == "23505":
		return fmt.Errorf("%w: %w", registry.ErrConflict, err)
	}
	return err
}

// pgCode returns the SQLSTATE of a PostgreSQL error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// tx runs fn in a transaction. On PostgreSQL a transaction aborted by a
// deadlock or a serialization failure is retried a few times: fn must only
// touch the database (and its own locals), so running it again is safe.
// A COMMIT that fails because the database stopped answering may have
// happened: its error wraps registry.ErrOutcomeUnknown too.
func (d *DB) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	release, err := d.write(ctx)
	if err != nil {
		return err
	}
	defer release()
	for attempt := 1; ; attempt++ {
		committing := false
		err := d.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			err := fn(tx)
			committing = err == nil
			return err
		})
		if committing && errors.Is(err, registry.ErrUnavailable) {
			return fmt.Errorf("%w: %w", registry.ErrOutcomeUnknown, err)
		}
		if code := pgCode(err); attempt < 4 && (code == "40001" || code == "40P01") {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
			}
			continue
		}
		return err
	}
}

// write waits for the SQLite writer's turn (at once on PostgreSQL) and
// returns what ends it. tx and the statements queueWrites covers take it;
// it is not reentrant, so a statement inside tx (on its *sql.Tx) does not.
func (d *DB) write(ctx context.Context) (release func(), err error) {
	if d.writers == nil {
		return func() {}, nil
	}
	select {
	case d.writers <- struct{}{}:
		return func() { <-d.writers }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting to write: %w", ctx.Err())
	}
}

// queueWrites makes every INSERT, UPDATE, DELETE and raw statement that
// runs outside a transaction wait for the writer's turn, as tx does for
// transactions, so single-statement writes (audit rows, key use, session
// changes, purges) queue in Go too instead of in SQLite's busy handler.
// Statements inside tx run on its *sql.Tx, which already holds the turn.
func (d *DB) queueWrites() error {
	const held = "wharf:writer"
	acquire := func(tx *gorm.DB) {
		if _, inTx := tx.Statement.ConnPool.(*sql.Tx); inTx || tx.Error != nil {
			return
		}
		release, err := d.write(tx.Statement.Context)
		if err != nil {
			_ = tx.AddError(err)
			return
		}
		tx.InstanceSet(held, release)
	}
	done := func(tx *gorm.DB) {
		if release, ok := tx.InstanceGet(held); ok {
			release.(func())()
		}
	}
	c := d.gorm.Callback()
	for _, err := range []error{
		c.Create().Before("gorm:create").Register("wharf:writer_wait", acquire),
		c.Create().After("gorm:create").Register("wharf:writer_done", done),
		c.Update().Before("gorm:update").Register("wharf:writer_wait", acquire),
		c.Update().After("gorm:update").Register("wharf:writer_done", done),
		c.Delete().Before("gorm:delete").Register("wharf:writer_wait", acquire),
		c.Delete().After("gorm:delete").Register("wharf:writer_done", done),
		c.Raw().Before("gorm:raw").Register("wharf:writer_wait", acquire),
		c.Raw().After("gorm:raw").Register("wharf:writer_done", done),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
