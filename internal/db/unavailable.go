package db

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"

	"github.com/wharf-registry/wharf/internal/registry"
)

// The sentences shown when the database cannot serve a request. They say
// what is wrong and what to do; the cause stays wrapped for the log.
const (
	msgBusy        = "The registry's database is busy: another process holds its lock. Try again in a moment."
	msgUnreachable = "The registry's database does not answer. Try again in a moment; if it persists, ask the operator to check the database."
	msgNotWritable = "The registry's database cannot be written: its disk is read-only or failing. Ask the operator to check it, then try again."
	msgFull        = "The disk holding the registry's database is full. Ask the operator to free space, then try again."
)

// sqliteDialector is gorm's SQLite dialector with errors that mean "the
// database cannot serve now" turned into domain kinds (see unavailable).
// gorm passes the errors of statements, BEGIN and COMMIT through
// Translate, and start registers a callback for the one path that skips it
// (Raw(...).Scan and Rows), so this covers every store method in one place.
type sqliteDialector struct{ *sqlite.Dialector }

// Translate applies gorm's translation, then unavailable's.
func (d sqliteDialector) Translate(err error) error {
	return unavailable(d.Dialector.Translate(err), err)
}

// postgresDialector is sqliteDialector for PostgreSQL.
type postgresDialector struct{ *postgres.Dialector }

// Translate applies gorm's translation, then unavailable's.
func (d postgresDialector) Translate(err error) error {
	return unavailable(d.Dialector.Translate(err), err)
}

// unavailable wraps translated (gorm's translation of the driver error
// orig) in registry.ErrUnavailable when orig means that the database
// cannot serve right now rather than that the request is wrong: SQLite
// busy past its timeout, read-only or failing; PostgreSQL unreachable,
// shutting down or the connection lost. A full SQLite disk becomes
// registry.ErrStorageFull. Anything else is returned as translated.
func unavailable(translated, orig error) error {
	if translated == nil {
		return nil
	}
	if errors.Is(translated, registry.ErrUnavailable) || errors.Is(translated, registry.ErrStorageFull) {
		return translated
	}
	var kind error = registry.ErrUnavailable
	var msg string
	var se sqlite3.Error
	var pe *pgconn.PgError
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(orig, &se):
		switch se.Code {
		case sqlite3.ErrBusy, sqlite3.ErrLocked:
			msg = msgBusy
		case sqlite3.ErrReadonly, sqlite3.ErrIoErr, sqlite3.ErrCantOpen, sqlite3.ErrPerm:
			msg = msgNotWritable
		case sqlite3.ErrFull:
			kind, msg = registry.ErrStorageFull, msgFull
		}
	case errors.As(orig, &pe):
		// Class 08: connection exceptions; 57P01-03: the server is shutting
		// down or starting; 53300: too many connections.
		if strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300" {
			msg = msgUnreachable
		}
	case errors.As(orig, &ce), errors.As(orig, &ne), errors.Is(orig, driver.ErrBadConn),
		errors.Is(orig, io.ErrUnexpectedEOF), errors.Is(orig, io.EOF), errors.Is(orig, net.ErrClosed):
		msg = msgUnreachable
	}
	if msg == "" {
		return translated
	}
	return fmt.Errorf("%w: %w", &registry.Error{Kind: kind, Message: msg}, translated)
}
