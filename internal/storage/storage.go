// Package storage defines Blobs, the store for the immutable files of
// pushed packages, its errors and its key rules. Backends live in
// sub-packages (fs, s3) and all pass the conformance suite in
// storagetest.
//
// # Key layout
//
// Keys are slash-separated (see ValidKey). The registry stores every file of
// one push of a package version under a fresh per-upload prefix:
//
//	packages/{lowerid}/{lowerversion}/{uploadid}/{lowerid}.{lowerversion}.nupkg
//	packages/{lowerid}/{lowerversion}/{uploadid}/{lowerid}.nuspec
//	packages/{lowerid}/{lowerversion}/{uploadid}/readme.md
//	packages/{lowerid}/{lowerversion}/{uploadid}/icon
//	packages/{lowerid}/{lowerversion}/{uploadid}/license.txt
//
// A version's symbol package (.snupkg), pushed later, gets a prefix of
// the same shape, recorded by its own row (see registry.SymbolPackage):
//
//	packages/{lowerid}/{lowerversion}/{uploadid}/{lowerid}.{lowerversion}.snupkg
//	packages/{lowerid}/{lowerversion}/{uploadid}/{n}.pdb
//
// {lowerid} and {lowerversion} are the lower-cased package ID and normalized
// version; {uploadid} is a random id chosen per push, so a failed or racing
// push never writes over the files of a committed one. The database row of
// a version records its prefix; a prefix no row points at is an orphan and
// garbage collection deletes it (List then Delete).
//
// Besides "packages/", the web layer keeps the static copy of the public
// restore documents under "static/" and its progress under "static-state/"
// (see web/static.go); neither is a package file, and garbage collection
// and 'wharf check' look at "packages/" only. Keys are case-sensitive, but
// the registry only writes lower-case ones, so a case-insensitive file
// system is safe.
package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

var (
	// ErrNotFound is returned (wrapped) when a key does not exist.
	ErrNotFound = errors.New("storage: blob not found")
	// ErrSizeMismatch is returned (wrapped) by Put when the reader yields
	// fewer or more bytes than the declared size, or the size is negative.
	ErrSizeMismatch = errors.New("storage: blob size does not match the declared size")
	// ErrInvalidKey is returned (wrapped) for a key ValidKey rejects, or one
	// a backend reserves for itself.
	ErrInvalidKey = errors.New("storage: invalid key")
	// ErrInsufficientStorage is returned by writes that failed because the
	// store is full (ENOSPC, EDQUOT); it wraps the OS error as well. The
	// HTTP layer answers 507.
	ErrInsufficientStorage = errors.New("storage: insufficient storage")
	// ErrReadOnly is returned by writes that the store refused: a read-only
	// file system (EROFS) or missing permission (EACCES, EPERM); it wraps
	// the OS error as well. The HTTP layer answers 503.
	ErrReadOnly = errors.New("storage: store is read-only")
)

// Info describes a stored blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time // when the blob was stored
}

// Blob is an open blob. It is seekable so that http.ServeContent can answer
// range requests. A Blob reads one complete version of its key: after the
// key is overwritten or deleted, reads may fail but never mix versions.
type Blob interface {
	io.ReadSeekCloser
	// Info describes the version being read.
	Info() Info
}

// Blobs stores immutable byte blobs under slash-separated keys (see
// ValidKey). Every method returns an error wrapping ErrInvalidKey for an
// invalid key, and the context's error when ctx is done. Methods are safe
// for concurrent use.
//
// A key must not also be the directory of another key ("a/b" and "a/b/c"):
// the fs backend cannot hold both and its Put fails. The layout above never
// does this.
type Blobs interface {
	// Put stores exactly size bytes from r under key atomically: readers
	// never observe a partial blob, and an existing key is replaced in one
	// step. Put reads at most size+1 bytes from r. On any error no partial
	// blob is visible, no temporary data lingers, and the key holds what it
	// held before (nothing, for a new key) or, if the failure came after the
	// new blob replaced the old one, nothing. Errors: ErrSizeMismatch, ErrInsufficientStorage,
	// ErrReadOnly, the reader's error, ctx's error.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open opens the blob under key. The caller closes it.
	// Errors: ErrNotFound.
	Open(ctx context.Context, key string) (Blob, error)
	// Stat describes the blob under key. Errors: ErrNotFound.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the blob under key. Deleting a missing key returns
	// nil. Errors: ErrReadOnly.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key that starts with prefix ("" lists all),
	// in lexical byte order of keys. The match is a plain string prefix, so
	// a prefix ending in "/" selects one directory: "packages/a/" matches
	// "packages/a/1" but not "packages/ab/1", while "packages/a" matches
	// both. fn may Delete keys, including the one it is given. List stops
	// at fn's first error and returns it.
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// Ping reports whether the store is reachable and accepts writes, for
	// readiness probes. Errors: ErrReadOnly, ErrInsufficientStorage, others.
	Ping(ctx context.Context) error
}

// LazyWriter is implemented by backends whose writes are durable only
// after an fsync (the fs backend), for data that can be made again (the
// static copy of the restore path): PutLazy is Put without waiting for
// the disk, Link stores an immutable blob under a second key without
// copying its bytes, and Flush makes every earlier PutLazy and Link
// durable. Readers see PutLazy and Link at once, atomically, as Put.
type LazyWriter interface {
	PutLazy(ctx context.Context, key string, r io.Reader, size int64) error
	Link(ctx context.Context, src, key string) error
	Flush(ctx context.Context) error
}

// Presigner is implemented by backends that can give a client a
// short-lived URL to download a blob straight from the store (the s3
// backend), so the HTTP layer may redirect instead of streaming the blob
// itself. PresignedURL returns "" and nil when the backend is configured
// not to presign; the caller then streams the blob from Open. It does not
// check that the key exists. Errors: ErrInvalidKey, ctx's error, others.
type Presigner interface {
	PresignedURL(ctx context.Context, key string) (string, error)
}

const (
	// MaxKeyLen is the longest key in bytes.
	MaxKeyLen = 1024
	// MaxSegmentLen is the longest key segment in bytes: the longest file
	// name most file systems accept.
	MaxSegmentLen = 255
)

// ValidKey reports whether key is a valid blob key: non-empty, at most
// MaxKeyLen bytes, made of segments separated by single slashes, with no
// leading or trailing slash. Each segment is 1 to MaxSegmentLen bytes of
// [A-Za-z0-9._+-] and is neither "." nor "..". The error wraps ErrInvalidKey
// and says what is wrong.
func ValidKey(key string) error {
	switch {
	case key == "":
		return keyError(key, "empty key")
	case len(key) > MaxKeyLen:
		return keyError(key, fmt.Sprintf("%d bytes, longer than %d", len(key), MaxKeyLen))
	case key[0] == '/':
		return keyError(key, "leading slash")
	case key[len(key)-1] == '/':
		return keyError(key, "trailing slash")
	}
	for i, seg := range strings.Split(key, "/") {
		if reason := badSegment(seg); reason != "" {
			return keyError(key, fmt.Sprintf("segment %d %s", i+1, reason))
		}
	}
	return nil
}

// badSegment says what is wrong with one key segment, or "" if nothing is.
func badSegment(seg string) string {
	switch {
	case seg == "":
		return "is empty"
	case seg == "." || seg == "..":
		return fmt.Sprintf("is %q", seg)
	case len(seg) > MaxSegmentLen:
		return fmt.Sprintf("has %d bytes, longer than %d", len(seg), MaxSegmentLen)
	}
	for _, c := range seg {
		if !keyRune(c) {
			return fmt.Sprintf("has the character %q; allowed are A-Z a-z 0-9 . _ + -", c)
		}
	}
	return ""
}

func keyRune(c rune) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '+' || c == '-'
}

func keyError(key, reason string) error {
	if len(key) > 80 {
		key = key[:80] + "…"
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, reason)
}
