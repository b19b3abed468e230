// The trust policy API's rows of the authorisation matrix. Only keys with
// the manage scope (alice's own, and hers for contoso) manage policies,
// each within its reach: alice's key manages hers and contoso's (she is its
// admin), her contoso key only contoso's. Sessions must carry the CSRF
// token in X-CSRF-Token, which the matrix's API requests never do.

package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// policyAPIRequest is a policy API request; body may use the world.
func policyAPIRequest(method string, path func(*world) string, body func(*world) string) func(*world) *http.Request {
	return func(w *world) *http.Request {
		b := ""
		if body != nil {
			b = body(w)
		}
		req, _ := http.NewRequest(method, w.srv.URL+path(w), bytes.NewReader([]byte(b)))
		if b != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return req
	}
}

// policyAPIOutcomes: alice's manage keys get what mine says, every other
// key the scope refusal, sessions the CSRF refusal.
func policyAPIOutcomes(mine map[string]outcome) map[string]outcome {
	want := map[string]outcome{anonymous: saying(http.StatusUnauthorized, "Sign in, or pass an API key with the manage scope")}
	for _, k := range keyHolders {
		want[k] = saying(http.StatusForbidden, "may not manage trust policies")
	}
	for _, s := range []string{alice, bob, mallory, root, noCSRF} {
		want[s] = saying(http.StatusForbidden, "CSRF token")
	}
	for k, o := range mine {
		want[k] = o
	}
	return want
}

func policyAPIRoutes() []authzRoute {
	fixed := func(p string) func(*world) string { return func(*world) string { return p } }
	policy := func(which string) func(*world) string {
		return func(w *world) string {
			id := map[string]int64{alice: w.personalPolicy, "contoso": w.orgPolicy}[which]
			return "/api/v2/policies/" + strconv.FormatInt(id, 10)
		}
	}
	body := func(s string) func(*world) string { return func(*world) string { return s } }
	absent := saying(http.StatusNotFound, "that you may change")
	testToken := func(w *world) string {
		b, _ := json.Marshal(map[string]string{"token": w.ciToken("alice/tools")})
		return string(b)
	}
	return []authzRoute{
		{name: "create a policy over the API", request: policyAPIRequest(http.MethodPost, fixed("/api/v2/policies"),
			body(`{"repository":"alice/new","workflow":"release.yml"}`)),
			want: policyAPIOutcomes(map[string]outcome{alicesKey: allowed(http.StatusCreated), alicesOrgKey: allowed(http.StatusCreated)})},
		{name: "change alice's policy over the API", request: policyAPIRequest(http.MethodPut, policy(alice),
			body(`{"repository":"alice/tools","workflow":"release.yml","environment":"prod"}`)),
			want: policyAPIOutcomes(map[string]outcome{alicesKey: allowed(http.StatusOK), alicesOrgKey: absent})},
		{name: "delete contoso's policy over the API", request: policyAPIRequest(http.MethodDelete, policy("contoso"), nil),
			want: policyAPIOutcomes(map[string]outcome{alicesKey: allowed(http.StatusNoContent), alicesOrgKey: allowed(http.StatusNoContent)})},
		{name: "test a token against alice's policies", request: policyAPIRequest(http.MethodPost, fixed("/api/v2/policies/test"), testToken),
			secret: "alice-tools-policy", shared: true,
			want: policyAPIOutcomes(map[string]outcome{alicesKey: shows(http.StatusOK), alicesOrgKey: refused(http.StatusOK)})},
	}
}
