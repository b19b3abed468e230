package registry

import (
	"context"
	"errors"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// MaxRememberedAbsent bounds how many "no such package" answers the cache
// keeps (each for Options.NegativeTTL): every request for a made-up ID
// adds one, and until the feed changes nothing else removes them. Beyond
// the bound all are forgotten at once. IDs that no package can have (see
// nuget.ValidateID) are never remembered, nor looked up.
const MaxRememberedAbsent = 4096

// catalog caches immutable snapshots of packages so that the restore path
// does no database work: a snapshot is replaced, never modified, when this
// process changes the package or sync sees another process change it.
type catalog struct {
	store  Store
	now    func() time.Time
	negTTL time.Duration
	group  singleflight.Group

	mu       sync.RWMutex
	pkgs     map[string]*entry // by lowercased ID
	complete bool              // every package in the store is in pkgs
	absent   int               // entries of pkgs that remember an absence
	sorted   []*entry          // present entries by lowercased ID; nil when stale
	rev      int64             // feed revision the cache reflects
	synced   bool
	gen      atomic.Int64 // bumped whenever any snapshot changes
	check    checker
	hits     atomic.Int64 // get answered from memory
	misses   atomic.Int64 // get loaded from the store
	// onRevision is told every feed revision sync sees, so that what is
	// cached beside the packages (feeds, grants, keys) follows it.
	onRevision func(rev int64)
}

// entry is one cached package, or the memory of its absence.
type entry struct {
	pkg          *Package // nil: no such package
	doc          *searchDoc
	missingUntil time.Time
	// goneAfter, for a package seen deleted (its last version deleted
	// for good), is the feed revision of the delete (its tombstone's): a
	// load that started before the delete and finishes after it carries
	// an older revision and must not bring the package back.
	goneAfter int64
}

func newCatalog(store Store, now func() time.Time, negTTL time.Duration) *catalog {
	return &catalog{store: store, now: now, negTTL: negTTL, pkgs: map[string]*entry{}}
}

// get returns the snapshot of a package, loading it on a miss.
func (c *catalog) get(ctx context.Context, lowerID string) (*entry, error) {
	c.mu.RLock()
	e, ok := c.pkgs[lowerID]
	complete := c.complete
	c.mu.RUnlock()
	if ok && (e.pkg != nil || complete || c.now().Before(e.missingUntil)) {
		c.hits.Add(1)
		return e, nil
	}
	if !ok && complete {
		c.hits.Add(1)
		return &entry{}, nil
	}
	c.misses.Add(1)
	return c.refresh(ctx, lowerID)
}

// refresh reloads one package from the store and replaces its snapshot.
// After a write, callers use reload instead, which never joins a load that
// started before the write committed.
func (c *catalog) refresh(ctx context.Context, lowerID string) (*entry, error) {
	if nuget.ValidateDependencyID(lowerID) != nil {
		return &entry{}, nil // every pushed ID passed ValidateID, every mirrored one this
	}
	// The load is shared by every waiter, so one caller going away must
	// not fail it for the others.
	ctx = context.WithoutCancel(ctx)
	v, err, _ := c.group.Do(lowerID, func() (any, error) {
		p, err := c.store.Package(ctx, lowerID)
		e := &entry{}
		var deletedAt int64 // the feed revision of the package's last delete for good
		switch {
		case errors.Is(err, ErrNotFound):
			e.missingUntil = c.now().Add(c.negTTL)
			c.mu.RLock()
			cur := c.pkgs[lowerID]
			c.mu.RUnlock()
			if cur != nil && cur.pkg != nil { // cached, now absent: deleted?
				ts, err := c.store.Tombstones(ctx, lowerID)
				if err != nil {
					return nil, err
				}
				for _, t := range ts {
					deletedAt = max(deletedAt, t.Revision)
				}
			}
		case err != nil:
			return nil, err
		default:
			e.pkg = p
			e.doc = newSearchDoc(p)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		// A load that started earlier may finish later: never replace a
		// newer snapshot with an older one. A package disappears only
		// when its last version was deleted for good after the snapshot.
		cur, ok := c.pkgs[lowerID]
		if ok && cur.pkg != nil && e.pkg == nil && deletedAt > cur.pkg.Revision {
			e.goneAfter = deletedAt
			c.pkgs[lowerID] = e
			c.absent++
			c.sorted = nil
			c.gen.Add(1)
			return e, nil
		}
		if ok && cur.pkg != nil && (e.pkg == nil || cur.pkg.Revision > e.pkg.Revision) {
			return cur, nil
		}
		if ok && cur.pkg == nil && e.pkg != nil && e.pkg.Revision <= cur.goneAfter {
			return cur, nil
		}
		if e.pkg == nil { // search shows present packages only: generation and order stay
			if !ok {
				if c.absent >= MaxRememberedAbsent {
					c.forgetAbsent()
				}
				c.absent++
			}
			c.pkgs[lowerID] = e
			return e, nil
		}
		if ok && cur.pkg == nil {
			c.absent--
		}
		c.pkgs[lowerID] = e
		c.sorted = nil
		c.gen.Add(1)
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*entry), nil
}

// reload is refresh for a package this process just changed: it starts a
// fresh load rather than sharing one that may predate the change.
func (c *catalog) reload(ctx context.Context, lowerID string) (*entry, error) {
	c.group.Forget(lowerID)
	return c.refresh(ctx, lowerID)
}

// all returns every present package, sorted by lowercased ID, loading the
// whole feed the first time.
func (c *catalog) all(ctx context.Context) ([]*entry, error) {
	c.mu.RLock()
	complete, sorted := c.complete, c.sorted
	c.mu.RUnlock()
	if complete && sorted != nil {
		return sorted, nil
	}
	if !complete {
		if _, err, _ := c.group.Do("\x00all", func() (any, error) { return nil, c.loadAll(ctx) }); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sorted == nil {
		list := make([]*entry, 0, len(c.pkgs))
		for _, e := range c.pkgs {
			if e.pkg != nil {
				list = append(list, e)
			}
		}
		sort.Slice(list, func(i, j int) bool {
			return strings.ToLower(list[i].pkg.Name) < strings.ToLower(list[j].pkg.Name)
		})
		c.sorted = list
	}
	return c.sorted, nil
}

func (c *catalog) loadAll(ctx context.Context) error {
	if err := c.sync(ctx); err != nil {
		return err
	}
	pkgs, err := c.store.AllPackages(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range pkgs {
		lower := strings.ToLower(p.Name)
		old, ok := c.pkgs[lower]
		if ok && old.pkg != nil && old.pkg.Revision > p.Revision {
			continue
		}
		if ok && old.pkg == nil {
			c.absent--
		}
		c.pkgs[lower] = &entry{pkg: p, doc: newSearchDoc(p)}
	}
	c.complete = true
	c.sorted = nil
	c.gen.Add(1)
	return nil
}

// sync reloads the packages that changed in the store since the last sync,
// including changes made by other processes.
func (c *catalog) sync(ctx context.Context) error {
	c.mu.RLock()
	rev, synced := c.rev, c.synced
	c.mu.RUnlock()
	if !synced {
		_, cur, err := c.store.Changes(ctx, math.MaxInt64)
		if err != nil {
			return err
		}
		c.mu.Lock()
		if !c.synced {
			// Whatever was cached before the first sync may predate cur:
			// start over from this revision.
			c.rev, c.synced = cur, true
			c.pkgs, c.complete, c.sorted, c.absent = map[string]*entry{}, false, nil, 0
			c.gen.Add(1)
		}
		c.mu.Unlock()
		c.revisionSeen(cur)
		return nil
	}
	ids, cur, err := c.store.Changes(ctx, rev)
	if err != nil || cur == rev {
		return err
	}
	defer c.revisionSeen(cur)
	for _, id := range ids {
		c.mu.RLock()
		_, cached := c.pkgs[id]
		complete := c.complete
		c.mu.RUnlock()
		if cached || complete {
			if _, err := c.reload(ctx, id); err != nil {
				return err
			}
		}
	}
	c.mu.Lock()
	if cur > c.rev {
		c.rev = cur
	}
	// Forget remembered absences: a package may have appeared elsewhere.
	c.forgetAbsent()
	c.mu.Unlock()
	return nil
}

func (c *catalog) revisionSeen(rev int64) {
	if c.onRevision != nil {
		c.onRevision(rev)
	}
}

// forgetAbsent drops every remembered absence. The caller holds mu.
func (c *catalog) forgetAbsent() {
	for id, e := range c.pkgs {
		if e.pkg == nil {
			delete(c.pkgs, id)
		}
	}
	c.absent = 0
}

// countAbsent counts the remembered absences by looking at each entry.
func (c *catalog) countAbsent() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for _, e := range c.pkgs {
		if e.pkg == nil {
			n++
		}
	}
	return n
}

// revision is the feed revision the cache reflects.
func (c *catalog) revision() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rev
}
