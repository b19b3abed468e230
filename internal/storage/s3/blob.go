package s3

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/minio/minio-go/v7"

	"github.com/wharf-registry/wharf/internal/storage"
)

// blob reads one version of an object. Open starts a GET of the whole
// object and reads sequentially from it; a Read after a Seek elsewhere
// starts a ranged GET pinned to the version Open saw, by version ID where
// the bucket has versioning and by If-Match on the ETag always, so a blob
// never mixes versions: once the key is overwritten or deleted, such a
// Read fails instead. Reads use the context given to Open.
type blob struct {
	s       *Store
	ctx     context.Context
	key     string
	name    string // object name
	etag    string
	version string // object version ID, "" without versioning
	info    storage.Info

	body    io.ReadCloser // nil when no GET is open
	bodyPos int64         // offset in the object of body's next byte
	pos     int64         // offset of the next Read
	closed  bool
}

// Open opens the blob under key: it starts a GET of the whole object,
// which the Blob streams. Reading stops when ctx is done. The caller
// closes the Blob. Errors: storage.ErrNotFound.
func (s *Store) Open(ctx context.Context, key string) (storage.Blob, error) {
	name, err := s.object(ctx, key)
	if err != nil {
		return nil, err
	}
	body, oi, _, err := s.core().GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("s3: open %s: %w", key, readError(ctx, err))
	}
	return &blob{
		s: s, ctx: ctx, key: key, name: name,
		etag: oi.ETag, version: oi.VersionID, info: info(key, oi),
		body: body,
	}, nil
}

// core gives the lower-level calls that return a GET's body and headers.
func (s *Store) core() minio.Core { return minio.Core{Client: s.client} }

// Info describes the version being read.
func (b *blob) Info() storage.Info { return b.info }

// Read reads from the current offset, starting a ranged GET when the open
// one is not there.
func (b *blob) Read(p []byte) (int, error) {
	if b.closed {
		return 0, fmt.Errorf("s3: read %s: %w", b.key, errors.New("blob is closed"))
	}
	if b.pos >= b.info.Size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.body == nil || b.bodyPos != b.pos {
		if err := b.reopen(); err != nil {
			return 0, err
		}
	}
	if rest := b.info.Size - b.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.body.Read(p)
	b.pos += int64(n)
	b.bodyPos = b.pos
	if err == io.EOF && b.pos < b.info.Size {
		err = fmt.Errorf("s3: read %s: body ended at %d of %d bytes: %w", b.key, b.pos, b.info.Size, io.ErrUnexpectedEOF)
	} else if err != nil && err != io.EOF {
		err = fmt.Errorf("s3: read %s: %w", b.key, readError(b.ctx, err))
	}
	if err != nil {
		b.closeBody()
	}
	return n, err
}

// reopen replaces the open GET with one from b.pos to the end, pinned to
// the opened version.
func (b *blob) reopen() error {
	b.closeBody()
	opts := minio.GetObjectOptions{VersionID: b.version}
	if err := opts.SetMatchETag(b.etag); err != nil {
		return fmt.Errorf("s3: read %s: %w", b.key, err)
	}
	if b.pos > 0 {
		if err := opts.SetRange(b.pos, 0); err != nil {
			return fmt.Errorf("s3: read %s: %w", b.key, err)
		}
	}
	body, _, _, err := b.s.core().GetObject(b.ctx, b.s.bucket, b.name, opts)
	if err != nil {
		if resp, ok := response(err); ok && resp.StatusCode == 412 {
			return fmt.Errorf("s3: read %s at offset %d: the blob was replaced after it was opened: %w", b.key, b.pos, err)
		}
		return fmt.Errorf("s3: read %s at offset %d: %w", b.key, b.pos, readError(b.ctx, err))
	}
	b.body, b.bodyPos = body, b.pos
	return nil
}

// Seek sets the offset of the next Read; it makes no request.
func (b *blob) Seek(offset int64, whence int) (int64, error) {
	if b.closed {
		return 0, fmt.Errorf("s3: seek %s: %w", b.key, errors.New("blob is closed"))
	}
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = b.pos + offset
	case io.SeekEnd:
		abs = b.info.Size + offset
	default:
		return 0, fmt.Errorf("s3: seek %s: invalid whence %d", b.key, whence)
	}
	if abs < 0 {
		return 0, fmt.Errorf("s3: seek %s: negative position %d", b.key, abs)
	}
	b.pos = abs
	return abs, nil
}

// Close ends the open GET, if any.
func (b *blob) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	b.closeBody()
	return nil
}

func (b *blob) closeBody() {
	if b.body != nil {
		b.body.Close()
		b.body = nil
	}
}
