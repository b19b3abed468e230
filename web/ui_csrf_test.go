// CSRF protection of every form: a post is refused, and changes nothing,
// unless it carries the token of this browser's session and a browser
// would not call it cross-site.

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// forgery is one way a post can lack a valid form token.
type forgery struct {
	name  string
	token func(tokens) string
	body  func(form url.Values) string // default: the form as it is
	h     http.Header
	want  func(status int) bool // default: 403
}

// refuses reports whether status is the refusal the forgery must get.
func (fg forgery) refuses(status int) bool {
	if fg.want == nil {
		return status == http.StatusForbidden
	}
	return fg.want(status)
}

// tokens are the form tokens a test has to hand.
type tokens struct {
	valid     string // of the victim's browser and session
	early     string // of the victim's browser before it signed in
	other     string // of another person's browser and session
	sameUser  string // of the victim's other browser, signed in as the same user
	anonymous string // of a browser that has not signed in
}

// forgeries are the ways an attacker, or an old page, posts a form.
var forgeries = []forgery{
	{name: "no token", token: func(tokens) string { return "" }},
	{name: "a token of another person's session", token: func(tk tokens) string { return tk.other }},
	{name: "a token of the same user's other browser", token: func(tk tokens) string { return tk.sameUser }},
	{name: "a token from before signing in", token: func(tk tokens) string { return tk.early }},
	{name: "a token of a signed-out browser", token: func(tk tokens) string { return tk.anonymous }},
	{name: "a token cut short", token: func(tk tokens) string { return tk.valid[:len(tk.valid)-1] }},
	{name: "a cross-site post with a valid token", token: func(tk tokens) string { return tk.valid },
		h: http.Header{"Sec-Fetch-Site": {"cross-site"}}},
	{name: "a body over 64 KiB with a valid token", token: func(tk tokens) string { return tk.valid },
		body: func(form url.Values) string { return form.Encode() + "&padding=" + strings.Repeat("a", 65<<10) },
		want: func(s int) bool { return s >= 400 && s < 500 }},
}

// victim returns alice's browser, signed in, and the tokens an attacker
// might use against her.
func (w *world) victim(t *testing.T) (*browser, tokens) {
	t.Helper()
	br := w.anonymous(t)
	tk := tokens{early: br.token(), anonymous: w.anonymous(t).token(), other: w.signedIn(t, mallory).token(), sameUser: w.signedIn(t, alice).token()}
	br.signIn(alice)
	tk.valid = br.token()
	return br, tk
}

// post sends a route's form as forged.
func (fg forgery) post(w *world, br *browser, r authzRoute, tk tokens) *page {
	form := cloneForm(r.form)
	if tok := fg.token(tk); tok != "" {
		form.Set("_csrf", tok)
	}
	body := form.Encode()
	if fg.body != nil {
		body = fg.body(form)
	}
	return br.postWith(r.path(w), body, fg.h)
}

// TestCSRF posts every form alice may send in every forged way, then
// properly, in a fresh world each.
func TestCSRF(t *testing.T) {
	t.Parallel()
	for _, r := range uiRoutes() {
		if r.method != http.MethodPost || !r.want[alice].changes {
			continue
		}
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			br, tk := w.victim(t)
			for _, fg := range forgeries {
				before := w.state()
				p := fg.post(w, br, r, tk)
				if !fg.refuses(p.res.StatusCode) {
					t.Errorf("%s: %s: %s", fg.name, p.res.Status, p.reason())
				}
				if after := w.state(); after != before {
					t.Errorf("%s changed the registry:\nbefore:\n%s\nafter:\n%s", fg.name, before, after)
				}
			}
			before := w.state()
			p := r.send(w, br, tk.valid, nil)
			if p.res.StatusCode != r.want[alice].status || w.state() == before {
				t.Errorf("the genuine post: %s, changed %v; want %d and a change: %s", p.res.Status, w.state() != before, r.want[alice].status, p.reason())
			}
		})
	}
}

// TestCSRFSignOut: a forged sign-out does not sign anyone out.
func TestCSRFSignOut(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	br, tk := w.victim(t)
	signOut := authzRoute{path: func(*world) string { return "/sign-out" }}
	for _, fg := range forgeries {
		p := fg.post(w, br, signOut, tk)
		if !fg.refuses(p.res.StatusCode) {
			t.Errorf("%s: %s", fg.name, p.res.Status)
		}
		if st := br.get("/account/keys").res.StatusCode; st != http.StatusOK {
			t.Fatalf("%s signed alice out: /account/keys answers %d", fg.name, st)
		}
	}
	if p := br.postWith("/sign-out", url.Values{"_csrf": {tk.valid}}.Encode(), nil); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the genuine sign-out: %s", p.res.Status)
	}
	if st := br.get("/account/keys").res.StatusCode; st != http.StatusSeeOther {
		t.Errorf("after signing out, /account/keys answers %d, want 303 to sign in", st)
	}
}

// TestCSRFSignInLink: a forged post of a sign-in link neither signs the
// victim in as someone else (login CSRF) nor uses the link up.
func TestCSRFSignInLink(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	link := "/sign-in/link/" + w.loginLink(mallory, 10*time.Minute)
	br := w.anonymous(t)
	tk := tokens{anonymous: w.anonymous(t).token(), other: w.signedIn(t, bob).token(), sameUser: w.signedIn(t, alice).token()}
	tk.valid = br.token()
	tk.early = tk.anonymous
	route := authzRoute{path: func(*world) string { return link }}
	for _, fg := range forgeries {
		p := fg.post(w, br, route, tk)
		if !fg.refuses(p.res.StatusCode) {
			t.Errorf("%s: %s", fg.name, p.res.Status)
		}
		if br.cookie("wharf_session") != "" {
			t.Fatalf("%s signed the browser in", fg.name)
		}
	}
	if p := br.postWith(link, url.Values{"_csrf": {tk.valid}}.Encode(), nil); p.res.StatusCode != http.StatusSeeOther || br.cookie("wharf_session") == "" {
		t.Errorf("the genuine post, after the forged ones: %s: %s", p.res.Status, p.reason())
	}
}
