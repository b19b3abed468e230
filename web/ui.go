package web

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// Context keys the UI middleware sets.
const (
	ctxUI      = "wharf.ui"      // the request is for a page, so errors render as pages
	ctxUser    = "wharf.user"    // *registry.Account of a live session
	ctxSession = "wharf.session" // the session secret from the cookie
	ctxCSRF    = "wharf.csrf"    // the CSRF cookie's value
)

// contentSecurityPolicy allows no inline script or style and no framing.
// Images may come from anywhere over https, as README files link them.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// cookieNames are the UI's cookies; over https they carry the __Host-
// prefix, which binds them to this host and path and requires Secure.
type cookieNames struct{ session, csrf, flash, signin string }

func newCookieNames(secure bool) cookieNames {
	p := ""
	if secure {
		p = "__Host-"
	}
	return cookieNames{session: p + "wharf_session", csrf: p + "wharf_csrf", flash: p + "wharf_flash", signin: p + "wharf_signin"}
}

// uiContext marks a request as a page request, loads the signed-in user
// from the session cookie, makes sure a CSRF cookie exists and sets the
// page-only headers.
func (s *Server) uiContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(ctxUI, true)
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if ck, err := c.Cookie(s.cookies.session); err == nil && ck.Value != "" {
			u, err := s.reg.SessionUser(c.Request().Context(), ck.Value)
			switch {
			case err == nil:
				c.Set(ctxUser, u)
				c.Set(ctxSession, ck.Value)
				snap, v, err := s.reg.ViewerOf(c.Request().Context(), u)
				if err != nil {
					return err
				}
				c.SetRequest(c.Request().WithContext(feeds.WithReader(c.Request().Context(), snap.NewReader(v, nil))))
			case errors.Is(err, registry.ErrUnauthenticated):
				s.clearCookie(c, s.cookies.session)
			default:
				return err
			}
		}
		if ck, err := c.Cookie(s.cookies.csrf); err == nil && len(ck.Value) == 43 {
			c.Set(ctxCSRF, ck.Value)
		} else {
			v := randomToken()
			s.setCookie(c, s.cookies.csrf, v, 0)
			c.Set(ctxCSRF, v)
		}
		return next(c)
	}
}

// checkCSRF refuses a state-changing page request whose form does not
// carry the token bound to this browser's CSRF cookie and session, or that
// a browser says came from another site.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		refuse := &registry.Error{Kind: registry.ErrForbidden, Message: "This form expired or was sent from another site, so nothing was changed. Go back, reload the page and try again."}
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" {
			return refuse
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, 64<<10)
		got := c.FormValue("_csrf")
		want := s.csrfToken(c)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return refuse
		}
		return next(c)
	}
}

// csrfToken is the form token for this browser and session: an HMAC keyed
// by the CSRF cookie over the session secret's hash, so a token taken from
// one session or browser is worthless in another.
func (s *Server) csrfToken(c echo.Context) string {
	key, _ := c.Get(ctxCSRF).(string)
	sess, _ := c.Get(ctxSession).(string)
	sum := sha256.Sum256([]byte(sess))
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte("wharf-csrf\x00"))
	m.Write(sum[:])
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// requireUser sends a signed-out visitor to the sign-in page (GET) or
// refuses the request.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentUser(c) != nil {
			return next(c)
		}
		if c.Request().Method == http.MethodGet {
			return c.Redirect(http.StatusSeeOther, "/sign-in?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		return &registry.Error{Kind: registry.ErrUnauthenticated, Message: "Sign in to do this."}
	}
}

// requireAdmin refuses a user who does not administer the registry.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if u := currentUser(c); u == nil || !u.IsAdmin {
			return &registry.Error{Kind: registry.ErrForbidden, Message: "Only administrators of this registry can see this page."}
		}
		return next(c)
	}
}

// currentUser is the signed-in user, or nil.
func currentUser(c echo.Context) *registry.Account {
	u, _ := c.Get(ctxUser).(*registry.Account)
	return u
}

// page builds the layout's view model for this request, consuming the
// flash notice left by the previous action.
func (s *Server) page(c echo.Context, title, nav string) templates.Page {
	p := templates.Page{
		Title: title, Nav: nav, CSRF: s.csrfToken(c), StaticCSS: s.assets.css, StaticJS: s.assets.js,
		SignInURL: "/sign-in?next=" + url.QueryEscape(safeNext(c.Request().URL.RequestURI())),
	}
	if u := currentUser(c); u != nil {
		p.User = &templates.User{Name: u.Name, IsAdmin: u.IsAdmin}
	}
	if ck, err := c.Cookie(s.cookies.flash); err == nil {
		if b, err := base64.RawURLEncoding.DecodeString(ck.Value); err == nil {
			kind, msg, _ := strings.Cut(string(b), ":")
			if kind == "ok" || kind == "error" {
				p.Flash, p.FlashKind = msg, kind
			}
		}
		s.clearCookie(c, s.cookies.flash)
	}
	return p
}

// redirectWithFlash ends a form post: the next page shows msg once.
func (s *Server) redirectWithFlash(c echo.Context, to, kind, msg string) error {
	s.setCookie(c, s.cookies.flash, base64.RawURLEncoding.EncodeToString([]byte(kind+":"+msg)), time.Minute)
	return c.Redirect(http.StatusSeeOther, to)
}

// render writes a component as a complete HTML response, rendering into a
// buffer first so that a failure is an error page, not half a page.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	var buf bytes.Buffer
	if err := comp.Render(c.Request().Context(), &buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// renderErrorPage answers a failed page request with an HTML page.
func (s *Server) renderErrorPage(c echo.Context, status int, msg string) error {
	// A signed-out visitor goes to sign in, except on the sign-in pages
	// themselves, whose refusals say why sign-in failed.
	if status == http.StatusUnauthorized && c.Request().Method == http.MethodGet && !strings.HasPrefix(c.Request().URL.Path, "/sign-in") {
		return c.Redirect(http.StatusSeeOther, "/sign-in?next="+url.QueryEscape(safeNext(c.Request().URL.RequestURI())))
	}
	heading := http.StatusText(status)
	if status == http.StatusNotFound {
		heading = "Not found"
	}
	v := templates.ErrorPage{Page: s.page(c, heading, ""), Status: status, Heading: heading, Message: msg}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return s.render(c, status, templates.Error(v))
}

// safeNext keeps a post-sign-in destination on this site: an absolute
// path with no scheme, host or control characters (browsers drop tabs and
// newlines, so "/\t/evil" would become "//evil"), never another host.
func safeNext(next string) string {
	if next == "" || len(next) > 2000 || strings.IndexFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) >= 0 {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(u.Path, "/sign-") {
		return "/"
	}
	return next
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.SetCookie(ck)
}

func (s *Server) clearCookie(c echo.Context, name string) {
	c.SetCookie(&http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
}

// randomToken returns 32 random bytes, base64url without padding (43 chars).
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
