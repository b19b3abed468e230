package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestTrustedPublishingOnly: alice switches Contoso.Sdk to trusted
// publishing only on its manage page; her long-lived key is then refused
// (403, the sentence names the package and how to publish or switch it
// off) and nothing is stored, while a trusted key publishes. Her switch
// for all her packages refuses a long-lived key's new ID too, until she
// turns it off. A stranger cannot flip either switch.
func TestTrustedPublishingOnly(t *testing.T) {
	f := newHeldFeed(t)
	longLived := f.userKey("alice")
	f.pushAs(f.tpKey(f.first), "1.0.0", http.StatusCreated)
	alice := f.signedIn(t, "alice")
	bob := f.signedIn(t, "bob")

	if res := bob.post("/packages/Contoso.Sdk/manage/trusted-only", url.Values{"_csrf": {bob.token()}, "on": {"on"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a stranger's switch: %s, want 403", res.Status)
	}
	manage := alice.get("/packages/Contoso.Sdk/manage")
	form := manage.formValues("trusted-only-form")
	if form.Get("_csrf") == "" || form.Has("on") {
		t.Fatalf("the manage page's switch form: %v (want a token, unchecked)", form)
	}
	form.Set("on", "on")
	if res := alice.post("/packages/Contoso.Sdk/manage/trusted-only", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switching on: %s", res.Status)
	}
	if !alice.get("/packages/Contoso.Sdk/manage").formValues("trusted-only-form").Has("on") {
		t.Error("the switch does not show as on")
	}

	res := f.push(longLived, nugettest.Spec{ID: "Contoso.Sdk", Version: "2.0.0"}.Build())
	w := res.Header.Get("X-NuGet-Warning")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(w, "Contoso.Sdk accepts new versions only through trusted publishing") ||
		!strings.Contains(w, "trusted publishing policy") || !strings.Contains(w, "wharf package require-trusted Contoso.Sdk off") {
		t.Errorf("long-lived push: %s %q", res.Status, w)
	}
	if keys := f.storedKeys("packages/contoso.sdk/2.0.0/"); len(keys) != 0 {
		t.Errorf("files stored for the refused push: %v", keys)
	}
	if hs, _ := f.reg.HeldVersions(context.Background(), "Contoso.Sdk"); len(hs) != 0 {
		t.Errorf("the refused push is held: %v", hs)
	}
	if _, body := f.get(f.urls.Versions("contoso.sdk")); strings.Contains(string(body), "2.0.0") {
		t.Errorf("the refused version is listed: %s", body)
	}
	f.pushAs(f.tpKey(f.first), "2.0.0", http.StatusCreated)

	// All of alice's packages, new IDs included.
	page := alice.get("/account/trusted-publishing-only")
	if page.res.StatusCode != http.StatusOK || len(page.byTestID("owner-trusted-only-form")) != 1 {
		t.Fatalf("the owners' page: %s with %d forms", page.res.Status, len(page.byTestID("owner-trusted-only-form")))
	}
	ownerForm := page.formValues("owner-trusted-only-form")
	ownerForm.Set("on", "on")
	if res := alice.post("/account/trusted-publishing-only", ownerForm); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switching alice on: %s", res.Status)
	}
	if res := bob.post("/account/trusted-publishing-only", url.Values{"_csrf": {bob.token()}, "owner": {"alice"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("bob switching alice off: %s, want 404", res.Status)
	}
	res = f.push(longLived, nugettest.Spec{ID: "Alice.New", Version: "1.0.0"}.Build())
	if w := res.Header.Get("X-NuGet-Warning"); res.StatusCode != http.StatusForbidden || !strings.Contains(w, "its owner alice") || !strings.Contains(w, "wharf owner require-trusted alice off") {
		t.Errorf("a long-lived key's new ID: %s %q", res.Status, w)
	}
	ownerForm.Del("on")
	if res := alice.post("/account/trusted-publishing-only", ownerForm); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("switching alice off: %s", res.Status)
	}
	if res := f.push(longLived, nugettest.Spec{ID: "Alice.New", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Errorf("a new ID after the owner's switch is off: %s (%s)", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}
