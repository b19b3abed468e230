package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

// Read authorisation of the NuGet resources. Every read route, under
// /v3/ (the union of the feeds the caller may read) and under
// /feeds/NAME/v3/ (one feed), goes through feedRead, which resolves the
// caller's credentials and the feed scope to a feeds.Reader carried by
// the request's context; the registry answers "absent" for every package
// the reader may not see, so both URL families share every handler.

// challengeRealm is the realm of the Basic challenge that makes NuGet
// clients send the credentials stored for a source.
const challengeRealm = `Basic realm="Wharf"`

// ctxChallengeMiss marks an anonymous read of the union on a registry
// with private feeds: a package that is not publicly readable answers
// 401, so that clients retry with their stored credentials.
const ctxChallengeMiss = "wharf.challenge-miss"

// ctxCredentialed marks a read made with credentials: what it gets may be
// private, so shared caches must not keep it.
const ctxCredentialed = "wharf.credentialed"

// cacheScope is "private" for answers to reads made with credentials,
// "public" otherwise (anonymous callers only ever get public packages).
func cacheScope(c echo.Context) string {
	if c.Get(ctxCredentialed) != nil {
		return "private"
	}
	return "public"
}

// feedOf returns the request's feed scope: nil for the union.
func feedOf(c echo.Context) *feeds.Feed { return feeds.ReaderOf(c.Request().Context()).Feed }

// feedURLs is the URL builder of the request's feed scope.
func (s *Server) feedURLs(c echo.Context) URLs {
	if f := feedOf(c); f != nil {
		return s.urls.Feed(f.Name)
	}
	return s.urls
}

// docKey keys a rendered document by the request's feed scope, whose
// URLs it holds.
func docKey(c echo.Context, key string) string {
	if f := feedOf(c); f != nil {
		return "feeds/" + f.Name + "/" + key
	}
	return key
}

// readCredentials reads what a read presented: HTTP Basic (any user
// name, an API key as the password: what NuGet clients send from
// packageSourceCredentials), X-NuGet-ApiKey, or the session cookie.
func (s *Server) readCredentials(c echo.Context) registry.ReadCredentials {
	req := c.Request()
	cred := registry.ReadCredentials{RemoteAddr: c.RealIP()}
	// Basic without a password is no credential: NuGet.exe under Mono,
	// asked for credentials it does not have, sends an empty pair.
	if _, pass, ok := req.BasicAuth(); ok && pass != "" {
		cred.Key = pass
	} else if k := req.Header.Get(apiKeyHeader); k != "" {
		cred.Key = k
	} else if ck, err := req.Cookie(s.cookies.session); err == nil && ck.Value != "" {
		cred.Session = ck.Value
	}
	return cred
}

// feedRead authorises a read of the NuGet resources (see above).
func (s *Server) feedRead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, snap, v, err := s.reg.ReadAccess(c.Request().Context(), s.readCredentials(c))
		if err != nil {
			return s.refuseRead(c, err)
		}
		if s.privateRead(c, v) {
			return nil
		}
		var f *feeds.Feed
		if name := c.Param("feed"); name != "" {
			f = snap.Feed(name)
			ok := f != nil && snap.CanRead(v, f.ID)
			// A push key may read the index of a feed it publishes to,
			// which is how clients find where to push.
			if !ok && f != nil && c.Path() == "/feeds/:feed/v3/index.json" && v.UserID != 0 {
				ok = snap.Role(v, f.ID) >= feeds.RolePublisher
			}
			if !ok {
				if v.UserID == 0 {
					return s.challenge(c, "This feed needs credentials: add the source with a user name and an API key with the read scope as the password.")
				}
				return notFoundf("There is no feed '%s' that you may read.", name)
			}
		} else if v.UserID == 0 && snap.AnyPrivate() && (c.Param("id") != "" || c.Path() == symbolFileRoute) {
			c.Set(ctxChallengeMiss, true)
		}
		if v.UserID != 0 {
			c.Set(ctxCredentialed, true)
		}
		c.SetRequest(c.Request().WithContext(feeds.WithReader(ctx, snap.NewReader(v, f))))
		return next(c)
	}
}

// feedWrite scopes a push, unlist or relist to the feed of its URL; the
// handler authenticates the key. An unknown feed and one the key may not
// publish to are refused alike, by the registry.
func (s *Server) feedWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		snap, _, err := s.reg.ViewerOf(ctx, nil)
		if err != nil {
			return err
		}
		var f *feeds.Feed
		if name := c.Param("feed"); name != "" {
			if f = snap.Feed(name); f == nil {
				f = &feeds.Feed{ID: -1, Name: name} // no package is in it and nobody publishes to it
			}
		}
		c.SetRequest(c.Request().WithContext(feeds.WithReader(ctx, feeds.WriteScope(f))))
		return next(c)
	}
}

// anonymousReader gives every request the anonymous reader first, so a
// route that resolves no credentials sees public feeds only. The NuGet
// routes skip it: feedRead or feedWrite sets their reader.
func (s *Server) anonymousReader(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if p := c.Request().URL.Path; strings.HasPrefix(p, "/v3/") || strings.HasPrefix(p, "/feeds/") || strings.HasPrefix(p, "/api/v2/package") {
			return next(c)
		}
		ctx := c.Request().Context()
		r := &feeds.Reader{} // reads nothing while feeds cannot be loaded
		if snap, v, err := s.reg.ViewerOf(ctx, nil); err == nil {
			r = s.privateReader(snap, v)
		}
		c.SetRequest(c.Request().WithContext(feeds.WithReader(ctx, r)))
		return next(c)
	}
}

// refuseRead answers a read whose credentials were refused: 401 with the
// Basic challenge, or 429 once the address failed too often.
func (s *Server) refuseRead(c echo.Context, err error) error {
	var rl *registry.RateLimitError
	if errors.As(err, &rl) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter/time.Second)))
		return err
	}
	if errors.Is(err, registry.ErrUnauthenticated) {
		return s.challenge(c, registry.Message(err))
	}
	return err
}

// challenge answers 401 with the Basic challenge and a sentence. NuGet
// clients print neither the body nor X-NuGet-Warning of a failed read,
// only the status line: the sentence goes in its reason phrase too
// ("401 Unauthorized - This feed needs credentials: ..."), see
// writeClientError.
func (s *Server) challenge(c echo.Context, msg string) error {
	c.Response().Header().Set("WWW-Authenticate", challengeRealm)
	return s.writeClientError(c, http.StatusUnauthorized, msg)
}

// challengeMiss turns "no such package" into the Basic challenge for an
// anonymous read of the union on a registry with private feeds, when the
// package ID is not publicly readable (private or absent alike).
func (s *Server) challengeMiss(c echo.Context, err error) bool {
	if miss, _ := c.Get(ctxChallengeMiss).(bool); !miss || !errors.Is(err, registry.ErrNotFound) {
		return false
	}
	if id := c.Param("id"); id != "" { // the symbol route names no package
		if _, perr := s.reg.Package(c.Request().Context(), id); !errors.Is(perr, registry.ErrNotFound) {
			return false // a public package's missing version is just missing
		}
	}
	_ = s.challenge(c, "This package needs credentials, or does not exist: add the source with a user name and an API key with the read scope as the password.")
	return true
}
