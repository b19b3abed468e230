package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/sync/singleflight"
)

// doc is a rendered JSON document, kept with its gzip form and validators so
// that serving it again costs no marshalling and no compression.
type doc struct {
	body     []byte // nil in cached documents that have gz: see compact
	size     int    // len of the uncompressed body
	gz       []byte // nil when compression does not pay
	etag     string
	modified time.Time
	lastMod  []string // modified, formatted for Last-Modified
	rev      int64
}

// newDoc renders v, compressing at the given gzip level (gzip.BestSpeed
// or gzip.BestCompression).
func newDoc(v any, modified time.Time, level int) (*doc, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	d := &doc{body: body, size: len(body), etag: `"` + hex.EncodeToString(sum[:12]) + `"`, modified: modified.UTC().Truncate(time.Second)}
	d.lastMod = []string{d.modified.Format(http.TimeFormat)}
	if len(body) > 512 {
		pool := &gzipPools[0]
		if level == gzip.BestCompression {
			pool = &gzipPools[1]
		}
		var buf bytes.Buffer
		buf.Grow(len(body) / 3)
		zw, _ := pool.Get().(*gzip.Writer)
		if zw == nil {
			zw, _ = gzip.NewWriterLevel(&buf, level)
		} else {
			zw.Reset(&buf)
		}
		zw.Write(body)
		zw.Close()
		pool.Put(zw)
		d.gz = bytes.Clone(buf.Bytes()) // exact size: the buffer grew by guesses
	}
	return d, nil
}

// compact drops the uncompressed body of a document that has a gzip form,
// for the caches: every NuGet client asks for gzip, and a registration
// index of ten versions is 23 KB plain but 2 KB compressed, so a cache of
// every package's documents fits in tens of megabytes instead of hundreds.
// The rare client that does not accept gzip gets it decompressed.
func (d *doc) compact() {
	if d.gz != nil {
		d.body = nil
	}
}

// gzipPools keep gzip writers (about 800 KB of state each) for reuse:
// [0] at BestSpeed for dynamic answers, [1] at BestCompression for cached
// documents. A pool only ever holds writers of its own level.
var gzipPools [2]sync.Pool

// docCache keeps rendered documents by key, valid while the package's
// revision is unchanged. It holds at most max documents; when full it starts
// over, which costs only re-rendering. However many ask for a document at
// once, it is rendered once (single-flight): a rendering holds the whole
// document, plain and compressed, in memory.
type docCache struct {
	mu      sync.RWMutex
	m       map[string]*doc
	max     int
	level   int // gzip level of the documents it renders
	hits    atomic.Int64
	misses  atomic.Int64
	flights singleflight.Group
}

func newDocCache(max, level int) *docCache {
	return &docCache{m: map[string]*doc{}, max: max, level: level}
}

// get returns the document for key at revision rev, rendering it with build
// on a miss.
func (c *docCache) get(key string, rev int64, modified time.Time, build func() (any, error)) (*doc, error) {
	c.mu.RLock()
	d, ok := c.m[key]
	c.mu.RUnlock()
	if ok && d.rev == rev {
		c.hits.Add(1)
		return d, nil
	}
	v, err, _ := c.flights.Do(key+"@"+strconv.FormatInt(rev, 10), func() (any, error) {
		c.mu.RLock()
		d, ok := c.m[key]
		c.mu.RUnlock()
		if ok && d.rev == rev { // rendered by a flight that just ended
			return d, nil
		}
		c.misses.Add(1)
		v, err := build()
		if err != nil {
			return nil, err
		}
		if d, err = newDoc(v, modified, c.level); err != nil {
			return nil, err
		}
		d.compact()
		d.rev = rev
		c.mu.Lock()
		if len(c.m) >= c.max {
			c.m = map[string]*doc{}
		}
		c.m[key] = d
		c.mu.Unlock()
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*doc), nil
}

// serveDoc answers with a rendered document: conditional requests get 304,
// clients that accept gzip get the compressed form.
func serveDoc(c echo.Context, d *doc, maxAge int) error {
	req, h := c.Request(), c.Response().Header()
	// Canonical keys assigned directly: this is the hottest answer of a
	// restore, and Set would canonicalise each key again.
	h["Content-Type"] = jsonType
	h["Etag"] = []string{d.etag}
	h["Last-Modified"] = d.lastMod
	h["Cache-Control"] = []string{cacheScope(c) + ", max-age=" + strconv.Itoa(maxAge)}
	h["Vary"] = varyEncoding
	if notModified(req, d) {
		return c.NoContent(http.StatusNotModified)
	}
	if d.gz != nil && acceptsGzip(req) {
		h["Content-Encoding"] = gzipEncoding
		return writeBody(c, d.gz)
	}
	if d.body == nil {
		return writeGunzipped(c, d)
	}
	return writeBody(c, d.body)
}

// writeBody answers 200 with body (its length only, for HEAD).
func writeBody(c echo.Context, body []byte) error {
	c.Response().Header()["Content-Length"] = []string{strconv.Itoa(len(body))}
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err := c.Response().Write(body)
	return err
}

// writeGunzipped answers with a compacted document's body, decompressed
// on the way out.
func writeGunzipped(c echo.Context, d *doc) error {
	c.Response().Header()["Content-Length"] = []string{strconv.Itoa(d.size)}
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(d.gz))
	if err != nil {
		return err
	}
	_, err = io.Copy(c.Response(), zr)
	return err
}

// Header values shared by every answer; net/http only reads them.
var (
	jsonType     = []string{"application/json; charset=utf-8"}
	varyEncoding = []string{"Accept-Encoding"}
	gzipEncoding = []string{"gzip"}
)

// notModified evaluates If-None-Match against the document's strong ETag.
// If-Modified-Since is deliberately not evaluated: Last-Modified has
// one-second granularity, and a package can change twice within a second,
// so only the ETag tells versions apart.
func notModified(req *http.Request, d *doc) bool {
	inm := req.Header.Get("If-None-Match")
	for _, t := range strings.Split(inm, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t != "" && (t == d.etag || t == "*") {
			return true
		}
	}
	return false
}

func acceptsGzip(req *http.Request) bool {
	for _, part := range strings.Split(req.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// serveJSON renders a dynamic document (not cached), compressed when the
// client accepts gzip and the body is large enough to gain.
func serveJSON(c echo.Context, v any) error {
	d, err := newDoc(v, time.Now(), gzip.BestSpeed)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/json; charset=utf-8")
	h.Set("Vary", "Accept-Encoding")
	if cacheScope(c) == "private" {
		h.Set("Cache-Control", "private, no-cache") // read with credentials: no shared cache keeps it
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body := d.body
	if d.gz != nil && acceptsGzip(c.Request()) {
		body = d.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	_, err = c.Response().Write(body)
	return err
}
