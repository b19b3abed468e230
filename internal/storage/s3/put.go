package s3

import (
	"context"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/wharf-registry/wharf/internal/storage"
)

// Put stores exactly size bytes from r under key in one PUT request
// streamed with Content-Length size: the server makes the object visible
// only once the whole body has arrived, so readers never see part of it and
// an existing object is replaced in one step. r is read through a guard
// that fails the request, before its last byte is sent, when r ends early,
// has more than size bytes, fails, or ctx is done; the server then keeps
// the old object (or none). Multipart uploads are not used, so a failed
// Put leaves no parts behind; the limit is the server's largest single PUT
// (5 GiB on AWS). Errors: storage.ErrSizeMismatch,
// storage.ErrInsufficientStorage, storage.ErrReadOnly, r's error, ctx's
// error.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	name, err := s.object(ctx, key)
	if err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("s3: put %s: %w: negative size %d", key, storage.ErrSizeMismatch, size)
	}
	g := &guard{ctx: ctx, r: r, left: size, size: size}
	if size == 0 {
		// The client sends no body and never reads r: check it here.
		if err := g.checkEnd(); err != nil {
			return fmt.Errorf("s3: put %s: %w", key, err)
		}
	}
	_, err = s.client.PutObject(ctx, s.bucket, name, g, size, minio.PutObjectOptions{
		DisableMultipart: true,
		ContentType:      "application/octet-stream",
	})
	switch {
	case err == nil:
		return nil
	case g.err != nil:
		err = g.err // what made the upload fail, whatever the client made of it
	default:
		err = writeError(ctx, err)
	}
	return fmt.Errorf("s3: put %s: %w", key, err)
}

// guard passes exactly size bytes of r on to the upload. When the last of
// them is read, it reads one more byte to make sure r has no more; it
// fails instead of returning that last chunk when r has more, and fails
// when r ends early, fails, or ctx is done. Its first failure is kept in
// err, so Put can return it whatever error the client makes of it.
type guard struct {
	ctx  context.Context
	r    io.Reader
	size int64 // declared size
	left int64 // bytes still to pass on
	err  error
}

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.left == 0 {
		return 0, io.EOF
	}
	if err := g.ctx.Err(); err != nil {
		return g.fail(err)
	}
	if int64(len(p)) > g.left {
		p = p[:g.left]
	}
	n, err := g.r.Read(p)
	g.left -= int64(n)
	switch {
	case err != nil && err != io.EOF:
		return g.fail(fmt.Errorf("read: %w", err))
	case g.left > 0 && err == io.EOF:
		return g.fail(fmt.Errorf("%w: got %d bytes, want %d", storage.ErrSizeMismatch, g.size-g.left, g.size))
	case g.left == 0:
		if err := g.checkEnd(); err != nil {
			return g.fail(err)
		}
	}
	return n, nil
}

// checkEnd reads one byte past the declared size: it must find EOF.
func (g *guard) checkEnd() error {
	var one [1]byte
	for range 100 {
		n, err := g.r.Read(one[:])
		switch {
		case n > 0:
			return fmt.Errorf("%w: got more than %d bytes", storage.ErrSizeMismatch, g.size)
		case err == io.EOF:
			return g.ctx.Err()
		case err != nil:
			return fmt.Errorf("read: %w", err)
		}
	}
	return fmt.Errorf("read: %w", io.ErrNoProgress)
}

func (g *guard) fail(err error) (int, error) {
	g.err = err
	return 0, err
}
