package db

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestMigrateToFeeds upgrades a database made by the schema before feeds
// (version 6), holding a package and a key, on each backend: the package
// lands in the public feed "default", the key keeps push and gains no
// read, and everyone may still create new IDs in "default".
func TestMigrateToFeeds(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			open := b.create(t)
			saved := migrations
			migrations = migrations[:6]
			old, err := open()
			migrations = saved
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			for _, stmt := range []string{
				`INSERT INTO accounts (name, lower_name, kind, created_at) VALUES ('alice', 'alice', 'user', ?)`,
				`INSERT INTO api_keys (user_id, owner_id, hash, hint, created_at) VALUES (1, 1, 'h1', 'wharf_abcd', ?)`,
				`INSERT INTO packages (name, lower_name, revision, created_at, updated_at) VALUES ('Old.Pkg', 'old.pkg', 1, ?, ?)`,
			} {
				args := []any{now}
				if stmt[12:20] == "packages" {
					args = append(args, now)
				}
				if err := old.gorm.Exec(stmt, args...).Error; err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			old.Close()

			d, err := open()
			if err != nil {
				t.Fatalf("migrating to feeds: %v", err)
			}
			defer d.Close()
			data, err := d.AccessData(ctx)
			if err != nil {
				t.Fatal(err)
			}
			snap := feeds.NewSnapshot(data)
			def := snap.Feed("default")
			if def == nil || def.Private || len(data.Feeds) != 1 {
				t.Fatalf("feeds after the migration: %+v, want one public feed named default", data.Feeds)
			}
			p, err := d.Package(ctx, "old.pkg")
			if err != nil || p.FeedID != def.ID {
				t.Errorf("the old package: %+v (%v), want it in default (feed %d)", p, err, def.ID)
			}
			k, ok := snap.Key("h1")
			if !ok || k.Scopes.String() != "push" {
				t.Errorf("the old key: %+v (%t), want scope push only", k, ok)
			}
			if role := snap.Role(snap.ViewerFor(1, false, nil), def.ID); role != feeds.RolePublisher {
				t.Errorf("alice's role in default: %s, want publisher (anyone may create new IDs, as before)", role)
			}
			// A feed name is unique in any case; changes are seen at once.
			if err := d.CreateFeed(ctx, &feeds.Feed{Name: "secret", Private: true, CreatedAt: now}); err != nil {
				t.Fatal(err)
			}
			if err := d.CreateFeed(ctx, &feeds.Feed{Name: "secret", CreatedAt: now}); !errors.Is(err, feeds.ErrConflict) {
				t.Errorf("a second feed named secret: %v, want ErrConflict", err)
			}
			if err := d.MovePackage(ctx, "old.pkg", 2); err != nil {
				t.Fatal(err)
			}
			if p, _ := d.Package(ctx, "old.pkg"); p == nil || p.FeedID != 2 {
				t.Errorf("after the move: %+v, want feed 2", p)
			}
			if err := d.MovePackage(ctx, "no.such", 2); !errors.Is(err, feeds.ErrNotFound) {
				t.Errorf("moving a missing package: %v, want ErrNotFound", err)
			}
			g := feeds.Grant{FeedID: 2, Kind: feeds.SubjectUser, SubjectID: 1, Role: feeds.RoleReader, CreatedAt: now}
			for _, role := range []feeds.Role{feeds.RoleReader, feeds.RoleAdmin} { // one row per feed and subject
				g.Role = role
				if err := d.SetGrant(ctx, g); err != nil {
					t.Fatal(err)
				}
			}
			if gs, err := d.FeedGrants(ctx, 2); err != nil || len(gs) != 1 || gs[0].Role != feeds.RoleAdmin || gs[0].SubjectName != "alice" {
				t.Errorf("grants of secret: %+v (%v), want alice as admin only", gs, err)
			}
			if err := d.DeleteGrant(ctx, 2, feeds.SubjectUser, 1); err != nil {
				t.Fatal(err)
			}
			if err := d.DeleteGrant(ctx, 2, feeds.SubjectUser, 1); !errors.Is(err, feeds.ErrNotFound) {
				t.Errorf("revoking twice: %v, want ErrNotFound", err)
			}
			_ = registry.ErrNotFound
		})
	}
}
