// The matrix's rows for the API (push, unlist, relist, the token
// exchange and early revocation) and for the routes anyone may post to
// (sign-in links, sign-out).

package web_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// keyHolders are the credentials that are API keys valid right now.
var keyHolders = []string{alicesKey, alicesOrgKey, alicesTPKey, othersTPKey, mallorysKey, bobsOrgKey, rootsKey, globKey}

// packageChange is what each valid key gets from a change to a package
// that owners own: owners' keys are allowed (status), alice's key scoped
// to Other.* is refused for its globs, every other key because the
// package belongs to other owners. Missing and dead keys follow expect.
func packageChange(status int, owners ...string) map[string]outcome {
	want := map[string]outcome{}
	for _, k := range keyHolders {
		want[k] = saying(http.StatusForbidden, "belongs to other owners")
	}
	want[globKey] = saying(http.StatusForbidden, "is limited to packages matching 'Other.*'")
	for _, k := range owners {
		want[k] = allowed(status)
	}
	return want
}

// apiRoutes are the API's state-changing routes. There is no hard delete:
// DELETE /api/v2/package/{id}/{version}, what "nuget delete" sends,
// unlists (NuGet semantics), and POST on the same URL relists.
func apiRoutes() []authzRoute {
	push := func(path, id string) func(*world) *http.Request {
		return func(w *world) *http.Request {
			body, ct := nugettest.PushBody(nugettest.Spec{ID: id, Version: "2.0.0"}.Build())
			req, _ := http.NewRequest(http.MethodPut, w.srv.URL+path, bytes.NewReader(body))
			req.Header.Set("Content-Type", ct)
			return req
		}
	}
	listing := func(method, id, version string) func(*world) *http.Request {
		return listingAt("", method, id, version)
	}
	exchange := func(w *world) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, w.srv.URL+"/api/v2/token", bytes.NewReader([]byte(`{"username":"alice","tokenType":"ApiKey"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "nuget/login-action")
		return req
	}
	revoke := func(w *world) *http.Request {
		req, _ := http.NewRequest(http.MethodDelete, w.srv.URL+"/api/v2/token", nil)
		return req
	}
	// A key is not a CI token: every one is refused, and audited.
	exchanged := map[string]outcome{
		alicesCIToken: allowed(http.StatusOK),
		othersCIToken: audited(http.StatusUnauthorized, "No matching trust policy owned by user 'alice'", "audit token.exchange rejected"),
	}
	for _, k := range append([]string{expiredKey, revokedKey}, keyHolders...) {
		exchanged[k] = audited(http.StatusUnauthorized, "not a valid JSON web token", "audit token.exchange rejected")
	}
	// A job revokes only the key it holds, and only a trusted-publishing one.
	revoked := map[string]outcome{
		alicesTPKey: allowed(http.StatusNoContent),
		othersTPKey: {status: http.StatusNoContent, changes: true, onlyKey: othersTPKey},
		expiredKey:  saying(http.StatusUnauthorized, "expired on"), revokedKey: saying(http.StatusUnauthorized, "was revoked"),
		alicesCIToken: saying(http.StatusUnauthorized, "The API key is not valid"),
		othersCIToken: saying(http.StatusUnauthorized, "The API key is not valid"),
	}
	for _, k := range []string{alicesKey, alicesOrgKey, globKey, mallorysKey, bobsOrgKey, rootsKey} {
		revoked[k] = saying(http.StatusBadRequest, "Only trusted-publishing keys are revoked here")
	}
	created, done := http.StatusCreated, http.StatusNoContent
	return []authzRoute{
		{name: "push a version of alice's package", request: push("/api/v2/package/", "Alice.Lib"),
			want: packageChange(created, alicesKey, alicesTPKey)},
		{name: "push a version of contoso's package", request: push("/api/v2/package", "Contoso.Lib"),
			want: packageChange(created, alicesOrgKey, bobsOrgKey)},
		{name: "unlist alice's version over the API (NuGet's delete)", request: listing(http.MethodDelete, "Alice.Lib", "1.0.0"),
			want: packageChange(done, alicesKey, alicesTPKey)},
		{name: "unlist contoso's version over the API (NuGet's delete)", request: listing(http.MethodDelete, "Contoso.Lib", "1.0.0"),
			want: packageChange(done, alicesOrgKey, bobsOrgKey)},
		{name: "relist contoso's version over the API", request: listing(http.MethodPost, "Contoso.Lib", "1.1.0"),
			want: packageChange(done, alicesOrgKey, bobsOrgKey)},
		{name: "deprecate contoso's version over the API", request: deprecating("", "Contoso.Lib"),
			want: packageChange(http.StatusOK, alicesOrgKey, bobsOrgKey)},
		{name: "deprecate alice's version over the API", request: deprecating("", "Alice.Lib"),
			want: packageChange(http.StatusOK, alicesKey, alicesTPKey)},
		{name: "exchange a CI token for alice", request: exchange, bearer: true, want: exchanged},
		{name: "revoke the bearer's trusted-publishing key", request: revoke, bearer: true, want: revoked},

		// The same through the URLs of the feed the packages are in.
		{name: "push a version of alice's package through its feed's URL", request: push("/feeds/default/api/v2/package/", "Alice.Lib"),
			want: packageChange(created, alicesKey, alicesTPKey)},
		{name: "push a version of contoso's package through its feed's URL", request: push("/feeds/default/api/v2/package", "Contoso.Lib"),
			want: packageChange(created, alicesOrgKey, bobsOrgKey)},
		{name: "unlist contoso's version through its feed's URL", request: listingAt("/feeds/default", http.MethodDelete, "Contoso.Lib", "1.0.0"),
			want: packageChange(done, alicesOrgKey, bobsOrgKey)},
		{name: "relist contoso's version through its feed's URL", request: listingAt("/feeds/default", http.MethodPost, "Contoso.Lib", "1.1.0"),
			want: packageChange(done, alicesOrgKey, bobsOrgKey)},

		// Symbol packages (.snupkg) of versions pushed before, as packages.
		{name: "push symbols for alice's version", request: pushSymbols("/api/v2/symbolpackage/", "Alice.Lib"),
			want: packageChange(created, alicesKey, alicesTPKey)},
		{name: "push symbols for contoso's version", request: pushSymbols("/api/v2/symbolpackage", "Contoso.Lib"),
			want: packageChange(created, alicesOrgKey, bobsOrgKey)},
		{name: "push symbols for alice's version through its feed's URL", request: pushSymbols("/feeds/default/api/v2/symbolpackage/", "Alice.Lib"),
			want: packageChange(created, alicesKey, alicesTPKey)},
		{name: "push symbols for contoso's version through its feed's URL", request: pushSymbols("/feeds/default/api/v2/symbolpackage", "Contoso.Lib"),
			want: packageChange(created, alicesOrgKey, bobsOrgKey)},
		{name: "deprecate contoso's version through its feed's URL", request: deprecating("/feeds/default", "Contoso.Lib"),
			want: packageChange(http.StatusOK, alicesOrgKey, bobsOrgKey)},
	}
}

// deprecating is a deprecation of version 1.0.0 of id through the
// deprecation API under prefix.
func deprecating(prefix, id string) func(*world) *http.Request {
	return func(w *world) *http.Request {
		body := `{"versions":["1.0.0"],"isLegacy":true,"message":"Use 2.x.","alternatePackageId":"Other.Lib"}`
		req, _ := http.NewRequest(http.MethodPut, w.srv.URL+prefix+"/api/v2/package/"+id+"/deprecations", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		return req
	}
}

// pushSymbols is a push of the .snupkg of id 1.0.0, whose assembly the
// world pushed (greeterDLL), to path.
func pushSymbols(path, id string) func(*world) *http.Request {
	return func(w *world) *http.Request {
		pdb, err := os.ReadFile("../internal/pdb/testdata/greeter/Greeter.pdb")
		if err != nil {
			w.t.Fatal(err)
		}
		snupkg := nugettest.Snupkg(id, "1.0.0", map[string][]byte{"lib/netstandard2.0/Greeter.pdb": pdb})
		body, ct := nugettest.PushBody(snupkg)
		req, _ := http.NewRequest(http.MethodPut, w.srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		return req
	}
}

// greeterDLL is a real assembly with a CodeView entry naming its portable
// PDB (internal/pdb/testdata), as a package file.
func greeterDLL(t testing.TB) map[string][]byte {
	dll, err := os.ReadFile("../internal/pdb/testdata/greeter/Greeter.dll")
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{"lib/netstandard2.0/Greeter.dll": dll}
}

// listingAt is an unlist (DELETE) or relist (POST) under prefix.
func listingAt(prefix, method, id, version string) func(*world) *http.Request {
	return func(w *world) *http.Request {
		req, _ := http.NewRequest(method, w.srv.URL+prefix+"/api/v2/package/"+id+"/"+version, nil)
		return req
	}
}

// anyoneRoutes are the forms anyone may post: a sign-in link signs in
// whoever posts it (the link is the credential), and signing out ends
// only the poster's own session. Their refusals are the form token
// (noCSRF, from expect) and a link that does not work any more.
func anyoneRoutes() []authzRoute {
	link := func(used bool) func(*world) string {
		return func(w *world) string {
			secret := w.loginLink(alice, 10*time.Minute) // a fresh link for every try
			if used {
				if _, err := w.reg.UseLoginLink(context.Background(), secret); err != nil {
					w.t.Fatal(err)
				}
			}
			return "/sign-in/link/" + secret
		}
	}
	everyone := func(o outcome, sessions outcome) map[string]outcome {
		want := map[string]outcome{}
		for _, c := range credentials {
			if !c.noCSRF {
				want[c.id] = o
				if c.actor != "" {
					want[c.id] = sessions
				}
			}
		}
		return want
	}
	back := http.StatusSeeOther
	return []authzRoute{
		{name: "sign in with alice's link", method: http.MethodPost, path: link(false), shared: true,
			want: everyone(allowed(back), allowed(back))},
		{name: "sign in with a used link", method: http.MethodPost, path: link(true),
			want: everyone(audited(http.StatusUnauthorized, "This sign-in link is not valid", "audit signin rejected"),
				audited(http.StatusUnauthorized, "This sign-in link is not valid", "audit signin rejected"))},
		{name: "sign out", method: http.MethodPost, path: func(*world) string { return "/sign-out" }, shared: true,
			want: everyone(refused(back), allowed(back))},
	}
}
