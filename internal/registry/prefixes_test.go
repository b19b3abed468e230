package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// keyFor creates a key of user acting for owner ("" = the user).
func keyFor(t *testing.T, s *registry.Service, user, owner string) *registry.APIKey {
	t.Helper()
	ctx := context.Background()
	secret, _, err := s.CreateKey(ctx, registry.NewKey{User: user, Owner: owner})
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func pushID(s *registry.Service, key *registry.APIKey, id, version string) error {
	_, err := s.Push(context.Background(), key, upload(nugettest.Spec{ID: id, Version: version}.Build()))
	return err
}

// TestPushUnderReservedPrefix: only the owner of a reserved prefix may
// create IDs under it, in any case; IDs that existed before keep working
// for their owners; a stranger hears the same sentence whether or not the
// ID exists; an organisation's prefix admits the organisation's keys.
func TestPushUnderReservedPrefix(t *testing.T) {
	ctx := context.Background()
	s, alice, _ := pushSetup(t, 0)
	s.AddUser(ctx, registry.NewUser{Name: "mallory"})
	mallory := keyFor(t, s, "mallory", "")
	if _, err := s.AddOrganization(ctx, "contoso", "alice"); err != nil {
		t.Fatal(err)
	}
	contoso := keyFor(t, s, "alice", "contoso")
	if err := pushID(s, mallory, "Contoso.Early", "1.0.0"); err != nil { // before the reservation
		t.Fatal(err)
	}
	if err := pushID(s, alice, "Contoso.Alices", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReservePrefix(ctx, "Contoso.*", "contoso"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReservePrefix(ctx, "Fabrikam.Sdk", "alice"); err != nil {
		t.Fatal(err)
	}

	refused := "falls under the prefix 'Contoso.*', which is reserved for contoso: push with a key that acts for 'contoso', or choose another ID."
	for _, tc := range []struct {
		name string
		key  *registry.APIKey
		id   string
		want string // "" = allowed
	}{
		{"stranger, new ID", mallory, "Contoso.New", refused},
		{"stranger, other case", mallory, "CONTOSO.new2", refused},
		{"stranger, ID that exists (no leak)", mallory, "Contoso.Alices", refused},
		{"member with a personal key", alice, "Contoso.Personal", refused},
		{"organisation key", contoso, "Contoso.Sdk", ""},
		{"organisation key, other case", contoso, "contoso.tools", ""},
		{"the bare name is not under Contoso.*", mallory, "Contoso", ""},
		{"existing ID keeps working for its owner", mallory, "Contoso.Early", ""},
		{"existing ID of a member keeps working", alice, "Contoso.Alices", ""},
		{"exact reservation", mallory, "fabrikam.sdk", "reserved for alice"},
		{"exact reservation does not reach below", mallory, "Fabrikam.Sdk.Extra", ""},
		{"exact reservation, owner", alice, "Fabrikam.Sdk", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := pushID(s, tc.key, tc.id, "2.0.0")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("push refused: %v", err)
				}
				return
			}
			if !errors.Is(err, registry.ErrForbidden) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("push: %v; want ErrForbidden saying %q", err, tc.want)
			}
		})
	}
	if p, owner, ok := s.ReservedBy(ctx, "contoso.anything"); !ok || p != "Contoso.*" || owner != "contoso" {
		t.Errorf("ReservedBy = %q, %q, %v; want Contoso.*, contoso, true", p, owner, ok)
	}
	if _, _, ok := s.ReservedBy(ctx, "Other.Thing"); ok {
		t.Error("ReservedBy reports an ID no pattern matches")
	}
	if err := s.ReleasePrefix(ctx, "CONTOSO.*"); err != nil {
		t.Fatal(err)
	}
	if err := pushID(s, mallory, "Contoso.New", "1.0.0"); err != nil {
		t.Errorf("push after release: %v", err)
	}
}

// TestReservePrefixRules: patterns are validated, duplicates in any case
// conflict, the owner must exist, only admins act from the UI, and a new
// reservation names existing packages others own.
func TestReservePrefixRules(t *testing.T) {
	ctx := context.Background()
	s, _, _ := pushSetup(t, 0)
	m, err := s.AddUser(ctx, registry.NewUser{Name: "mallory"})
	if err != nil {
		t.Fatal(err)
	}
	if err := pushID(s, keyFor(t, s, "mallory", ""), "Contoso.Taken", "1.0.0"); err != nil {
		t.Fatal(err)
	}
	r, err := s.ReservePrefix(ctx, "Contoso.*", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Others) != 1 || r.Others[0] != "Contoso.Taken" {
		t.Errorf("Others = %v, want [Contoso.Taken]", r.Others)
	}
	for _, tc := range []struct {
		pattern, owner string
		kind           error
		want           string
	}{
		{"*", "alice", registry.ErrInvalid, "every package ID"},
		{"Contoso*", "alice", registry.ErrInvalid, "'*' may only end it"},
		{"Bad..Id.*", "alice", registry.ErrInvalid, "not a valid pattern"},
		{"contoso.*", "alice", registry.ErrConflict, "'Contoso.*' is already reserved for alice"},
		{"Fabrikam.*", "nobody", registry.ErrNotFound, "no user or organisation named 'nobody'"},
	} {
		if _, err := s.ReservePrefix(ctx, tc.pattern, tc.owner); !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReservePrefix(%q, %q): %v; want %v saying %q", tc.pattern, tc.owner, err, tc.kind, tc.want)
		}
	}
	if err := s.ReleasePrefix(ctx, "Nothing.*"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("releasing what is not reserved: %v, want ErrNotFound", err)
	}
	if _, err := s.ReservePrefixAs(ctx, m, "Mallory.*", "mallory"); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("a non-admin reserved a prefix: %v", err)
	}
	list, err := s.ListPrefixes(ctx)
	if err != nil || len(list) != 1 || list[0].OwnerName != "alice" {
		t.Errorf("ListPrefixes = %+v, %v", list, err)
	}
}
