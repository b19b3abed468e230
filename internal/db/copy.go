package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// copyTables lists every table a registry move copies, parents before
// children, with its primary key. Tables left out on purpose are in
// skipTables; a test checks that the schema has no third kind.
var copyTables = []struct {
	name string
	pk   []string
}{
	{"accounts", []string{"id"}},
	{"feeds", []string{"id"}},
	{"feed_grants", []string{"feed_id", "subject_kind", "subject_id"}},
	{"memberships", []string{"org_id", "user_id"}},
	{"org_invitations", []string{"org_id", "user_id"}},
	{"identities", []string{"provider", "subject"}},
	{"blocked_identities", []string{"provider", "subject"}},
	{"sessions", []string{"token_hash"}},
	{"login_links", []string{"token_hash"}},
	{"trust_policies", []string{"id"}},
	{"trust_policy_repo_uses", []string{"id"}},
	{"api_keys", []string{"id"}},
	{"packages", []string{"id"}},
	{"package_owners", []string{"package_id", "account_id"}},
	{"owner_requests", []string{"package_id", "account_id"}},
	{"package_versions", []string{"id"}},
	{"symbol_packages", []string{"id"}},
	{"symbol_files", []string{"id"}},
	{"version_tombstones", []string{"id"}},
	{"retention_rules", []string{"id"}},
	{"stage_groups", []string{"id"}},
	{"staged_packages", []string{"id"}},
	{"held_versions", []string{"id"}},
	{"reserved_prefixes", []string{"id"}},
	{"advisories", []string{"id"}},
	{"advisory_packages", []string{"id"}},
	{"used_tokens", []string{"issuer", "jti"}},
	{"audit_events", []string{"id"}},
	{"webhooks", []string{"id"}},
	{"webhook_deliveries", []string{"id"}},
	{"feed_state", []string{"id"}},
}

// skipTables are not copied: the target's own migrations, short-lived rate
// counters, and facts about the database itself.
var skipTables = []string{"schema_migrations", "rate_limits", "meta", "leases"}

// copyBatch is how many rows go into one INSERT.
const copyBatch = 200

// CopyRows copies every row of every registry table from src into d,
// keeping IDs, in one transaction per table. Rows already in d are
// overwritten with src's values, so running it again (a resumed or
// repeated move) brings d up to date and adds nothing twice. On
// PostgreSQL the ID sequences are moved past the copied IDs. It returns
// the number of rows copied per table, in copy order.
func (d *DB) CopyRows(ctx context.Context, src *DB, progress func(table string, rows int64)) ([]TableCount, error) {
	from, err := src.gorm.DB()
	if err != nil {
		return nil, err
	}
	to, err := d.gorm.DB()
	if err != nil {
		return nil, err
	}
	var out []TableCount
	for _, t := range copyTables {
		n, err := d.copyTable(ctx, from, to, t.name, t.pk, progress)
		if err != nil {
			return out, fmt.Errorf("copy %s: %w", t.name, err)
		}
		out = append(out, TableCount{Table: t.name, Rows: n})
	}
	if d.dialect == "postgres" {
		for _, t := range copyTables {
			if len(t.pk) == 1 && t.pk[0] == "id" && t.name != "feed_state" {
				q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)`, t.name, t.name)
				if _, err := to.ExecContext(ctx, q); err != nil {
					return out, fmt.Errorf("move the ID sequence of %s: %w", t.name, err)
				}
			}
		}
	}
	return out, nil
}

// TableCount is how many rows of a table a copy wrote.
type TableCount struct {
	Table string
	Rows  int64
}

func (d *DB) copyTable(ctx context.Context, from, to *sql.DB, table string, pk []string, progress func(string, int64)) (int64, error) {
	rows, err := from.QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY "+strings.Join(pk, ", "))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	tx, err := to.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var n int64
	var batch [][]any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, d.upsert(table, cols, pk, len(batch)), flatten(batch)...); err != nil {
			return err
		}
		n += int64(len(batch))
		batch = batch[:0]
		if progress != nil {
			progress(table, n)
		}
		return nil
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		batch = append(batch, vals)
		if len(batch) == copyBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := errors.Join(rows.Err(), flush()); err != nil {
		return n, err
	}
	return n, tx.Commit()
}

// upsert builds INSERT ... ON CONFLICT (pk) DO UPDATE for rows rows, in
// the dialect's placeholders.
func (d *DB) upsert(table string, cols, pk []string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	p := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			p++
			if d.dialect == "postgres" {
				b.WriteString("$" + strconv.Itoa(p))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	b.WriteString(" ON CONFLICT (" + strings.Join(pk, ", ") + ") ")
	var sets []string
	for _, c := range cols {
		if !contains(pk, c) {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	if len(sets) == 0 {
		b.WriteString("DO NOTHING")
	} else {
		b.WriteString("DO UPDATE SET " + strings.Join(sets, ", "))
	}
	return b.String()
}

func flatten(rows [][]any) []any {
	out := make([]any, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
