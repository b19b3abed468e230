package registry_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestChangesByAnotherProcessBecomeVisible runs two services on one
// database and store, as the server and an admin command (or two
// replicas) do: what one writes, the other serves within its sync period,
// including a package it had cached as missing and a later unlist.
func TestChangesByAnotherProcessBecomeVisible(t *testing.T) {
	ctx := context.Background()
	d, blobs := openStores(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := registry.New(d, blobs, registry.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	b, err := registry.New(d, blobs, registry.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go a.Run(runCtx, 20*time.Millisecond)

	if _, err := a.Package(ctx, "Shared.Pkg"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("before the push: %v", err)
	}
	b.AddUser(ctx, registry.NewUser{Name: "alice"})
	secret, _, _ := b.CreateKey(ctx, registry.NewKey{User: "alice"})
	key, _ := b.Authenticate(ctx, secret)
	if _, err := b.Push(ctx, key, upload(nugettest.Spec{ID: "Shared.Pkg", Version: "1.0.0"}.Build())); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the push made by the other process", func() bool {
		p, err := a.Package(ctx, "shared.pkg")
		return err == nil && len(p.Versions) == 1
	})
	if err := b.SetListed(ctx, key, "Shared.Pkg", "1.0.0", false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the unlist made by the other process", func() bool {
		p, err := a.Package(ctx, "shared.pkg")
		return err == nil && !p.Versions[0].Listed
	})
	res, err := a.Search(ctx, registry.SearchQuery{Take: -1})
	if err != nil || res.TotalHits != 0 {
		t.Errorf("search after the other process unlisted: %d hits (%v), want 0", res.TotalHits, err)
	}
}

// TestDeletesByAnotherProcessBecomeVisible: a version deleted for good by
// another process, and then its package's last version, leave this
// process's cache (reads, search) through the revision log; and a push of
// the deleted coordinates through this process is refused although its
// cache held the version.
func TestDeletesByAnotherProcessBecomeVisible(t *testing.T) {
	ctx := context.Background()
	d, blobs := openStores(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := registry.New(d, blobs, registry.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	b, err := registry.New(d, blobs, registry.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go a.Run(runCtx, 20*time.Millisecond)

	a.AddUser(ctx, registry.NewUser{Name: "alice"})
	secret, _, _ := a.CreateKey(ctx, registry.NewKey{User: "alice"})
	key, _ := a.Authenticate(ctx, secret)
	for _, v := range []string{"1.0.0", "2.0.0"} {
		if _, err := a.Push(ctx, key, upload(nugettest.Spec{ID: "Gone.Pkg", Version: v}.Build())); err != nil {
			t.Fatal(err)
		}
	}
	if p, err := a.Package(ctx, "gone.pkg"); err != nil || len(p.Versions) != 2 {
		t.Fatalf("before the deletes: %v", err)
	}
	if _, err := b.DeleteVersion(ctx, "Gone.Pkg", "1.0.0", "test"); err != nil {
		t.Fatal(err)
	}
	_, err = a.Push(ctx, key, upload(nugettest.Spec{ID: "Gone.Pkg", Version: "1.0"}.Build()))
	if !errors.Is(err, registry.ErrConflict) || !strings.Contains(registry.Message(err), "was deleted on") {
		t.Errorf("push of the deleted version through the other process: %v", err)
	}
	eventually(t, "the delete made by the other process", func() bool {
		p, err := a.Package(ctx, "gone.pkg")
		return err == nil && len(p.Versions) == 1
	})
	if _, err := b.DeleteVersion(ctx, "Gone.Pkg", "2.0.0", "test"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the package whose last version the other process deleted", func() bool {
		_, err := a.Package(ctx, "gone.pkg")
		return errors.Is(err, registry.ErrNotFound)
	})
	res, err := a.Search(ctx, registry.SearchQuery{Take: -1})
	if err != nil || res.TotalHits != 0 {
		t.Errorf("search after the other process deleted the package: %d hits (%v), want 0", res.TotalHits, err)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s never became visible", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReadsSeeOtherReplicasAtOnce is the replica guarantee with the
// default freshness bound (0): without any background sync, a read that
// starts after another service committed a push or an unlist sees it.
func TestReadsSeeOtherReplicasAtOnce(t *testing.T) {
	ctx := context.Background()
	d, blobs := openStores(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, _ := registry.New(d, blobs, registry.Options{Logger: quiet})
	b, _ := registry.New(d, blobs, registry.Options{Logger: quiet})
	b.AddUser(ctx, registry.NewUser{Name: "alice"})
	secret, _, _ := b.CreateKey(ctx, registry.NewKey{User: "alice"})
	key, _ := b.Authenticate(ctx, secret)
	if _, err := a.Search(ctx, registry.SearchQuery{Take: -1}); err != nil { // a caches the empty feed
		t.Fatal(err)
	}
	for _, v := range []string{"1.0.0", "2.0.0"} {
		if _, err := b.Push(ctx, key, upload(nugettest.Spec{ID: "Shared.Pkg", Version: v}.Build())); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Version(ctx, "Shared.Pkg", v); err != nil {
			t.Errorf("version %s pushed through b: a says %v", v, err)
		}
	}
	if err := b.SetListed(ctx, key, "Shared.Pkg", "2.0.0", false); err != nil {
		t.Fatal(err)
	}
	res, err := a.Search(ctx, registry.SearchQuery{Take: -1})
	if err != nil || res.TotalHits != 1 || res.Hits[0].Latest.Version.String() != "1.0.0" {
		t.Errorf("search on a right after b unlisted 2.0.0: %+v (%v), want latest 1.0.0", res, err)
	}
}

// TestMissingVersionsAreLookedUpWithinAStaleBound: with a positive
// FeedMaxAge lists may lag, but a version that is not in the snapshot is
// looked up at once, so a push on another replica restores immediately.
func TestMissingVersionsAreLookedUpWithinAStaleBound(t *testing.T) {
	ctx := context.Background()
	d, blobs := openStores(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, _ := registry.New(d, blobs, registry.Options{Logger: quiet, FeedMaxAge: time.Hour})
	b, _ := registry.New(d, blobs, registry.Options{Logger: quiet})
	b.AddUser(ctx, registry.NewUser{Name: "alice"})
	secret, _, _ := b.CreateKey(ctx, registry.NewKey{User: "alice"})
	key, _ := b.Authenticate(ctx, secret)
	if _, err := b.Push(ctx, key, upload(nugettest.Spec{ID: "Lagging.Pkg", Version: "1.0.0"}.Build())); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Version(ctx, "Lagging.Pkg", "1.0.0"); err != nil { // a new package: looked up
		t.Fatal(err)
	}
	if _, err := b.Push(ctx, key, upload(nugettest.Spec{ID: "Lagging.Pkg", Version: "2.0.0"}.Build())); err != nil {
		t.Fatal(err)
	}
	if p, _ := a.Package(ctx, "Lagging.Pkg"); len(p.Versions) != 1 {
		t.Logf("the list caught up early (%d versions): allowed, not required", len(p.Versions))
	}
	if _, _, err := a.Version(ctx, "Lagging.Pkg", "2.0.0"); err != nil {
		t.Errorf("a version pushed elsewhere, missing from a's snapshot: %v, want it found at once", err)
	}
	if _, _, err := a.Version(ctx, "Lagging.Pkg", "3.0.0"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("a version that exists nowhere: %v, want ErrNotFound", err)
	}
}
