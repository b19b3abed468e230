package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
)

// staticState is what StaticStateKey holds.
type staticState struct {
	// Revision is the feed revision up to which every package change is
	// in the copy.
	Revision int64 `json:"revision"`
	// Scope describes what the copy was made for (base URL, CDN, which
	// feeds anonymous callers read): when it differs, every package is
	// republished and whatever is no longer readable removed.
	Scope string `json:"scope"`
}

// scopeOf describes the scope of a copy made now.
func (sc *StaticCopy) scopeOf(s registry.StaticScope) string {
	return fmt.Sprintf("base=%s cdn=%s private=%t any-private=%t upstreams=%t public=%s",
		sc.urls.Base(), sc.cdn, sc.private, s.AnyPrivate, s.Upstreams, strings.Join(s.PublicFeeds, ","))
}

// readState reads StaticStateKey; ok is false when there is none.
func (sc *StaticCopy) readState(ctx context.Context) (st staticState, ok bool, err error) {
	b, err := sc.blobs.Open(ctx, StaticStateKey)
	if errors.Is(err, storage.ErrNotFound) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	defer b.Close()
	raw, err := io.ReadAll(io.LimitReader(b, 1<<20))
	if err != nil {
		return st, false, err
	}
	if json.Unmarshal(raw, &st) != nil {
		return staticState{}, false, nil // unreadable: start over
	}
	return st, true, nil
}

// writeState records st, once every file written before is durable.
func (sc *StaticCopy) writeState(ctx context.Context, st staticState) error {
	if lw, ok := sc.blobs.(storage.LazyWriter); ok {
		if err := lw.Flush(ctx); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(st)
	return sc.blobs.Put(ctx, StaticStateKey, bytes.NewReader(b), int64(len(b)))
}

// CatchUp republishes every package changed since the recorded revision,
// or the whole copy when the scope changed (a feed became private or
// public, the base URL changed) or nothing is recorded, then records the
// revision it reached. serve runs it at start and every few seconds
// (Run); it is what makes the copy converge after a crash, and follow
// the changes other processes make.
func (sc *StaticCopy) CatchUp(ctx context.Context) error {
	sc.syncMu.Lock()
	defer sc.syncMu.Unlock()
	st, ok, err := sc.readState(ctx)
	if err != nil {
		return fmt.Errorf("static copy: read %s: %w", StaticStateKey, err)
	}
	scope, err := sc.reg.AnonymousScope(ctx)
	if err != nil {
		return err
	}
	ids, cur, err := sc.reg.Changes(ctx, st.Revision)
	if err != nil {
		return err
	}
	fp := sc.scopeOf(scope)
	if !ok || st.Scope != fp || cur < st.Revision {
		if err := sc.resync(ctx, scope); err != nil {
			return err
		}
		sc.log.Info("rebuilt the static copy of the restore path", "revision", cur, "scope", fp)
		return sc.writeState(ctx, staticState{Revision: cur, Scope: fp})
	}
	if cur == st.Revision {
		return nil
	}
	for _, id := range ids {
		if err := sc.Publish(ctx, id); err != nil {
			return err
		}
	}
	sc.log.Debug("the static copy caught up", "from", st.Revision, "to", cur, "packages", len(ids))
	return sc.writeState(ctx, staticState{Revision: cur, Scope: fp})
}

// Rebuild republishes the whole copy and removes every file that should
// not be there, whatever the recorded state says.
func (sc *StaticCopy) Rebuild(ctx context.Context) error {
	sc.syncMu.Lock()
	defer sc.syncMu.Unlock()
	scope, err := sc.reg.AnonymousScope(ctx)
	if err != nil {
		return err
	}
	_, cur, err := sc.reg.Changes(ctx, 1<<62)
	if err != nil {
		return err
	}
	if err := sc.resync(ctx, scope); err != nil {
		return err
	}
	return sc.writeState(ctx, staticState{Revision: cur, Scope: sc.scopeOf(scope)})
}

// Run catches up at once and then every interval until ctx ends, logging
// a failure once until a catch-up succeeds again.
func (sc *StaticCopy) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		err := sc.CatchUp(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			sc.log.Warn("updating the static copy failed; retrying", "err", err)
			failing = true
		case err == nil && failing:
			sc.log.Info("the static copy is up to date again")
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// resync republishes every package and the service indexes, and deletes
// every other file of the copy. It takes no lock beyond each package's
// (pushes go on meanwhile): a file found in a package's folders that no
// package kept is handed to publish, which decides under that package's
// lock whether a push made it since.
func (sc *StaticCopy) resync(ctx context.Context, scope registry.StaticScope) error {
	keep, err := sc.indexFiles(scope)
	if err != nil {
		return err
	}
	if err := sc.write(ctx, keep, sc.have(ctx, keep)); err != nil {
		return err
	}
	ids, err := sc.reg.PackageIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		want, err := sc.publish(ctx, id)
		if err != nil {
			return err
		}
		for k, f := range want {
			keep[k] = f
		}
	}
	var gone []string
	strays := map[string]bool{} // packages with files nobody kept
	err = sc.blobs.List(ctx, StaticPrefix, func(i storage.Info) error {
		if _, ok := keep[i.Key]; ok {
			return nil
		}
		if id := packageOfKey(i.Key); id != "" {
			strays[id] = true
		} else {
			gone = append(gone, i.Key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id := range strays {
		if _, err := sc.publish(ctx, id); err != nil {
			return err
		}
	}
	for _, k := range gone {
		if err := sc.blobs.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// have stats the keys of files in the store.
func (sc *StaticCopy) have(ctx context.Context, files map[string]staticFile) map[string]int64 {
	have := map[string]int64{}
	for k := range files {
		if i, err := sc.blobs.Stat(ctx, k); err == nil {
			have[k] = i.Size
		}
	}
	return have
}

// indexFiles returns the service indexes of the copy: the union's and
// every public local feed's, as Wharf answers them to a caller without
// credentials.
func (sc *StaticCopy) indexFiles(scope registry.StaticScope) (map[string]staticFile, error) {
	files := map[string]staticFile{}
	if sc.private {
		return files, nil
	}
	for _, feed := range append([]string{""}, scope.PublicFeeds...) {
		u := sc.urls.Feed(feed)
		if err := sc.addDoc(files, u.ServiceIndex(), serviceIndex(u, cdnFor(sc.cdn, sc.private, scope, feed))); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// cdnFor returns the CDN base URL the service index of a feed ("" the
// union) sends clients to, or "": only feeds whose every package a caller
// without credentials finds in the static copy use the CDN. The union
// does not when a feed is private (its packages must be asked of Wharf,
// with credentials) or mirrors an upstream source (its packages are not
// copied).
func cdnFor(cdn string, private bool, scope registry.StaticScope, feed string) string {
	switch {
	case cdn == "" || private:
		return ""
	case feed == "" && (scope.AnyPrivate || scope.Upstreams):
		return ""
	case feed != "" && !slices.Contains(scope.PublicFeeds, feed):
		return ""
	}
	return cdn
}

// StaticReport is what CheckStatic found.
type StaticReport struct {
	Files     int      // files of the copy in the store
	Missing   []string // keys the copy should hold and does not
	Different []string // keys holding other bytes than Wharf serves
	Extra     []string // keys the copy should not hold: possibly a private package's
	Revision  int64    // the feed revision the copy records
	Current   int64    // the database's feed revision
}

// OK reports whether the copy is exactly what Wharf serves.
func (r *StaticReport) OK() bool {
	return len(r.Missing) == 0 && len(r.Different) == 0 && len(r.Extra) == 0
}

// CheckStatic compares the static copy with what Wharf serves a caller
// without credentials, reading the database directly: every document
// byte for byte, every package file by size.
func (sc *StaticCopy) CheckStatic(ctx context.Context) (*StaticReport, error) {
	scope, err := sc.reg.AnonymousScope(ctx)
	if err != nil {
		return nil, err
	}
	want, err := sc.indexFiles(scope)
	if err != nil {
		return nil, err
	}
	ids, err := sc.reg.PackageIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		w, err := sc.wanted(ctx, id)
		if err != nil {
			return nil, err
		}
		for k, f := range w {
			want[k] = f
		}
	}
	r := &StaticReport{}
	st, _, err := sc.readState(ctx)
	if err != nil {
		return nil, err
	}
	r.Revision = st.Revision
	if _, r.Current, err = sc.reg.Changes(ctx, 1<<62); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	err = sc.blobs.List(ctx, StaticPrefix, func(i storage.Info) error {
		r.Files++
		seen[i.Key] = true
		f, ok := want[i.Key]
		switch {
		case !ok:
			r.Extra = append(r.Extra, i.Key)
		case f.doc && (i.Size != int64(len(f.body)) || !sc.same(ctx, i.Key, f.body)):
			r.Different = append(r.Different, i.Key)
		case !f.doc && f.size >= 0 && i.Size != f.size:
			r.Different = append(r.Different, i.Key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k := range want {
		if !seen[k] {
			r.Missing = append(r.Missing, k)
		}
	}
	sort.Strings(r.Missing)
	return r, nil
}
