package registry_test

import (
	"context"
	"errors"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/testenv"
)

// openStores opens the test backend's stores (testenv.Backend).
func openStores(t *testing.T) (*db.DB, storage.Blobs) { return testenv.Stores(t, "") }

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// newService returns a service over SQLite and the fs store in a temp dir,
// with a clock the test moves.
func newService(t *testing.T) (*registry.Service, *time.Time) {
	t.Helper()
	d, blobs := openStores(t)
	now := trusttest.Epoch().Add(2 * time.Hour)
	s, err := registry.New(d, blobs, registry.Options{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s, &now
}

func TestKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	if _, err := s.AddUser(ctx, registry.NewUser{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	exp := now.Add(48 * time.Hour)
	secret, k, err := s.CreateKey(ctx, registry.NewKey{User: "alice", ExpiresAt: &exp, Globs: []string{"Contoso.*"}, Description: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, registry.KeyPrefix) || len(secret) < 50 {
		t.Errorf("secret %q lacks the prefix or entropy", secret)
	}
	if strings.Contains(k.Hint, secret[len(registry.KeyPrefix)+4:]) {
		t.Error("the hint reveals the secret")
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.ID != k.ID {
		t.Fatalf("authenticate: %v", err)
	}
	if w := s.ExpiryWarning(got); !strings.Contains(w, "expires in") {
		t.Errorf("expiry warning = %q", w)
	}
	for name, bad := range map[string]string{"empty": "", "unknown": "wharf_abc", "mangled": secret + "x"} {
		if _, err := s.Authenticate(ctx, bad); !errors.Is(err, registry.ErrUnauthenticated) {
			t.Errorf("%s key: %v, want ErrUnauthenticated", name, err)
		}
	}
	*now = exp
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, registry.ErrUnauthenticated) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("expired key: %v", err)
	}
	*now = exp.Add(-time.Hour)
	if err := s.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, registry.ErrUnauthenticated) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked key: %v", err)
	}
	keys, err := s.ListKeys(ctx, "alice")
	if err != nil || len(keys) != 1 || keys[0].RevokedAt == nil || keys[0].Globs[0] != "Contoso.*" {
		t.Errorf("list: %+v %v", keys, err)
	}
	if err := s.RevokeKey(ctx, 999); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("revoking a missing key: %v", err)
	}
}

func TestCreateKeyRefusals(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	s.AddUser(ctx, registry.NewUser{Name: "alice"})
	past := now.Add(-time.Minute)
	tests := []struct {
		name string
		req  registry.NewKey
		kind error
	}{
		{"unknown user", registry.NewKey{User: "nobody"}, registry.ErrNotFound},
		{"expiry in the past", registry.NewKey{User: "alice", ExpiresAt: &past}, registry.ErrInvalid},
		{"bad glob", registry.NewKey{User: "alice", Globs: []string{"a/b"}}, registry.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := s.CreateKey(ctx, tc.req); !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want %v", err, tc.kind)
			}
		})
	}
}

func TestAddUser(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	if _, err := s.AddUser(ctx, registry.NewUser{Name: "Alice", Email: "alice@example.com", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  registry.NewUser
		kind error
	}{
		{"name taken in another case", registry.NewUser{Name: "alice"}, registry.ErrConflict},
		{"bad name", registry.NewUser{Name: "a b"}, registry.ErrInvalid},
		{"bad e-mail", registry.NewUser{Name: "bob", Email: "not-an-address"}, registry.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.AddUser(ctx, tc.req); !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want %v", err, tc.kind)
			}
		})
	}
}
