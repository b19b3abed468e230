package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/upstream"
)

// Options configures a Service. Zero values take the documented defaults.
type Options struct {
	// MaxPackageSize is the largest .nupkg accepted, in bytes (default 250 MB).
	MaxPackageSize int64
	// Limits bounds the content of a package (defaults: nuget.DefaultLimits).
	Limits *nuget.Limits
	// Now is the clock (default time.Now); tests inject their own.
	Now func() time.Time
	// Logger receives background errors (default slog.Default()).
	Logger *slog.Logger
	// NegativeTTL is how long "no such package" is remembered (default 2s).
	NegativeTTL time.Duration

	// Verifier verifies CI tokens; nil turns trusted publishing off.
	Verifier TokenVerifier
	// Issuers are the trusted issuers policies may name.
	Issuers []trust.Issuer
	// TrustedKeyTTL is the lifetime of trusted-publishing keys (default
	// and maximum 1 hour).
	TrustedKeyTTL time.Duration
	// BannedEvents are GitHub events that never match (default
	// trust.DefaultBannedEvents).
	BannedEvents []string
	// ExchangesPerMinute bounds exchanges per client address and per
	// verified repository (default 30; negative turns the limit off).
	// Exchanges are counted in the database, so the bound holds across
	// replicas.
	ExchangesPerMinute int

	// FeedMaxAge bounds how old the cached feed may be when a read uses
	// it. 0 (the default) checks the database's feed revision before every
	// read, so a change committed on any replica is seen by every read
	// that starts after it; concurrent reads share one check. A positive
	// bound skips the check while the last one is younger, except that a
	// package or version missing from the snapshot is always checked, so
	// a push on another replica is restorable at once. Negative: reads
	// never check; the background sync (every second) alone refreshes.
	FeedMaxAge time.Duration

	// ReadFailuresPerMinute bounds refused read credentials (wrong
	// password, unknown, revoked or expired key) per client address
	// (default 30; negative turns the limit off). Counted in the
	// database, as exchanges are.
	ReadFailuresPerMinute int

	// SignIn restricts who may sign in to the web UI and names its admins.
	SignIn SignInRules
	// SessionTTL is how long a browser session lasts (default 7 days).
	SessionTTL time.Duration

	// Upstream reads the sources of upstream feeds; nil leaves every
	// upstream feed empty.
	Upstream *upstream.Client
	// UpstreamStats counts the requests of Upstream (its Observe), for
	// the server's metrics; may be nil.
	UpstreamStats *upstream.Stats
	// TempDir holds mirrored packages while they download and are
	// checked (default os.TempDir()).
	TempDir string

	// Webhooks configures webhook deliveries (package events); its Now
	// and Logger default to the registry's.
	Webhooks events.Options

	// RetentionEvery is how often Run applies the feeds' retention rules
	// (default DefaultRetentionEvery; negative: never on a schedule).
	// One replica at a time runs it (a lease in the database).
	RetentionEvery time.Duration
}

// DefaultMaxPackageSize is nuget.org's limit, 250 MB.
const DefaultMaxPackageSize = 250 << 20

// Service implements the registry's use cases.
type Service struct {
	store   Store
	blobs   storage.Blobs
	now     func() time.Time
	log     *slog.Logger
	maxSize int64
	limits  nuget.Limits

	cat       *catalog
	feeds     *feeds.Service
	downloads *counter
	keyMu     sync.Mutex
	keyUse    map[int64]time.Time
	dayMu     sync.Mutex
	markedDay time.Time      // the day dayMarked is about
	dayMarked map[int64]bool // versions whose last download day is recorded for markedDay

	verifier     TokenVerifier
	issuers      []trust.Issuer
	trustedTTL   time.Duration
	bannedEvents []string
	limiter      *limiter
	readLimiter  *limiter // failed read authentications per client address
	readTouched  sync.Map // key ID -> *atomic.Int64: when reads last recorded its use (unix ns)
	lastPurge    time.Time
	maxAge       time.Duration
	staleWarned  atomic.Int64
	bgDown       atomic.Bool // background work found the database unavailable
	bgFailed     atomic.Bool // ... in the current round of Run

	signIn     SignInRules
	sessionTTL time.Duration

	advisories advisoryCache

	mirror   *mirror                                   // nil: upstream feeds are never read
	reserved func(ctx context.Context, id string) bool // IDs under a reserved prefix; nil: none

	hooks              *events.Service // webhooks and their outbox
	retentionEvery     time.Duration
	nextRetentionCheck time.Time // when Run next tries the schedule lease

	changeMu   sync.RWMutex
	changeHook func(ctx context.Context, lowerID string) // see PackageChanged; nil: none
}

// New returns a Service over store and blobs.
func New(store Store, blobs storage.Blobs, o Options) (*Service, error) {
	if store == nil || blobs == nil {
		return nil, errors.New("registry.New: store and blobs are required")
	}
	s := &Service{store: store, blobs: blobs, now: o.Now, log: o.Logger, maxSize: o.MaxPackageSize}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.maxSize <= 0 {
		s.maxSize = DefaultMaxPackageSize
	}
	if o.Upstream != nil {
		// Reserved prefixes never come from upstream (dependency confusion).
		s.reserved = func(ctx context.Context, id string) bool { _, _, ok := s.ReservedBy(ctx, id); return ok }
		s.mirror = &mirror{client: o.Upstream, stats: o.UpstreamStats, temp: o.TempDir, absent: map[string]time.Time{}}
	}
	s.limits = nuget.DefaultLimits()
	if o.Limits != nil {
		s.limits = *o.Limits
	}
	ttl := o.NegativeTTL
	if ttl <= 0 {
		ttl = 2 * time.Second
	}
	s.verifier, s.issuers, s.bannedEvents = o.Verifier, o.Issuers, o.BannedEvents
	s.trustedTTL = o.TrustedKeyTTL
	if s.trustedTTL <= 0 || s.trustedTTL > MaxTrustedKeyTTL {
		s.trustedTTL = MaxTrustedKeyTTL
	}
	rate := o.ExchangesPerMinute
	if rate == 0 {
		rate = 30
	}
	s.limiter = newLimiter(store, rate, time.Minute)
	readRate := o.ReadFailuresPerMinute
	if readRate == 0 {
		readRate = 30
	}
	s.readLimiter = newLimiter(store, readRate, time.Minute)
	s.maxAge = o.FeedMaxAge
	s.retentionEvery = o.RetentionEvery
	if s.retentionEvery == 0 {
		s.retentionEvery = DefaultRetentionEvery
	}
	s.signIn, s.sessionTTL = o.SignIn.normalized(), o.SessionTTL
	if s.sessionTTL <= 0 {
		s.sessionTTL = DefaultSessionTTL
	}
	s.cat = newCatalog(store, s.now, ttl)
	s.feeds = feeds.New(store, s.now, s.feedAuditor)
	s.store = &accessStore{Store: store, changed: s.feeds.Invalidate}
	s.cat.onRevision = s.feeds.Changed
	s.downloads = newCounter()
	s.keyUse = map[int64]time.Time{}
	wo := o.Webhooks
	if wo.Now == nil {
		wo.Now = s.now
	}
	if wo.Logger == nil {
		wo.Logger = s.log
	}
	s.hooks = events.New(store, wo)
	return s, nil
}

// MaxPackageSize is the largest .nupkg the service accepts, in bytes.
func (s *Service) MaxPackageSize() int64 { return s.maxSize }

// Now returns the service clock's current time.
func (s *Service) Now() time.Time { return s.now() }

// Run does the background work until ctx ends: it flushes download counts
// and key use, picks up changes other processes made to the feed, and
// applies retention rules when the schedule is due. It
// flushes once more before returning.
func (s *Service) Run(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.Flush(context.WithoutCancel(ctx))
			return
		case <-t.C:
			s.bgFailed.Store(false)
			s.Flush(ctx)
			s.purge(ctx)
			s.retentionTick(ctx)
			if err := s.cat.sync(ctx); err != nil {
				s.warnBackground("feed sync failed", err)
			}
			if !s.bgFailed.Load() && s.bgDown.Swap(false) {
				s.log.Info("the database answers again; background work resumed")
			}
		}
	}
}

// warnBackground logs a failure of background work. While the database
// is unavailable, background work fails every second: only the first such
// failure is logged, and Run logs when the database answers again.
func (s *Service) warnBackground(msg string, err error) {
	if errors.Is(err, ErrUnavailable) {
		s.bgFailed.Store(true)
		if !s.bgDown.Swap(true) {
			s.log.Warn(msg+"; retrying every second, quietly until the database answers again", "err", err)
		}
		return
	}
	s.log.Warn(msg, "err", err)
}

// purge deletes expired trusted-publishing keys and used-token records,
// at most once a minute.
func (s *Service) purge(ctx context.Context) {
	now := s.now()
	if now.Sub(s.lastPurge) < time.Minute {
		return
	}
	s.lastPurge = now
	if _, _, err := s.store.PurgeExpired(ctx, now.Add(-time.Minute)); err != nil {
		s.warnBackground("purging expired keys failed", err)
	}
	if err := s.store.PurgeSessions(ctx, now); err != nil {
		s.warnBackground("purging expired sessions failed", err)
	}
}

// Flush writes buffered download counts and key last-use times.
func (s *Service) Flush(ctx context.Context) {
	if counts := s.downloads.take(); len(counts) > 0 {
		day, fresh := s.unmarkedDays(counts)
		if err := s.store.AddDownloads(ctx, counts, day, fresh); err != nil {
			s.warnBackground("saving download counts failed", err)
			s.downloads.restore(counts)
		} else {
			s.markDays(day, fresh)
		}
	}
	s.keyMu.Lock()
	used := s.keyUse
	s.keyUse = map[int64]time.Time{}
	s.keyMu.Unlock()
	if len(used) > 0 {
		if err := s.store.TouchKeys(ctx, used); err != nil {
			s.warnBackground("saving key use failed", err)
		}
	}
}

// unmarkedDays returns today (UTC) and the versions among counts whose
// last download day this process has not recorded today: only those get
// the day written, so a version's day is written at most once a day per
// replica, however often it is downloaded.
func (s *Service) unmarkedDays(counts map[int64]int64) (time.Time, map[int64]bool) {
	day := s.now().UTC().Truncate(24 * time.Hour)
	s.dayMu.Lock()
	defer s.dayMu.Unlock()
	if !day.Equal(s.markedDay) {
		s.markedDay, s.dayMarked = day, map[int64]bool{}
	}
	fresh := map[int64]bool{}
	for id := range counts {
		if !s.dayMarked[id] {
			fresh[id] = true
		}
	}
	return day, fresh
}

// markDays remembers that the day of the fresh versions is recorded.
func (s *Service) markDays(day time.Time, fresh map[int64]bool) {
	s.dayMu.Lock()
	defer s.dayMu.Unlock()
	if day.Equal(s.markedDay) {
		for id := range fresh {
			s.dayMarked[id] = true
		}
	}
}

// Ready reports whether the database and the blob store answer, each
// within timeout. Errors: ErrUnavailable, saying which one does not (the
// cause is wrapped for the log).
func (s *Service) Ready(ctx context.Context, timeout time.Duration) error {
	for _, check := range []struct {
		ping func(context.Context) error
		msg  string
	}{
		{s.store.Ping, "The database does not answer."},
		{s.blobs.Ping, "The package store does not answer or refuses writes."},
	} {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		err := check.ping(cctx)
		cancel()
		if err != nil {
			return fmt.Errorf("%w: %w", &Error{Kind: ErrUnavailable, Message: check.msg}, err)
		}
	}
	return nil
}

// CacheStats counts lookups in the package snapshot cache.
type CacheStats struct {
	Hits, Misses int64
	Absent       int // "no such package" answers remembered, at most MaxRememberedAbsent
}

// CacheStats returns how often reads found a package in the snapshot
// cache and how often they loaded it from the database, and how many
// absences it remembers (counted entry by entry: not for a hot path).
func (s *Service) CacheStats() CacheStats {
	return CacheStats{Hits: s.cat.hits.Load(), Misses: s.cat.misses.Load(), Absent: s.cat.countAbsent()}
}

// counter buffers download counts per version ID.
type counter struct {
	mu sync.Mutex
	m  map[int64]int64
}

func newCounter() *counter { return &counter{m: map[int64]int64{}} }

func (c *counter) add(id int64) {
	c.mu.Lock()
	c.m[id]++
	c.mu.Unlock()
}

func (c *counter) take() map[int64]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.m
	c.m = map[int64]int64{}
	return m
}

func (c *counter) restore(m map[int64]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range m {
		c.m[k] += v
	}
}
