package registry

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// Symbol checks read PDBs and assemblies through debug/pe and io.ReaderAt;
// these spool them to temporary files, each bounded by its checked size.

// withSpooled decompresses a zip entry (its size and CRC already checked)
// into a temporary file for random access, and calls fn with it.
func (s *Service) withSpooled(e nuget.Entry, fn func(io.ReaderAt, int64) error) error {
	rc, err := e.File.Open()
	if err != nil {
		return fmt.Errorf("open %s: %w", e.Path, err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(s.tempDir(), "wharf-symbols-*")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	size := int64(e.File.UncompressedSize64)
	if _, err := io.Copy(tmp, io.LimitReader(rc, size)); err != nil {
		return fmt.Errorf("decompress %s: %w", e.Path, err)
	}
	return fn(tmp, size)
}

// tempDir is where symbol checks spool files ("" is the system's).
func (s *Service) tempDir() string {
	if s.mirror != nil {
		return s.mirror.temp
	}
	return ""
}

// openReaderAt opens a stored blob for random access: directly when the
// store's blobs allow it (the fs store), else through a temporary copy.
func (s *Service) openReaderAt(ctx context.Context, key string) (io.ReaderAt, int64, func(), error) {
	b, err := s.blobs.Open(ctx, key)
	if err != nil {
		return nil, 0, nil, fmt.Errorf("open %s: %w", key, err)
	}
	size := b.Info().Size
	if ra, ok := b.(io.ReaderAt); ok {
		return ra, size, func() { b.Close() }, nil
	}
	defer b.Close()
	tmp, err := os.CreateTemp(s.tempDir(), "wharf-nupkg-*")
	if err != nil {
		return nil, 0, nil, err
	}
	done := func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	if _, err := io.Copy(tmp, b); err != nil {
		done()
		return nil, 0, nil, fmt.Errorf("copy %s: %w", key, err)
	}
	return tmp, size, done, nil
}
