// The rows of the authorisation matrix for held versions and the
// trusted-publishing-only switches. Owners (and registry administrators)
// release, reject and switch; anyone else finds no held version, may not
// switch a package they do not own, and finds no organisation they
// administer.

package web_test

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// heldPath makes sure alice's Alice.Lib has a held version, 2.1.0 (2.0.0
// came through trusted publishing, 2.1.0 from her laptop's key), and
// returns the manage path of that version with suffix. It runs before the
// try's snapshot, once per world.
func heldPath(suffix string) func(*world) string {
	return func(w *world) string {
		path := "/packages/" + w.personalPackage + "/manage/held/2.1.0" + suffix
		if hs, err := w.reg.HeldVersions(context.Background(), w.personalPackage); err != nil || len(hs) > 0 {
			return path
		}
		w.pushWith(w.secrets[alicesTPKey], nugettest.Spec{ID: w.personalPackage, Version: "2.0.0"})
		if res := w.push(w.secrets[alicesKey], nugettest.Spec{ID: w.personalPackage, Version: "2.1.0"}.Build()); res.StatusCode != http.StatusAccepted {
			w.t.Fatalf("push %s 2.1.0 with a long-lived key after a trusted version: %s, want 202 (held)", w.personalPackage, res.Status)
		}
		return path
	}
}

func heldRoutes() []authzRoute {
	back := http.StatusSeeOther
	noHeld := saying(http.StatusNotFound, "There is no held version")
	notOwner := saying(http.StatusForbidden, "Only an owner of 'Alice.Lib'")
	notAdmin := saying(http.StatusNotFound, "that you administer")
	return []authzRoute{
		{name: "release alice's held version", method: http.MethodPost, path: heldPath("/release"),
			want: map[string]outcome{alice: allowed(back), bob: noHeld, mallory: noHeld, root: allowed(back)}},
		{name: "reject alice's held version", method: http.MethodPost, path: heldPath("/reject"),
			want: map[string]outcome{alice: allowed(back), bob: noHeld, mallory: noHeld, root: allowed(back)}},
		{name: "require trusted publishing for alice's package", method: http.MethodPost, form: url.Values{"on": {"on"}},
			path: func(w *world) string { return "/packages/" + w.personalPackage + "/manage/trusted-only" },
			want: map[string]outcome{alice: allowed(back), bob: notOwner, mallory: notOwner, root: allowed(back)}},
		{name: "require trusted publishing for contoso's packages", method: http.MethodPost, form: url.Values{"owner": {"contoso"}, "on": {"on"}},
			path: func(*world) string { return "/account/trusted-publishing-only" },
			want: map[string]outcome{alice: allowed(back), bob: notAdmin, mallory: notAdmin, root: allowed(back)}},
	}
}
