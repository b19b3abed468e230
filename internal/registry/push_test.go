package registry_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
)

// faultyBlobs is the real filesystem store with one injected fault: the
// failAt-th Put (counting from 1) fails after writing nothing.
type faultyBlobs struct {
	storage.Blobs
	puts   atomic.Int32
	failAt int32
}

func (f *faultyBlobs) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if f.puts.Add(1) == f.failAt {
		return errors.New("injected storage fault")
	}
	return f.Blobs.Put(ctx, key, r, size)
}

func pushSetup(t *testing.T, failAt int32) (*registry.Service, *registry.APIKey, *faultyBlobs) {
	t.Helper()
	d, store := openStores(t)
	blobs := &faultyBlobs{Blobs: store, failAt: failAt}
	s, err := registry.New(d, blobs, registry.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s, aliceKey(t, s), blobs
}

// aliceKey creates the user alice and returns a key of hers.
func aliceKey(t *testing.T, s *registry.Service) *registry.APIKey {
	t.Helper()
	ctx := context.Background()
	s.AddUser(ctx, registry.NewUser{Name: "alice"})
	secret, _, err := s.CreateKey(ctx, registry.NewKey{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func upload(b []byte) registry.Upload {
	return registry.Upload{R: bytes.NewReader(b), Size: int64(len(b))}
}

func storedKeys(t *testing.T, b storage.Blobs) []string {
	t.Helper()
	var keys []string
	if err := b.List(context.Background(), "", func(i storage.Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestPushStorageFaultLeavesNothing(t *testing.T) {
	for _, failAt := range []int32{1, 2, 3} {
		t.Run("fault at put "+string(rune('0'+failAt)), func(t *testing.T) {
			s, key, blobs := pushSetup(t, failAt)
			pkg := nugettest.Spec{ID: "Atomic.Pkg", Version: "1.0.0", Readme: []byte("# hi")}.Build()
			if _, err := s.Push(context.Background(), key, upload(pkg)); err == nil {
				t.Fatal("push succeeded despite the storage fault")
			}
			if _, err := s.Package(context.Background(), "Atomic.Pkg"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("a failed push left a visible package: %v", err)
			}
			if keys := storedKeys(t, blobs); len(keys) != 0 {
				t.Errorf("a failed push left files: %v", keys)
			}
			// The retry succeeds: nothing from the failed attempt is in the way.
			if _, err := s.Push(context.Background(), key, upload(pkg)); err != nil {
				t.Fatalf("retry: %v", err)
			}
		})
	}
}

func TestConcurrentPushesOfOneVersion(t *testing.T) {
	s, key, blobs := pushSetup(t, -1)
	pkg := nugettest.Spec{ID: "Raced.Pkg", Version: "1.0.0"}.Build()
	const n = 12
	var ok, conflict atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Push(context.Background(), key, upload(pkg))
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, registry.ErrConflict):
				conflict.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || conflict.Load() != n-1 {
		t.Errorf("%d successes and %d conflicts, want 1 and %d", ok.Load(), conflict.Load(), n-1)
	}
	// Exactly one set of files remains: the losers removed theirs.
	if keys := storedKeys(t, blobs); len(keys) != 2 {
		t.Errorf("stored files = %v, want one .nupkg and one .nuspec", keys)
	}
	b, _, err := s.OpenFile(context.Background(), "raced.pkg", "1.0.0", registry.FileNupkg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	got, _ := io.ReadAll(b)
	if !bytes.Equal(got, pkg) {
		t.Error("the stored package differs from the pushed bytes")
	}
}

func TestSweepOrphans(t *testing.T) {
	s, key, blobs := pushSetup(t, -1)
	ctx := context.Background()
	if _, err := s.Push(ctx, key, upload(nugettest.Spec{ID: "Kept.Pkg", Version: "1.0.0"}.Build())); err != nil {
		t.Fatal(err)
	}
	// What a crash between the files and the row leaves behind.
	orphan := "packages/lost.pkg/1.0.0/0123456789abcdef/lost.pkg.1.0.0.nupkg"
	if err := blobs.Blobs.Put(ctx, orphan, bytes.NewReader([]byte("x")), 1); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SweepOrphans(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("a fresh orphan was swept (%d, %v): it may be a push in flight", n, err)
	}
	if n, err := s.SweepOrphans(ctx, -time.Second); err != nil || n != 1 {
		t.Errorf("swept %d files (%v), want 1", n, err)
	}
	if keys := storedKeys(t, blobs); len(keys) != 2 {
		t.Errorf("after the sweep: %v, want the kept package's two files", keys)
	}
}
