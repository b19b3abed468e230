package registry_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// unsureStore is the real store whose InsertVersion loses the database
// during the commit, as internal/db reports it: ErrOutcomeUnknown with
// ErrUnavailable, after the row really committed (the answer was lost) or
// not (the commit was).
type unsureStore struct {
	registry.Store
	committed bool
}

func (s *unsureStore) InsertVersion(ctx context.Context, name string, ownerID, feedID int64, v *registry.PackageVersion) error {
	if s.committed {
		if err := s.Store.InsertVersion(ctx, name, ownerID, feedID, v); err != nil {
			return err
		}
	}
	lost := &registry.Error{Kind: registry.ErrUnavailable, Message: "The registry's database does not answer."}
	return fmt.Errorf("insert version: %w: %w", registry.ErrOutcomeUnknown, lost)
}

// TestPushCommitInDoubt: a push whose commit may or may not have happened
// answers ErrUnavailable and keeps its files. If the row committed, the
// version is served whole after a restart: nothing was lost. If it did
// not, the files are orphans the sweep removes, and a retry succeeds.
func TestPushCommitInDoubt(t *testing.T) {
	for _, committed := range []bool{true, false} {
		t.Run(fmt.Sprintf("committed=%v", committed), func(t *testing.T) {
			ctx := context.Background()
			d, blobs := openStores(t)
			quiet := registry.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			unsure, err := registry.New(&unsureStore{Store: d, committed: committed}, blobs, quiet)
			if err != nil {
				t.Fatal(err)
			}
			key := aliceKey(t, unsure)
			pkg := nugettest.Spec{ID: "Doubt.Pkg", Version: "1.0.0"}.Build()
			if _, err := unsure.Push(ctx, key, upload(pkg)); !errors.Is(err, registry.ErrUnavailable) {
				t.Fatalf("push: %v, want ErrUnavailable", err)
			}
			if keys := storedKeys(t, blobs); len(keys) != 2 {
				t.Fatalf("stored files after the push in doubt: %q, want its .nupkg and .nuspec kept", keys)
			}
			restarted, err := registry.New(d, blobs, quiet)
			if err != nil {
				t.Fatal(err)
			}
			r, err := restarted.Check(ctx, true)
			if err != nil || !r.OK() {
				t.Fatalf("check: %+v, %v", r, err)
			}
			if committed {
				b, _, err := restarted.OpenFile(ctx, "doubt.pkg", "1.0.0", registry.FileNupkg)
				if err != nil {
					t.Fatalf("the committed version after a restart: %v", err)
				}
				got, _ := io.ReadAll(b)
				b.Close()
				if !bytes.Equal(got, pkg) {
					t.Error("the committed version is served with other bytes")
				}
				return
			}
			if len(r.Orphans) != 2 {
				t.Errorf("orphans: %q, want the push's two files", r.Orphans)
			}
			if n, err := restarted.SweepOrphans(ctx, -time.Second); err != nil || n != 2 {
				t.Errorf("sweep: %d, %v; want the 2 files removed", n, err)
			}
			if _, err := restarted.Push(ctx, key, upload(pkg)); err != nil {
				t.Errorf("retry: %v", err)
			}
		})
	}
}
