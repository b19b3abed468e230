package db

import (
	"context"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
)

// TestDisabledAccountKeys: the key facts leave out a disabled user's keys,
// and enabling brings back those not revoked.
func TestDisabledAccountKeys(t *testing.T) {
	ctx := context.Background()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			d, err := b.create(t)()
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			now := time.Now().UTC()
			a := &registry.Account{Name: "alice", Kind: registry.KindUser, CreatedAt: now}
			if err := d.CreateAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			if err := d.CreateKey(ctx, &registry.APIKey{UserID: a.ID, OwnerID: a.ID, Hint: "wharf_abcd", CreatedAt: now}, "h1"); err != nil {
				t.Fatal(err)
			}
			has := func() bool {
				data, err := d.AccessData(ctx)
				if err != nil {
					t.Fatal(err)
				}
				_, ok := data.Keys["h1"]
				return ok
			}
			if !has() {
				t.Fatal("the key is missing before disabling")
			}
			if err := d.SetAccountDisabled(ctx, a.ID, &now); err != nil {
				t.Fatal(err)
			}
			if has() {
				t.Error("a disabled user's key is in the key facts")
			}
			if got, _ := d.AccountByID(ctx, a.ID); got.DisabledAt == nil {
				t.Error("the account does not read back as disabled")
			}
			if err := d.SetAccountDisabled(ctx, a.ID, nil); err != nil {
				t.Fatal(err)
			}
			if !has() {
				t.Error("enabling did not bring the key back")
			}
		})
	}
}
