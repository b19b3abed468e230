package registry_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestStageThenPromote: a staged version is no version of the feed and
// IsStaged says so; a stale sign-in may not promote; a fresh one does,
// over the staged files, and the group is gone.
func TestStageThenPromote(t *testing.T) {
	s, key, blobs := pushSetup(t, 0)
	ctx := context.Background()
	b := nugettest.Spec{ID: "Alice.Lib", Version: "1.0.0"}.Build()
	st, err := s.Stage(ctx, key, registry.Upload{R: bytes.NewReader(b), Size: int64(len(b))}, "rel")
	if err != nil || !st.Created || st.Group.Slug != "rel" {
		t.Fatalf("Stage: %+v, %v", st, err)
	}
	if ok, err := s.IsStaged(ctx, "alice.lib", "1.0"); !ok || err != nil {
		t.Errorf("IsStaged = %v, %v; want true", ok, err)
	}
	if _, err := s.Package(ctx, "Alice.Lib"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("the staged package is in the feed: %v", err)
	}
	alice, err := s.OperatorAs(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	stale := *alice
	stale.SignedInAt = alice.SignedInAt.Add(-registry.FreshSignIn - time.Second)
	if _, err := s.PromoteStage(ctx, &stale, st.Group.ID); !errors.Is(err, registry.ErrForbidden) || registry.Field(err) != registry.FieldFreshSignIn {
		t.Errorf("promotion with a stale sign-in: %v", err)
	}
	p, err := s.PromoteStage(ctx, alice, st.Group.ID)
	if err != nil || len(p.Promoted) != 1 {
		t.Fatalf("PromoteStage: %+v, %v", p, err)
	}
	pkg, err := s.Package(ctx, "Alice.Lib")
	if err != nil || len(pkg.Versions) != 1 || pkg.Versions[0].BlobPrefix != st.Package.BlobPrefix {
		t.Fatalf("after promotion: %+v, %v", pkg, err)
	}
	if _, err := blobs.Stat(ctx, st.Package.BlobPrefix+"/alice.lib.1.0.0.nupkg"); err != nil {
		t.Errorf("the promoted version's file: %v", err)
	}
	if ok, _ := s.IsStaged(ctx, "Alice.Lib", "1.0.0"); ok {
		t.Error("IsStaged after promotion")
	}
	if _, err := s.PromoteStage(ctx, alice, st.Group.ID); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("promoting the promoted group again: %v", err)
	}
	// Staging a version the feed has is refused.
	if _, err := s.Stage(ctx, key, registry.Upload{R: bytes.NewReader(b), Size: int64(len(b))}, ""); !errors.Is(err, registry.ErrConflict) {
		t.Errorf("staging a published version: %v", err)
	}
}
