package feeds

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Data is everything read authorisation needs, as the store loads it.
type Data struct {
	Feeds       []Feed
	Grants      []Grant
	Memberships map[int64][]int64 // user ID -> IDs of the organisations the user is a member of
	Admins      []int64           // IDs of registry administrators
	Keys        map[string]KeyFacts
	Prefixes    []Prefix // reserved package ID patterns
}

// Snapshot is an immutable view of Data with the lookups reads use.
type Snapshot struct {
	feeds      map[int64]*Feed
	byName     map[string]*Feed
	grants     map[int64][]Grant
	orgsOf     map[int64][]int64
	admins     map[int64]bool
	keys       map[string]KeyFacts
	anyPrivate bool
	upstreams  []*Feed  // the feeds that mirror a source, oldest first
	prefixes   []Prefix // most specific first
	public     ReadSet  // the feeds anonymous callers read
	// readable memoises Readable per Viewer (a comparable struct): the
	// snapshot never changes, so each caller's set is worked out once per
	// snapshot instead of on every authenticated read.
	readable sync.Map
	// later holds keys created after the snapshot was loaded, found in
	// the store by LookupKey: minting a key does not reload the snapshot
	// (a CI job mints one per run), and they die with the snapshot, which
	// a revocation replaces.
	later sync.Map // hash -> KeyFacts
}

// NewSnapshot indexes d.
func NewSnapshot(d *Data) *Snapshot {
	s := &Snapshot{
		feeds: map[int64]*Feed{}, byName: map[string]*Feed{}, grants: map[int64][]Grant{},
		orgsOf: d.Memberships, admins: map[int64]bool{}, keys: d.Keys,
	}
	if s.orgsOf == nil {
		s.orgsOf = map[int64][]int64{}
	}
	if s.keys == nil {
		s.keys = map[string]KeyFacts{}
	}
	var public []int64
	for i := range d.Feeds {
		f := d.Feeds[i]
		s.feeds[f.ID], s.byName[f.Name] = &f, &f
		if f.Upstream != nil {
			s.upstreams = append(s.upstreams, &f)
		}
		if f.Private {
			s.anyPrivate = true
		} else {
			public = append(public, f.ID)
		}
	}
	for _, g := range d.Grants {
		s.grants[g.FeedID] = append(s.grants[g.FeedID], g)
	}
	for _, id := range d.Admins {
		s.admins[id] = true
	}
	s.public = newReadSet(public)
	s.prefixes = append([]Prefix(nil), d.Prefixes...)
	sortPrefixes(s.prefixes)
	slices.SortFunc(s.upstreams, func(a, b *Feed) int { return int(a.ID - b.ID) })
	return s
}

// Upstreams lists the feeds that mirror another source, in the order the
// registry-wide source asks them: oldest first, after every local feed.
func (s *Snapshot) Upstreams() []*Feed { return s.upstreams }

// Feed finds a feed by name (any case), or nil.
func (s *Snapshot) Feed(name string) *Feed { return s.byName[strings.ToLower(name)] }

// Feeds returns every feed, by name.
func (s *Snapshot) Feeds() []*Feed {
	fs := make([]*Feed, 0, len(s.byName))
	for _, f := range s.byName {
		fs = append(fs, f)
	}
	slices.SortFunc(fs, func(a, b *Feed) int { return strings.Compare(a.Name, b.Name) })
	return fs
}

// FeedByID finds a feed by ID, or nil.
func (s *Snapshot) FeedByID(id int64) *Feed { return s.feeds[id] }

// AnyPrivate reports whether at least one feed is private.
func (s *Snapshot) AnyPrivate() bool { return s.anyPrivate }

// Key finds the facts of a key by the hash of its secret.
func (s *Snapshot) Key(hash string) (KeyFacts, bool) {
	if k, ok := s.keys[hash]; ok {
		return k, true
	}
	if v, ok := s.later.Load(hash); ok {
		return v.(KeyFacts), true
	}
	return KeyFacts{}, false
}

// Viewer is who reads: nobody (the zero Viewer), a signed-in user, or a
// key's user.
type Viewer struct {
	UserID int64 // 0: anonymous
	Admin  bool  // a registry administrator (from the account or the session)
	Read   bool  // may read beyond public feeds: a session, or a key with ScopeRead
	// For, when not 0, is the organisation a trusted-publishing key of
	// one of its policies acts for: the viewer reads what the
	// organisation may read (its grants, every-signed-in-user grants,
	// public feeds and its own packages), not what the policy's creator
	// may read on their own.
	For int64
}

// ViewerFor returns the viewer acting with a key, or of a signed-in user
// (key nil).
//
// A trusted-publishing key (a CI job's) reads for the policy's package
// owner: never with a registry administrator's rights, and for an
// organisation's policy only what the organisation may read.
func (s *Snapshot) ViewerFor(userID int64, admin bool, k *KeyFacts) Viewer {
	v := Viewer{UserID: userID, Admin: admin || s.admins[userID], Read: true}
	if k != nil {
		v.Read = k.Scopes.Has(ScopeRead)
		if k.Trusted {
			v.Admin = false
			if k.OwnerID != 0 && k.OwnerID != k.UserID {
				v.For = k.OwnerID
			}
		}
	}
	return v
}

// Role returns the viewer's role on a feed: the strongest of its grants
// (to the user, to an organisation the user is a member of, to every
// signed-in user), admin for registry administrators, reader of every
// public feed for anyone.
func (s *Snapshot) Role(v Viewer, feedID int64) Role {
	f := s.feeds[feedID]
	if f == nil {
		return RoleNone
	}
	best := RoleNone
	if !f.Private {
		best = RoleReader
	}
	if v.UserID == 0 {
		return best
	}
	if v.Admin {
		return RoleAdmin
	}
	orgs := s.orgsOf[v.UserID]
	if v.For != 0 {
		orgs = []int64{v.For}
	}
	for _, g := range s.grants[feedID] {
		var applies bool
		switch g.Kind {
		case SubjectSignedIn:
			applies = true
		case SubjectUser:
			applies = g.SubjectID == v.UserID && v.For == 0
		case SubjectOrg:
			applies = slices.Contains(orgs, g.SubjectID)
		}
		if applies && g.Role > best {
			best = g.Role
		}
	}
	return best
}

// CanRead reports whether the viewer may read the feed's packages.
func (s *Snapshot) CanRead(v Viewer, feedID int64) bool {
	f := s.feeds[feedID]
	if f == nil {
		return false
	}
	if !f.Private {
		return true
	}
	return v.Read && s.Role(v, feedID) >= RoleReader
}

// Readable returns the set of feeds the viewer may read.
func (s *Snapshot) Readable(v Viewer) ReadSet {
	if v.UserID == 0 || !v.Read || !s.anyPrivate {
		return s.public
	}
	if rs, ok := s.readable.Load(v); ok {
		return rs.(ReadSet)
	}
	var ids []int64
	for id := range s.feeds {
		if s.CanRead(v, id) {
			ids = append(ids, id)
		}
	}
	rs := newReadSet(ids)
	s.readable.Store(v, rs)
	return rs
}

// ReadSet is a set of feed IDs with a stable key, for caches of answers
// that depend on which feeds a caller reads.
type ReadSet struct {
	ids []int64 // sorted
	key string
}

func newReadSet(ids []int64) ReadSet {
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return ReadSet{ids: ids, key: strings.Join(parts, ",")}
}

// Has reports whether the set holds the feed.
func (r ReadSet) Has(id int64) bool {
	_, ok := slices.BinarySearch(r.ids, id)
	return ok
}

// Key identifies the set: equal sets have equal keys.
func (r ReadSet) Key() string { return r.key }

// Reader is the read authorisation of one request: which feeds its
// viewer may read, narrowed to one feed on a feed's own URLs.
type Reader struct {
	Viewer Viewer
	Feed   *Feed // nil: the union of every feed the viewer may read
	set    ReadSet
	all    bool
	orgs   []int64 // the viewer's organisations, when it may read
}

// NewReader returns the reader of a request by v, on feed f (nil: union).
func (s *Snapshot) NewReader(v Viewer, f *Feed) *Reader {
	r := &Reader{Viewer: v, Feed: f}
	if v.UserID != 0 && v.Read {
		r.orgs = s.orgsOf[v.UserID]
		if v.For != 0 {
			r.orgs = []int64{v.For}
		}
	}
	if f != nil {
		if s.CanRead(v, f.ID) {
			r.set = newReadSet([]int64{f.ID})
		}
		return r
	}
	r.set = s.Readable(v)
	return r
}

// Everything is the reader of the operator's own tools: every feed.
var Everything = &Reader{all: true}

// WriteScope is the reader of a push, unlist or relist: the use case
// checks the key itself; the scope only narrows it to feed f (nil: any).
func WriteScope(f *Feed) *Reader { return &Reader{all: true, Feed: f} }

// MayRead reports whether the reader may see a package of the feed.
func (r *Reader) MayRead(feedID int64) bool { return r.all || r.set.Has(feedID) }

// Acts reports whether the reader reads for the account: its user, or an
// organisation its user is a member of (only with read rights).
func (r *Reader) Acts(accountID int64) bool {
	if r.all {
		return true
	}
	if r.Viewer.UserID == 0 || !r.Viewer.Read {
		return false
	}
	if r.Viewer.For != 0 {
		return accountID == r.Viewer.For
	}
	return r.Viewer.UserID == accountID || slices.Contains(r.orgs, accountID)
}

// Key identifies what the reader may see, for caches.
func (r *Reader) Key() string {
	if r.all {
		return "*"
	}
	return r.set.Key()
}

type readerKey struct{}

// WithReader returns ctx carrying r.
func WithReader(ctx context.Context, r *Reader) context.Context {
	return context.WithValue(ctx, readerKey{}, r)
}

// ReaderOf returns the reader ctx carries; without one, Everything: the
// web layer sets a reader on every request, the command line reads all.
func ReaderOf(ctx context.Context) *Reader {
	if r, ok := ctx.Value(readerKey{}).(*Reader); ok {
		return r
	}
	return Everything
}
