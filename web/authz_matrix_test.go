// The authorisation matrix: every route that changes something (taken
// from the router itself, so that a new route cannot be forgotten) and
// every signed-in page, tried with every credential; each refusal has the
// right status, says why and changes nothing, and each route has a try
// that is allowed and does change the registry, so that the matrix can
// fail.

package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// matrixRoutes are all the matrix's rows.
func matrixRoutes() []authzRoute {
	return slices.Concat(apiRoutes(), anyoneRoutes(), uiRoutes(), stagingRoutes(), policyAPIRoutes(), heldRoutes())
}

// TestAuthorizationMatrix tries every row with every credential. The
// refusals of a row share one world, in which each must change nothing;
// each permitted try that changes the registry gets a fresh world (the
// first one the refusals' world), unless the row says its tries do not
// disturb each other.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	iss := trusttest.NewIssuer(t)
	var tries, refusals, changes atomic.Int64
	t.Cleanup(func() {
		t.Logf("%d tries: %d refused, %d permitted changes, the rest pages shown or sent to sign in", tries.Load(), refusals.Load(), changes.Load())
	})
	for _, r := range matrixRoutes() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			shared := newMatrixWorld(t, iss)
			cells := slices.Clone(credentials)
			// Tries that change nothing first, so that they see the world as built.
			slices.SortStableFunc(cells, func(a, b credential) int {
				return boolInt(r.expect(a).changes) - boolInt(r.expect(b).changes)
			})
			fresh := false
			for _, c := range cells {
				want := r.expect(c)
				if want.na {
					continue
				}
				w := shared
				if want.changes && !r.shared {
					if fresh {
						w = newMatrixWorld(t, iss)
					}
					fresh = true
				}
				t.Run(c.about, func(t *testing.T) {
					tries.Add(1)
					switch {
					case want.changes:
						changes.Add(1)
					case want.status >= 400:
						refusals.Add(1)
					}
					r.try(t, w, c, want)
				})
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// try sends the route's request with the credential and checks the
// answer and what changed.
func (r authzRoute) try(t *testing.T, w *world, c credential, want outcome) {
	if want.status == 0 {
		t.Fatalf("the table has no outcome for %s on %s", c.id, r.name)
	}
	br := w.browserOf(t, c)
	send := r.prepare(w, br, c)
	before := w.snapshot(t, true)
	p := send()
	after := w.snapshot(t, false)
	what := fmt.Sprintf("%s %s", p.res.Request.Method, maskSecrets(p.res.Request.URL.Path))
	if got := p.res.StatusCode; got != want.status && got != want.or {
		t.Errorf("%s: %s, want %d: %q", what, p.res.Status, want.status, p.why())
	}
	if want.signIn {
		if loc, path := p.res.Header.Get("Location"), p.res.Request.URL.Path; loc != "/sign-in?next="+url.QueryEscape(path) {
			t.Errorf("%s: sent to %q, want the sign-in page and back", what, loc)
		}
	}
	if p.res.StatusCode >= 400 && !strings.Contains(p.why(), want.phrase) || p.res.StatusCode >= 400 && p.why() == "" {
		t.Errorf("%s: %s says %q, want a sentence saying %q", what, p.res.Status, p.why(), want.phrase)
	}
	if r.secret != "" && strings.Contains(p.body, r.secret) != want.sees {
		t.Errorf("%s: shows %s = %v, want %v", what, r.secret, !want.sees, want.sees)
	}
	diff := changes(before, after)
	switch {
	case want.audits != "":
		if len(diff) != 1 || !strings.HasPrefix(diff[0], "+ "+want.audits) {
			t.Errorf("%s changed %v, want only the audit line %q", what, diff, want.audits)
		}
	case want.changes && len(diff) == 0:
		t.Errorf("%s changed nothing: the try the matrix counts on to succeed failed", what)
	case !want.changes && len(diff) > 0:
		t.Errorf("%s changed the registry:\n%s", what, strings.Join(diff, "\n"))
	case want.onlyKey != "":
		for _, l := range diff {
			if strings.Contains(l, "feed revision: ") {
				continue // revoking a key moves the feed revision: every replica's key cache forgets it
			}
			if !strings.Contains(l, fmt.Sprintf("key %d of ", w.keyIDs[want.onlyKey])) && !strings.Contains(l, w.secrets[want.onlyKey][:13]) {
				t.Errorf("%s changed more than its own key: %s", what, l)
			}
		}
	}
}

// maskSecrets shortens a path's sign-in link for test output.
func maskSecrets(path string) string {
	if strings.HasPrefix(path, "/sign-in/link/") {
		return "/sign-in/link/…"
	}
	return path
}

// TestAuthorizationMatrixCoversEveryRoute: every route of the router that
// is not a read (GET or HEAD) has a row; every row reaches the route it is
// for; every such route has a try that succeeds and changes the registry.
func TestAuthorizationMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t, trusttest.NewIssuer(t))
	e, ok := w.srv.Config.Handler.(*echo.Echo)
	if !ok {
		t.Fatalf("the server's handler is a %T, not echo's router", w.srv.Config.Handler)
	}
	rows := map[string][]string{} // "METHOD /pattern" → row names
	positive := map[string]bool{}
	for _, r := range matrixRoutes() {
		method, path := r.method, ""
		if r.request != nil {
			req := r.request(w)
			method, path = req.Method, req.URL.Path
		} else {
			path = r.path(w)
		}
		c := e.NewContext(httptest.NewRequest(method, path, nil), httptest.NewRecorder())
		e.Router().Find(method, path, c)
		route := method + " " + c.Path()
		if c.Path() == "/*" || c.Path() == "" {
			t.Errorf("row %q: %s %s reaches no route", r.name, method, maskSecrets(path))
		}
		rows[route] = append(rows[route], r.name)
		for _, cr := range credentials {
			if o := r.expect(cr); o.changes || o.sees {
				positive[route] = true
			}
		}
	}
	changing := 0
	for _, rt := range e.Routes() {
		if rt.Method == http.MethodGet || rt.Method == http.MethodHead || rt.Method == echo.RouteNotFound {
			continue
		}
		changing++
		route := rt.Method + " " + rt.Path
		switch {
		case len(rows[route]) == 0:
			t.Errorf("%s has no row in the authorisation matrix: add one to authz_routes*_test.go", route)
		case !positive[route]:
			t.Errorf("%s has rows %q but no try that is allowed and changes the registry", route, rows[route])
		}
	}
	if changing < 20 {
		t.Errorf("the router lists only %d routes that change something; the matrix is reading the wrong router", changing)
	}
	t.Logf("%d routes change something; the matrix has %d rows on %d routes", changing, len(matrixRoutes()), len(rows))
}
