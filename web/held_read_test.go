package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// heldMarker is in the held version's description: whoever is shown it
// has read the held version.
const heldMarker = "HELD-c41e"

// TestHeldVersionIsOnNoReadRoute: in the private feed, after Secret.Lib
// 1.0.0 came through trusted publishing, alice's long-lived key pushes
// 7.7.7-held, which is held. On every read route of the protocol (the
// read matrix's, in both URL families), every credential that reads the
// package, the owner's own trusted key included, gets for 7.7.7-held
// exactly what a version that does not exist gets, and no listing names
// it.
func TestHeldVersionIsOnNoReadRoute(t *testing.T) {
	t.Parallel()
	w := readWorld(t)
	spec := nugettest.Spec{ID: "Secret.Lib", Version: "7.7.7-held", Description: "The " + heldMarker + " version.", Readme: []byte("# " + heldMarker), Icon: nugettest.PNG}
	res := w.do(nugettest.PushRequest(w.urls.Feed("secret").Publish(), w.secrets[alicesKey], spec.Build(), nil))
	if res.StatusCode != http.StatusAccepted || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "held for review") {
		t.Fatalf("long-lived push after a trusted one: %s (%s), want 202 held", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	checked := 0
	for _, prefix := range []string{"", "/feeds/secret"} {
		for _, r := range readRoutes {
			for _, c := range readCreds {
				if c.access != "yes" {
					continue
				}
				held := prefix + strings.ReplaceAll(strings.ReplaceAll(r.path, "1.0.0", "7.7.7-held"), secretMarker, heldMarker)
				t.Run(c.about+" GET "+held, func(t *testing.T) {
					p := w.sendRead(t, c, held)
					if strings.Contains(p.body, heldMarker) {
						t.Errorf("%s shows the held version: %.400s", p.res.Status, p.body)
					}
					if held == prefix+r.path { // a listing, or a route without a version
						if strings.Contains(p.body, "7.7.7-held") {
							t.Errorf("%s names the held version: %.400s", p.res.Status, p.body)
						}
						return
					}
					absent := strings.ReplaceAll(held, "7.7.7-held", "9.9.9-none")
					a := w.sendRead(t, c, absent)
					if p.res.StatusCode != a.res.StatusCode || strings.ReplaceAll(p.body, "7.7.7-held", "9.9.9-none") != a.body {
						t.Errorf("the held version answers %s %q; an absent one %s %q: they must not differ", p.res.Status, p.body, a.res.Status, a.body)
					}
				})
				checked++
			}
		}
	}
	t.Logf("%d reads checked", checked)
}
