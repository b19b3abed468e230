package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
)

// TestAdminPrefixesPage: only registry admins see /admin/prefixes; the
// form needs the CSRF token; reserving shows errors beside the field and
// lists the reservation; releasing removes it.
func TestAdminPrefixesPage(t *testing.T) {
	f := newUIFeed(t, uiConfig{})
	if _, err := f.reg.AddUser(context.Background(), registry.NewUser{Name: "root", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	f.addUser("contoso-dev")
	mallory := f.signedIn(t, "mallory")
	if got := mallory.get("/admin/prefixes").res.StatusCode; got != http.StatusForbidden && got != http.StatusNotFound {
		t.Errorf("a non-admin GET /admin/prefixes = %d, want 403 or 404", got)
	}
	tok := mallory.get("/account/keys").csrf()
	if got := mallory.post("/admin/prefixes", url.Values{"_csrf": {tok}, "pattern": {"Mallory.*"}, "owner": {"mallory"}}).StatusCode; got != http.StatusForbidden && got != http.StatusNotFound {
		t.Errorf("a non-admin reserving = %d, want 403 or 404", got)
	}

	root := f.signedIn(t, "root")
	p := root.get("/admin/prefixes")
	if p.res.StatusCode != http.StatusOK || len(p.byTestID("prefix-reserve")) != 1 {
		t.Fatalf("GET /admin/prefixes = %d, or no reserve form", p.res.StatusCode)
	}
	if got := root.post("/admin/prefixes", url.Values{"pattern": {"Contoso.*"}, "owner": {"contoso-dev"}}).StatusCode; got != http.StatusForbidden {
		t.Errorf("reserving without the CSRF token = %d, want 403", got)
	}
	tok = p.csrf()
	bad := root.postWith("/admin/prefixes", url.Values{"_csrf": {tok}, "pattern": {"*"}, "owner": {"contoso-dev"}}.Encode(), nil)
	if bad.res.StatusCode != http.StatusBadRequest || !strings.Contains(bad.testIDText("form-error"), "every package ID") {
		t.Errorf("reserving '*' = %d, error %q", bad.res.StatusCode, bad.testIDText("form-error"))
	}
	if res := root.post("/admin/prefixes", url.Values{"_csrf": {tok}, "pattern": {"Contoso.*"}, "owner": {"contoso-dev"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reserving = %d, want 303", res.StatusCode)
	}
	if rows := root.get("/admin/prefixes").testIDText("prefixes"); !strings.Contains(rows, "Contoso.*") || !strings.Contains(rows, "contoso-dev") {
		t.Errorf("the list does not show the reservation: %q", rows)
	}
	if _, _, ok := f.reg.ReservedBy(context.Background(), "Contoso.Sdk"); !ok {
		t.Error("the reservation made in the UI does not hold")
	}
	if res := root.post("/admin/prefixes/release", url.Values{"_csrf": {tok}, "pattern": {"Contoso.*"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("releasing = %d, want 303", res.StatusCode)
	}
	if rows := root.get("/admin/prefixes").testIDText("prefixes"); strings.Contains(rows, "Contoso.*") {
		t.Errorf("the list still shows a released reservation: %q", rows)
	}
}
