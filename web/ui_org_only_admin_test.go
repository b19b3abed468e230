// The organisation page offers no Remove button that could only be
// refused.

package web_test

import (
	"net/http"
	"net/url"
	"testing"
)

// TestOrgOnlyAdminHasNoRemoveButton: alice creates contoso and is its only
// admin, so her row has no Remove button but a sentence saying what to do
// first.
func TestOrgOnlyAdminHasNoRemoveButton(t *testing.T) {
	f := newUIFeed(t, uiConfig{})
	alice := f.signedIn(t, "alice")
	if res := send(alice, "/account/organizations", url.Values{"name": {"contoso"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create contoso: %s", res.Status)
	}
	p := alice.get("/organizations/contoso")
	if rows := len(p.byTestID("member-row")); p.res.StatusCode != http.StatusOK || rows != 1 {
		t.Fatalf("contoso's page: %s with %d member rows, want 200 with alice's", p.res.Status, rows)
	}
	if n := len(p.byTestID("remove-member")); n != 0 {
		t.Errorf("the only admin's page has %d Remove buttons, want none", n)
	}
	if n := len(p.byTestID("only-admin")); n != 1 {
		t.Errorf("%d only-admin notes, want one beside alice", n)
	}
}
