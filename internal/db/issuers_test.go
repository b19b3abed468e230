package db

import (
	"context"
	"testing"
	"time"
)

// TestMigrateToIssuerNames upgrades a database at the schema before issuer
// names (migration 21) holding two policies, on each backend: both get an
// empty name; the backfill wharf serve runs at start names the one whose URL
// the settings trust and leaves the other, and does not touch a revision.
// The server's issuer list is recorded and read back.
func TestMigrateToIssuerNames(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			open := b.create(t)
			saved := migrations
			migrations = nil
			for _, m := range saved {
				if m.version < 21 {
					migrations = append(migrations, m)
				}
			}
			old, err := open()
			migrations = saved
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			for _, stmt := range []string{
				`INSERT INTO accounts (name, lower_name, kind, created_at) VALUES ('alice', 'alice', 'user', ?)`,
				`INSERT INTO trust_policies (name, provider, issuer, created_by, owner_id, repo_owner, repository, workflow, created_at, pending_since, revision)
				 VALUES ('on ghes', 'github', 'https://ghe.example.com/_services/token', 1, 1, 'contoso', 'sdk', 'release.yml', ?, ?, 3)`,
				`INSERT INTO trust_policies (name, provider, issuer, created_by, owner_id, repo_owner, repository, workflow, created_at, pending_since, revision)
				 VALUES ('on a gone issuer', 'github', 'https://gone.example.com/_services/token', 1, 1, 'contoso', 'lib', 'release.yml', ?, ?, 0)`,
			} {
				args := []any{now}
				if stmt[12:26] == "trust_policies" {
					args = append(args, now)
				}
				if err := old.gorm.Exec(stmt, args...).Error; err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			old.Close()

			d, err := open()
			if err != nil {
				t.Fatalf("migrating to issuer names: %v", err)
			}
			defer d.Close()
			for _, id := range []int64{1, 2} {
				if p, err := d.Policy(ctx, id); err != nil || p.IssuerName != "" {
					t.Fatalf("policy %d after the migration: %+v, %v; want no issuer name yet", id, p, err)
				}
			}
			n, err := d.BackfillPolicyIssuerNames(ctx, map[string]string{
				"https://ghe.example.com/_services/token": "ghes", "https://token.actions.githubusercontent.com": "github"})
			if err != nil || n != 1 {
				t.Fatalf("backfill: %d, %v; want 1 policy named", n, err)
			}
			if p, _ := d.Policy(ctx, 1); p == nil || p.IssuerName != "ghes" || p.Revision != 3 {
				t.Errorf("the policy on a trusted URL: %+v, want named ghes at revision 3", p)
			}
			if p, _ := d.Policy(ctx, 2); p == nil || p.IssuerName != "" {
				t.Errorf("the policy on an untrusted URL: %+v, want no name (inactive until edited)", p)
			}
			// A second start names nothing again, even with another name
			// for the URL: a name once stored is the policy's.
			if n, err := d.BackfillPolicyIssuerNames(ctx, map[string]string{"https://ghe.example.com/_services/token": "renamed"}); err != nil || n != 0 {
				t.Errorf("second backfill: %d, %v; want 0", n, err)
			}

			if got, _, err := d.ServerIssuers(ctx); err != nil || got != "" {
				t.Errorf("server issuers before any server: %q, %v", got, err)
			}
			for _, want := range []string{"ghes=github:https://ghe.example.com/_services/token", "github=github:https://token.actions.githubusercontent.com"} {
				if err := d.SetServerIssuers(ctx, want, now); err != nil {
					t.Fatal(err)
				}
				if got, at, err := d.ServerIssuers(ctx); err != nil || got != want || !at.Equal(now.Truncate(time.Second)) {
					t.Errorf("server issuers = %q at %v (%v), want %q at %v", got, at, err, want, now.Truncate(time.Second))
				}
			}
		})
	}
}
