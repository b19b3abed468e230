package registry_test

// Tests of the use cases for a user's own keys and the registry admin pages.

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
)

func TestRevokeKeyAs(t *testing.T) {
	ctx := context.Background()
	for _, actor := range []string{"bob", "mallory", "admin"} {
		o := newOrgSetup(t)
		for _, k := range []*registry.APIKey{o.aliceKey, o.contosoKey} {
			wantErr(t, actor+" revokes alice's key", o.s.RevokeKeyAs(ctx, o.actor(actor), k.ID), registry.ErrNotFound)
			keys, err := o.s.ListKeys(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range keys {
				if got.RevokedAt != nil {
					t.Errorf("%s revoked alice's key %d", actor, got.ID)
				}
			}
		}
		e1 := strings.ReplaceAll(o.s.RevokeKeyAs(ctx, o.actor(actor), o.aliceKey.ID).Error(), strconv.FormatInt(o.aliceKey.ID, 10), "N")
		e2 := strings.ReplaceAll(o.s.RevokeKeyAs(ctx, o.actor(actor), 9999).Error(), "9999", "N")
		if e1 != e2 {
			t.Errorf("others can tell keys that exist from keys that do not: %q, %q", e1, e2)
		}
	}
	o := newOrgSetup(t)
	wantErr(t, "alice revokes her key", o.s.RevokeKeyAs(ctx, o.alice, o.contosoKey.ID), nil)
	keys, _ := o.s.ListKeys(ctx, "alice")
	for _, k := range keys {
		if (k.RevokedAt != nil) != (k.ID == o.contosoKey.ID) {
			t.Errorf("key %d revoked = %v", k.ID, k.RevokedAt != nil)
		}
	}
	wantErr(t, "alice revokes it again", o.s.RevokeKeyAs(ctx, o.alice, o.contosoKey.ID), nil)
	wantErr(t, "alice revokes a key that does not exist", o.s.RevokeKeyAs(ctx, o.alice, 9999), registry.ErrNotFound)
}

func TestAdminUseCases(t *testing.T) {
	ctx := context.Background()
	o := newOrgSetup(t)
	for _, actor := range []string{"alice", "bob", "mallory"} {
		us, err := o.s.Users(ctx, o.actor(actor))
		wantErr(t, actor+" lists users", err, registry.ErrForbidden)
		if us != nil {
			t.Errorf("%s was refused but got %d users", actor, len(us))
		}
		es, err := o.s.AuditLogAs(ctx, o.actor(actor), 10)
		wantErr(t, actor+" reads the audit log", err, registry.ErrForbidden)
		if es != nil {
			t.Errorf("%s was refused but got %d events", actor, len(es))
		}
	}
	us, err := o.s.Users(ctx, o.actor("admin"))
	if err != nil || len(us) != 3 {
		t.Errorf("admin lists users: %d %v", len(us), err)
	}
	for _, u := range us {
		if u.Kind != registry.KindUser {
			t.Errorf("users lists %s, a %s", u.Name, u.Kind)
		}
	}
	es, err := o.s.AuditLogAs(ctx, o.actor("admin"), 3)
	if err != nil || len(es) != 3 {
		t.Errorf("admin reads 3 audit events: %d %v", len(es), err)
	}
}
