package db

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// OpenPostgres connects to the PostgreSQL database at databaseURL
// (postgres://user:password@host:5432/db?sslmode=...) and applies
// migrations; several replicas may start at once (see Migrate). Errors name
// the URL without its password.
//
// Transactions run at READ COMMITTED. Those that SQLite serialises with
// BEGIN IMMEDIATE are made safe explicitly: every change to the feed first
// updates the one feed_state row (a row lock that orders them), policy
// reads that a write depends on use SELECT ... FOR UPDATE, and uniqueness
// (token IDs, names, versions) is the job of primary keys and unique
// indexes. Deadlocks and serialization failures are retried.
func OpenPostgres(ctx context.Context, databaseURL string) (*DB, error) {
	if _, err := url.Parse(databaseURL); err != nil {
		return nil, fmt.Errorf("database_url: not a URL (postgres://user:password@host:5432/db)")
	}
	g, err := gorm.Open(postgresDialector{postgres.New(postgres.Config{DSN: databaseURL}).(*postgres.Dialector)}, gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open database %s: %s", Redact(databaseURL), redactErr(err, databaseURL))
	}
	return start(ctx, g, "postgres", 20, func(ctx context.Context, sqlDB *sql.DB) error {
		pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := sqlDB.PingContext(pctx); err != nil {
			return fmt.Errorf("connect to %s: %s", Redact(databaseURL), redactErr(err, databaseURL))
		}
		return nil
	})
}

// Redact returns a database URL with its password replaced by "xxxxx", for
// logs and error messages.
func Redact(databaseURL string) string {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "(unparsable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// redactErr is err's text with the URL's password removed, should a driver
// ever repeat its connection string.
func redactErr(err error, databaseURL string) string {
	msg := err.Error()
	if u, perr := url.Parse(databaseURL); perr == nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		if pw := u.Query().Get("password"); pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}
