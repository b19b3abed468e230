package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
)

// The static copy of the restore path. Wharf keeps, in the package store
// under StaticPrefix, every document a client without credentials reads
// to restore a package of a public local feed, laid out at its URL path:
//
//	static/v3/index.json                                  (and .gz)
//	static/v3/package/{id}/index.json                     (and .gz)
//	static/v3/package/{id}/{version}/{id}.{version}.nupkg
//	static/v3/package/{id}/{version}/{id}.nuspec
//	static/v3/registration/{id}/index.json                (and .gz)
//	static/v3/registration/{id}/page/{lower}/{upper}.json (and .gz)
//	static/v3/registration/{id}/{version}.json            (and .gz)
//	static/feeds/{feed}/v3/...                            the same, per public feed
//
// so that nginx (wharf deploy nginx) or a CDN serves the restore path
// without Wharf. A .gz sits beside each document Wharf itself sends
// compressed; documents are rendered by the handlers' own functions, so
// the copy holds the bytes Wharf answers an anonymous caller.
//
// What is copied is decided per package by registry.AnonymousPackage:
// nothing of a private feed, of an upstream mirror, or of a private
// registry. Every change this process makes is republished before the
// change's caller answers (registry.PackageChanged). Changes of other
// processes, and any republication a crash cut short, are caught up from
// the feed revision log: StaticStateKey records the revision up to which
// the copy is known to match the database, and the access scope it was
// made for; it moves only after every package changed since then was
// republished, so after a kill -9 at any point the next start converges.

// StaticPrefix is where the static copy lives in the package store.
const StaticPrefix = "static/"

// StaticStateKey records how far the static copy is published.
const StaticStateKey = "static-state/published.json"

// StaticConfig configures a StaticCopy.
type StaticConfig struct {
	Registry *registry.Service
	BaseURL  string
	// CDNBaseURL, when set, is where clients read the static copy (a CDN
	// or the bucket's public endpoint, serving the store's static/
	// folder): service indexes of feeds that only hold public local
	// packages send clients there for the flat container and the
	// registration.
	CDNBaseURL string
	// Private is ServerConfig.Private: nothing is readable without
	// credentials, so nothing is copied.
	Private bool
	Logger  *slog.Logger
}

// StaticCopy keeps the static copy of the restore path (see above).
type StaticCopy struct {
	reg     *registry.Service
	blobs   storage.Blobs
	urls    URLs
	cdn     string
	private bool
	log     *slog.Logger

	stripes [64]sync.Mutex // one publication of a package at a time
	syncMu  sync.Mutex     // one catch-up at a time
	failing bool           // the last catch-up failed (under syncMu): log once
}

// NewStaticCopy returns the keeper of the static copy.
func NewStaticCopy(cfg StaticConfig) *StaticCopy {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &StaticCopy{
		reg: cfg.Registry, blobs: cfg.Registry.Blobs(), urls: NewURLs(cfg.BaseURL),
		cdn: strings.TrimRight(cfg.CDNBaseURL, "/"), private: cfg.Private, log: log,
	}
}

// staticFile is one file of the static copy: a rendered document, or a
// package file copied from the store.
type staticFile struct {
	body []byte // the document; nil for a copied file
	src  string // the package store key to copy
	size int64  // the size of the copied file
	doc  bool   // a document (body), which may change; else an immutable copy
}

// key returns the store key of an absolute URL of this registry, or ""
// when the URL is not one the copy can hold.
func (sc *StaticCopy) key(u string) string {
	p, ok := strings.CutPrefix(u, sc.urls.Base()+"/")
	if !ok || storage.ValidKey(StaticPrefix+p) != nil {
		return ""
	}
	return StaticPrefix + p
}

// addDoc renders v into files under the key of URL u, with its .gz when
// Wharf sends it compressed.
func (sc *StaticCopy) addDoc(files map[string]staticFile, u string, v any) error {
	k := sc.key(u)
	if k == "" {
		return nil
	}
	d, err := newDoc(v, time.Time{}, gzip.BestCompression)
	if err != nil {
		return err
	}
	files[k] = staticFile{body: d.body, doc: true}
	if d.gz != nil {
		files[k+".gz"] = staticFile{body: d.gz, doc: true}
	}
	return nil
}

// wanted returns every file of a package's static copy by key: none for a
// package that a caller without credentials may not read.
func (sc *StaticCopy) wanted(ctx context.Context, lowerID string) (map[string]staticFile, error) {
	files := map[string]staticFile{}
	if sc.private {
		return files, nil
	}
	p, feed, err := sc.reg.AnonymousPackage(ctx, lowerID)
	if registry.IsNotFound(err) {
		return files, nil
	}
	if err != nil {
		return nil, err
	}
	lower := strings.ToLower(p.Name)
	for _, u := range []URLs{sc.urls, sc.urls.Feed(feed)} {
		if sc.key(u.Versions(lower)) == "" {
			continue // an ID or feed name no URL path can hold: Wharf serves it
		}
		if err := sc.addDoc(files, u.Versions(lower), versionsDoc(p)); err != nil {
			return nil, err
		}
		if err := sc.addDoc(files, u.RegistrationIndex(lower), registrationIndexDoc(u, p)); err != nil {
			return nil, err
		}
		if pages, inline := pagesOf(p.Versions); !inline {
			for _, pg := range pages {
				pu := u.RegistrationPage(lower, pg[0].Version.Lower(), pg[len(pg)-1].Version.Lower())
				if err := sc.addDoc(files, pu, registrationPageDoc(u, p, pg)); err != nil {
					return nil, err
				}
			}
		}
		for i := range p.Versions {
			v := &p.Versions[i]
			lv := v.Version.Lower()
			if err := sc.addDoc(files, u.RegistrationLeaf(lower, lv), registrationLeafDoc(u, p, v)); err != nil {
				return nil, err
			}
			for _, f := range []struct {
				file registry.File
				url  string
			}{{registry.FileNupkg, u.Nupkg(lower, lv)}, {registry.FileNuspec, u.Nuspec(lower, lv)}} {
				src, err := registry.FileKey(p, v, f.file)
				if k := sc.key(f.url); err == nil && k != "" {
					size := int64(-1)
					if f.file == registry.FileNupkg {
						size = v.Size
					}
					files[k] = staticFile{src: src, size: size}
				}
			}
		}
	}
	return files, nil
}

// packagePrefixes are the folders of the copy that may hold a package's
// files: its folders in the union and in every feed.
func (sc *StaticCopy) packagePrefixes(ctx context.Context, lowerID string) ([]string, error) {
	names, err := sc.reg.AllFeeds(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range append([]URLs{sc.urls}, feedURLsOf(sc.urls, names)...) {
		for _, base := range []string{u.PackageBase(), u.RegistrationBase()} {
			if k := sc.key(base + esc(lowerID) + "/x"); k != "" {
				out = append(out, strings.TrimSuffix(k, "x"))
			}
		}
	}
	return out, nil
}

// packageOfKey returns the lowercased package ID whose folder holds a key
// of the copy, or "" for a key outside every package's folders.
func packageOfKey(key string) string {
	rest, ok := strings.CutPrefix(key, StaticPrefix)
	if !ok {
		return ""
	}
	if f, ok := strings.CutPrefix(rest, "feeds/"); ok {
		if _, after, ok := strings.Cut(f, "/"); ok {
			rest = after
		} else {
			return ""
		}
	}
	for _, dir := range []string{"v3/package/", "v3/registration/"} {
		if r, ok := strings.CutPrefix(rest, dir); ok {
			if id, _, ok := strings.Cut(r, "/"); ok {
				return id
			}
		}
	}
	return ""
}

func feedURLsOf(u URLs, names []string) []URLs {
	out := make([]URLs, len(names))
	for i, n := range names {
		out[i] = u.Feed(n)
	}
	return out
}

// Publish brings a package's static copy in line with the database:
// it writes what changed and deletes what a caller without credentials
// may no longer read. Package files go first and the versions list last,
// so a client that sees a version listed finds its files.
func (sc *StaticCopy) Publish(ctx context.Context, lowerID string) error {
	_, err := sc.publish(ctx, lowerID)
	return err
}

// publish is Publish, returning the files it keeps.
func (sc *StaticCopy) publish(ctx context.Context, lowerID string) (map[string]staticFile, error) {
	h := fnv.New32a()
	h.Write([]byte(lowerID))
	mu := &sc.stripes[h.Sum32()%uint32(len(sc.stripes))]
	mu.Lock()
	defer mu.Unlock()
	want, err := sc.wanted(ctx, lowerID)
	if err != nil {
		return nil, err
	}
	prefixes, err := sc.packagePrefixes(ctx, lowerID)
	if err != nil {
		return nil, err
	}
	have := map[string]int64{}
	for _, pre := range prefixes {
		err := sc.blobs.List(ctx, pre, func(i storage.Info) error { have[i.Key] = i.Size; return nil })
		if err != nil {
			return nil, err
		}
	}
	if err := sc.write(ctx, want, have); err != nil {
		return nil, err
	}
	// Stale documents first: a versions list must not outlive its files.
	var gone []string
	for k := range have {
		if _, ok := want[k]; !ok {
			gone = append(gone, k)
		}
	}
	sort.Slice(gone, func(i, j int) bool { return removeOrder(gone[i]) < removeOrder(gone[j]) })
	for _, k := range gone {
		if err := sc.blobs.Delete(ctx, k); err != nil {
			return nil, err
		}
	}
	return want, nil
}

// removeOrder ranks keys for deletion: versions lists and registration
// indexes, then other documents, then package files.
func removeOrder(k string) int {
	switch {
	case strings.HasSuffix(k, "/index.json"), strings.HasSuffix(k, "/index.json.gz"):
		return 0
	case strings.HasSuffix(k, ".json"), strings.HasSuffix(k, ".json.gz"):
		return 1
	}
	return 2
}

// write stores the files of want that have does not already hold as
// wanted: package files first, then documents, indexes last.
func (sc *StaticCopy) write(ctx context.Context, want map[string]staticFile, have map[string]int64) error {
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := removeOrder(keys[i]), removeOrder(keys[j])
		if a != b {
			return a > b
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		f := want[k]
		size, ok := have[k]
		switch {
		case f.doc:
			if ok && size == int64(len(f.body)) && sc.same(ctx, k, f.body) {
				continue
			}
			put := sc.blobs.Put
			if lw, ok := sc.blobs.(storage.LazyWriter); ok {
				put = lw.PutLazy // made durable by the catch-up's Flush
			}
			if err := put(ctx, k, bytes.NewReader(f.body), int64(len(f.body))); err != nil {
				return fmt.Errorf("static copy: write %s: %w", k, err)
			}
		default:
			if ok && (f.size < 0 || size == f.size) {
				continue // package files never change
			}
			if err := sc.copyFile(ctx, k, f.src); errors.Is(err, storage.ErrNotFound) {
				// The store lost a package file ('wharf check' reports it):
				// nginx asks Wharf for it, and the rest of the copy goes on.
				sc.log.Warn("the static copy skips a package file the store lacks", "key", f.src)
			} else if err != nil {
				return err
			}
		}
	}
	return nil
}

// same reports whether the store holds body under key.
func (sc *StaticCopy) same(ctx context.Context, key string, body []byte) bool {
	b, err := sc.blobs.Open(ctx, key)
	if err != nil {
		return false
	}
	defer b.Close()
	got, err := io.ReadAll(io.LimitReader(b, int64(len(body))+1))
	return err == nil && bytes.Equal(got, body)
}

// copyFile copies a package file of the store to key: a hard link where
// the store can make one (the folder store), so the copy costs no disk.
func (sc *StaticCopy) copyFile(ctx context.Context, key, src string) error {
	if lw, ok := sc.blobs.(storage.LazyWriter); ok {
		if err := lw.Link(ctx, src, key); err != nil {
			return fmt.Errorf("static copy: link %s: %w", key, err)
		}
		return nil
	}
	b, err := sc.blobs.Open(ctx, src)
	if err != nil {
		return fmt.Errorf("static copy: read %s: %w", src, err)
	}
	defer b.Close()
	if err := sc.blobs.Put(ctx, key, b, b.Info().Size); err != nil {
		return fmt.Errorf("static copy: write %s: %w", key, err)
	}
	return nil
}

// Changed is the registry's change hook (registry.PackageChanged): it
// republishes a package before the change's caller answers, or catches up
// every package when a feed's visibility changed (lowerID ""). When that
// fails, the package's versions list and registration index are removed,
// so that nginx asks Wharf rather than answer from an old copy, and the
// catch-up retries.
func (sc *StaticCopy) Changed(ctx context.Context, lowerID string) {
	if lowerID == "" {
		if err := sc.CatchUp(ctx); err != nil {
			sc.log.Warn("updating the static copy after a feed change failed; it will be retried", "err", err)
		}
		return
	}
	if err := sc.Publish(ctx, lowerID); err != nil {
		sc.log.Warn("updating the static copy failed; it will be retried", "id", registry.EscapeText(lowerID), "err", err)
		sc.withdraw(ctx, lowerID)
	}
}

// withdraw deletes the mutable indexes of a package from the copy.
func (sc *StaticCopy) withdraw(ctx context.Context, lowerID string) {
	names, _ := sc.reg.AllFeeds(ctx)
	for _, u := range append([]URLs{sc.urls}, feedURLsOf(sc.urls, names)...) {
		for _, doc := range []string{u.Versions(lowerID), u.RegistrationIndex(lowerID)} {
			if k := sc.key(doc); k != "" {
				_ = sc.blobs.Delete(ctx, k)
				_ = sc.blobs.Delete(ctx, k+".gz")
			}
		}
	}
}
