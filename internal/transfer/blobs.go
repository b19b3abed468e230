package transfer

import (
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/wharf-registry/wharf/internal/storage"
)

// copyBlobs copies every blob under packages/ that the target lacks (or
// holds with another size), then reads back each one from both stores and
// compares their SHA-512, so every blob in the target is verified byte for
// byte, copied now or before.
func (m *Move) copyBlobs(ctx context.Context, sum *Summary, say func(string, ...any)) error {
	var infos []storage.Info
	if err := m.FromBlobs.List(ctx, "packages/", func(i storage.Info) error {
		infos = append(infos, i)
		return nil
	}); err != nil {
		return fmt.Errorf("list the source's blobs: %w", err)
	}
	workers := m.Workers
	if workers <= 0 {
		workers = 4
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, info := range infos {
		g.Go(func() error {
			copied, err := m.copyBlob(gctx, info)
			if err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			sum.Blobs++
			sum.Bytes += info.Size
			if copied {
				sum.BlobsCopied++
				sum.BytesCopied += info.Size
			}
			if sum.Blobs%1000 == 0 {
				say("  %d of %d blobs", sum.Blobs, len(infos))
			}
			return nil
		})
	}
	return g.Wait()
}

// copyBlob copies one blob unless the target has it at the same size, and
// verifies it. It reports whether it copied.
func (m *Move) copyBlob(ctx context.Context, info storage.Info) (bool, error) {
	copied := false
	have, err := m.ToBlobs.Stat(ctx, info.Key)
	if errors.Is(err, storage.ErrNotFound) || err == nil && have.Size != info.Size {
		if err := m.put(ctx, info); err != nil {
			return false, err
		}
		copied = true
	} else if err != nil {
		return false, fmt.Errorf("stat %s in the target: %w", info.Key, err)
	}
	want, err := digest(ctx, m.FromBlobs, info.Key)
	if err != nil {
		return copied, fmt.Errorf("read %s from the source: %w", info.Key, err)
	}
	got, err := digest(ctx, m.ToBlobs, info.Key)
	if err != nil {
		return copied, fmt.Errorf("read %s back from the target: %w", info.Key, err)
	}
	if !bytes.Equal(want, got) {
		return copied, fmt.Errorf("%s differs in the target after copying (SHA-512 mismatch): nothing was changed in the source; run the move again", info.Key)
	}
	return copied, nil
}

func (m *Move) put(ctx context.Context, info storage.Info) error {
	b, err := m.FromBlobs.Open(ctx, info.Key)
	if err != nil {
		return fmt.Errorf("open %s in the source: %w", info.Key, err)
	}
	defer b.Close()
	if err := m.ToBlobs.Put(ctx, info.Key, b, b.Info().Size); err != nil {
		return fmt.Errorf("write %s to the target: %w", info.Key, err)
	}
	return nil
}

func digest(ctx context.Context, s storage.Blobs, key string) ([]byte, error) {
	b, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	h := sha512.New()
	if _, err := io.Copy(h, b); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
