// The credentials the authorisation matrix presents, and how each travels
// on each kind of route: a browser session (with or without the form
// token), an API key, or a CI token. Every credential is tried on every
// route, so a key must also fail to open a page and a session must also
// fail to push.

package web_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

// The credentials other than the actors' sessions (anonymous, alice, bob,
// mallory and root, as in the UI's tables), by ID. The keys are made by
// issueCredentials.
const (
	noCSRF        = "noCSRF"        // alice's session, posting without the form token
	expiredKey    = "expiredKey"    // alice's, past its expiry
	revokedKey    = "revokedKey"    // alice's, revoked
	globKey       = "globKey"       // alice's, limited to Other.*
	alicesKey     = "alicesKey"     // alice's, for her own packages
	alicesOrgKey  = "alicesOrgKey"  // alice's, for contoso
	alicesTPKey   = "alicesTPKey"   // minted from alice's policy for alice/tools
	othersTPKey   = "othersTPKey"   // minted from mallory's policy for mallory/tools
	mallorysKey   = "mallorysKey"   // mallory's: she owns nothing here
	bobsOrgKey    = "bobsOrgKey"    // bob's, for contoso, of which he is a plain member
	rootsKey      = "rootsKey"      // the registry administrator's
	alicesCIToken = "alicesCIToken" // a fresh CI token of alice/tools' release.yml
	othersCIToken = "othersCIToken" // a fresh CI token of mallory/tools' release.yml
)

// credential is what a caller presents.
type credential struct {
	id     string
	about  string                // for test names
	actor  string                // the browser's user; "" for a browser that has not signed in
	noCSRF bool                  // form posts leave out the form token
	secret func(w *world) string // an API key or CI token, sent as the route takes one
}

func key(id string) func(*world) string { return func(w *world) string { return w.secrets[id] } }

func ciTokenOf(repo string) func(*world) string {
	return func(w *world) string { return w.ciToken(repo) }
}

// credentials is every credential the matrix tries, refusals first.
var credentials = []credential{
	{id: anonymous, about: "no credential"},
	{id: expiredKey, about: "an expired key", secret: key(expiredKey)},
	{id: revokedKey, about: "a revoked key", secret: key(revokedKey)},
	{id: globKey, about: "the owner's key scoped to other packages", secret: key(globKey)},
	{id: othersTPKey, about: "a trusted-publishing key minted for another owner", secret: key(othersTPKey)},
	{id: mallorysKey, about: "the key of a user who owns nothing", secret: key(mallorysKey)},
	{id: bobsOrgKey, about: "an organisation member's key for the organisation", secret: key(bobsOrgKey)},
	{id: rootsKey, about: "a registry administrator's key", secret: key(rootsKey)},
	{id: othersCIToken, about: "a CI token of another owner's workflow", secret: ciTokenOf("mallory/tools")},
	{id: mallory, about: "another user's session", actor: mallory},
	{id: bob, about: "an organisation member's session (not an admin)", actor: bob},
	{id: root, about: "a registry administrator's session", actor: root},
	{id: noCSRF, about: "the owner's session without the form token", actor: alice, noCSRF: true},
	{id: alicesKey, about: "the owner's key", secret: key(alicesKey)},
	{id: alicesOrgKey, about: "the owner's key for her organisation", secret: key(alicesOrgKey)},
	{id: alicesTPKey, about: "the owner's trusted-publishing key", secret: key(alicesTPKey)},
	{id: alicesCIToken, about: "a CI token of the owner's workflow", secret: ciTokenOf("alice/tools")},
	{id: alice, about: "the owner's session", actor: alice},
}

// browserOf returns the credential's browser in this world, signing it in
// on first use. The snapshot lists whom each such browser is signed in as.
func (w *world) browserOf(t testing.TB, c credential) *browser {
	t.Helper()
	br := w.browsers[c.id]
	if br == nil {
		if c.actor == "" {
			br = w.anonymous(t)
		} else {
			br = w.signedIn(t, c.actor)
		}
		w.browsers[c.id] = br
	}
	br.t = t
	return br
}

// prepare builds a route's request as the credential sends it, reading a
// form token first when it needs one, and returns what sends it: the
// snapshot is taken in between. A key or token goes in X-NuGet-ApiKey on
// the package routes, as a bearer token on the token routes, and in both
// headers on the UI's routes, which must ignore them.
func (r authzRoute) prepare(w *world, br *browser, c credential) func() *page {
	secret := ""
	if c.secret != nil {
		secret = c.secret(w)
	}
	if r.request != nil {
		req := r.request(w)
		switch {
		case secret == "":
		case r.bearer:
			req.Header.Set("Authorization", "Bearer "+secret)
		default:
			req.Header.Set("X-NuGet-ApiKey", secret)
		}
		return func() *page { return br.do(req) }
	}
	h := http.Header{}
	if secret != "" {
		h.Set("X-NuGet-ApiKey", secret)
		h.Set("Authorization", "Bearer "+secret)
	}
	path := r.path(w)
	if r.method == http.MethodGet {
		req, _ := http.NewRequest(http.MethodGet, w.srv.URL+path, nil)
		req.Header = h
		return func() *page { return br.do(req) }
	}
	form := cloneForm(r.form)
	if r.formOf != nil {
		form = r.formOf(w)
	}
	if !c.noCSRF {
		form.Set("_csrf", br.token())
	}
	return func() *page { return br.postWith(path, form.Encode(), h) }
}

// why is the sentence a refused request carries: the page's message, or
// the API's X-NuGet-Warning or JSON error.
func (p *page) why() string {
	if p.doc != nil {
		return p.reason()
	}
	if w := p.res.Header.Get("X-NuGet-Warning"); w != "" {
		return w
	}
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal([]byte(p.body), &e)
	return e.Error
}
