package registry_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestMadeUpIDsDoNotGrowTheCache asks for thousands of packages that do
// not exist, as a client probing made-up IDs does (and a restore against
// several feeds, less often). The cache remembers a bounded number of
// absences, none for IDs that no package can have (a 64 KiB ID, a path),
// and the feed generation, which keys cached search answers, stays put.
// A remembered absence still ends when the package is pushed.
func TestMadeUpIDsDoNotGrowTheCache(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	missing := func(id string) {
		t.Helper()
		if _, err := s.Package(ctx, id); !errors.Is(err, registry.ErrNotFound) {
			t.Fatalf("Package(%.40q): %v, want ErrNotFound", id, err)
		}
	}
	missing("Made.Up.First") // the first read syncs the cache with the store
	gen := s.Generation()
	for i := range 5000 {
		missing(fmt.Sprintf("Made.Up.%d", i))
	}
	remembered := s.CacheStats().Absent
	if remembered == 0 || remembered > registry.MaxRememberedAbsent {
		t.Errorf("%d absences remembered, want 1 to %d", remembered, registry.MaxRememberedAbsent)
	}
	for _, id := range []string{strings.Repeat("a", 64<<10), "../../etc/passwd", `Made.Up\1`, "Made.Up.1%2F.."} {
		missing(id)
	}
	if got := s.CacheStats().Absent; got != remembered {
		t.Errorf("IDs no package can have changed the remembered absences from %d to %d", remembered, got)
	}
	if s.Generation() != gen {
		t.Errorf("absences moved the feed generation from %d to %d: every miss would void cached searches", gen, s.Generation())
	}
	s.AddUser(ctx, registry.NewUser{Name: "alice"})
	secret, _, _ := s.CreateKey(ctx, registry.NewKey{User: "alice"})
	key, _ := s.Authenticate(ctx, secret)
	if _, err := s.Push(ctx, key, upload(nugettest.Spec{ID: "Made.Up.4999", Version: "1.0.0"}.Build())); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Package(ctx, "made.up.4999"); err != nil || len(p.Versions) != 1 {
		t.Errorf("after its push: %v", err)
	}
}
