// The staging API's and the staged releases pages' rows of the
// authorisation matrix. A key manages only its owner's stage groups:
// another owner's group or staged version is absent (404); a key limited
// by globs may not touch a group holding packages outside them. Only a
// person promotes, in the UI.

package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// stagingRequest is a staging API request under /api/v2/staging.
func stagingRequest(method, path, body string) func(*world) *http.Request {
	return func(w *world) *http.Request {
		req, _ := http.NewRequest(method, w.srv.URL+"/api/v2/staging"+path, bytes.NewReader([]byte(body)))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return req
	}
}

// stagingOutcomes is what a route of alice's stage group "rel" gives:
// her own keys are allowed, globKey gets glob, everyone else absent.
func stagingOutcomes(status int, glob, absent outcome) map[string]outcome {
	want := map[string]outcome{}
	for _, k := range keyHolders {
		want[k] = absent
	}
	want[globKey] = glob
	want[alicesKey], want[alicesTPKey] = allowed(status), allowed(status)
	return want
}

func stagingRoutes() []authzRoute {
	stagePush := func(w *world) *http.Request {
		body, ct := nugettest.PushBody(nugettest.Spec{ID: "Alice.Lib", Version: "4.0.0"}.Build())
		req, _ := http.NewRequest(http.MethodPut, w.srv.URL+"/api/v2/staging/package", bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		return req
	}
	everyKey := map[string]outcome{}
	for _, k := range keyHolders {
		everyKey[k] = allowed(http.StatusCreated) // each in its own owner's groups
	}
	noGroup := saying(http.StatusNotFound, "There is no stage group 'rel' of this key's owner")
	notStaged := saying(http.StatusNotFound, "is not staged by this key's owner")
	limited := saying(http.StatusForbidden, "is limited to packages matching 'Other.*'")

	stage := func(w *world, suffix string) string {
		return "/account/stages/" + strconv.FormatInt(w.orgStage, 10) + suffix
	}
	personal := func(suffix string) func(*world) string {
		return func(w *world) string { return "/account/stages/" + strconv.FormatInt(w.personalStage, 10) + suffix }
	}
	org := func(suffix string) func(*world) string { return func(w *world) string { return stage(w, suffix) } }
	absent := saying(http.StatusNotFound, "There is no stage group")
	notOwnerOf := saying(http.StatusForbidden, "Only the owner of stage group org-rel")
	back := http.StatusSeeOther
	return []authzRoute{
		{name: "stage a version of alice's package", request: stagePush, want: packageChange(http.StatusCreated, alicesKey, alicesTPKey)},
		{name: "unstage alice's staged version", request: stagingRequest(http.MethodDelete, "/package/Alice.Lib/3.0.0", ""),
			want: stagingOutcomes(http.StatusNoContent, notStaged, notStaged)},
		{name: "create a stage group", request: stagingRequest(http.MethodPost, "/groups", `{"id":"new-rel","name":"New release"}`), want: everyKey},
		{name: "rename alice's stage group", request: stagingRequest(http.MethodPatch, "/groups/rel", `{"name":"Renamed"}`),
			want: stagingOutcomes(http.StatusOK, limited, noGroup)},
		{name: "drop alice's stage group over the API", request: stagingRequest(http.MethodDelete, "/groups/rel", ""),
			want: stagingOutcomes(http.StatusNoContent, limited, noGroup)},
		{name: "move alice's staged version into her other group", request: stagingRequest(http.MethodPut, "/groups/rel-2/items/Alice.Lib/3.0.0", ""),
			want: stagingOutcomes(http.StatusNoContent, notStaged, notStaged)},
		{name: "take alice's staged version out of its group", request: stagingRequest(http.MethodDelete, "/groups/rel/items/Alice.Lib/3.0.0", ""),
			want: stagingOutcomes(http.StatusNoContent, limited, noGroup)},

		// The UI: contoso's admins manage its stage group; bob, a plain
		// member, sees it but may not; others find nothing.
		{name: "approve contoso's staged release", method: http.MethodPost, path: org("/approve"),
			want: map[string]outcome{alice: allowed(back), bob: notOwnerOf, mallory: absent, root: absent}},
		{name: "promote contoso's staged release", method: http.MethodPost, path: org("/promote"),
			want: map[string]outcome{alice: allowed(back), bob: notOwnerOf, mallory: absent, root: absent}},
		{name: "drop alice's staged release", method: http.MethodPost, path: personal("/drop"),
			want: map[string]outcome{alice: allowed(back), bob: absent, mallory: absent, root: absent}},
		{name: "require two people to promote contoso's releases", method: http.MethodPost, path: func(*world) string { return "/account/stages/two-people" },
			form: url.Values{"owner": {"contoso"}, "on": {"on"}},
			want: map[string]outcome{alice: allowed(back), bob: saying(http.StatusNotFound, "that you administer"), mallory: saying(http.StatusNotFound, "that you administer"), root: saying(http.StatusNotFound, "that you administer")}},
	}
}
