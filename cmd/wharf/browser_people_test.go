package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestBrowserUsersAndAudit: an administrator in Chromium disables a user
// from the Users page (after the confirmation dialog), which ends that
// user's session in their own browser; enables them again; removes them
// through the confirmation page, which first refuses naming the package
// only they own and then hands it to the named heir; and filters the
// audit log down to the refused removal, shown highlighted with its
// reason, and pages through it.
func TestBrowserUsersAndAudit(t *testing.T) {
	w := newBrowserWorld(t)
	admin, victim := w.browser.firstTab(t), w.browser.otherTab(t, false)
	w.signIn(admin, ada, "/account/keys")
	w.signIn(victim, grace, "/account/keys")
	w.wharfOK(t, "user", "set-admin", "ada", "--admin=true")
	key, _ := w.addKey(t, "--user", "grace")
	if status, why := w.pushHTTP(t, key, nugettest.Spec{ID: "Grace.Lib", Version: "1.0.0"}); status != http.StatusCreated {
		t.Fatalf("grace's push: %d %s", status, why)
	}

	admin.openOK("/admin/users")
	grace := `[data-testid="user-row"][data-user="grace"]`
	admin.wantText(grace+` [data-testid="user-status"]`, "active")
	if n := admin.count(`[data-testid="user-row"][data-user="ada"] button`); n != 0 {
		t.Errorf("the administrator's own row has %d buttons, want none", n)
	}
	if status := admin.click(grace + ` [data-testid="disable-user"]`); status != http.StatusOK {
		t.Fatalf("disabling grace: status %d%s", status, admin.where())
	}
	if d := admin.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "Disable grace?") {
		t.Errorf("dialogs before disabling: %q, want the confirmation", d)
	}
	admin.wantText(`[data-testid="flash"]`, "Disabled grace")
	admin.wantText(grace+` [data-testid="user-status"]`, "disabled", "by an administrator")
	victim.open("/account/keys")
	if got := victim.path(); !strings.HasPrefix(got, "/sign-in") {
		t.Errorf("grace's browser after she was disabled is on %s, want the sign-in page", got)
	}
	if status := admin.click(grace + ` [data-testid="enable-user"]`); status != http.StatusOK {
		t.Fatalf("enabling grace: status %d%s", status, admin.where())
	}
	admin.wantText(grace+` [data-testid="user-status"]`, "active")
	admin.screenshot("users")

	if status := admin.click(grace + ` [data-testid="remove-user"]`); status != http.StatusOK {
		t.Fatalf("opening grace's removal: status %d%s", status, admin.where())
	}
	admin.wantText(`[data-testid="sole-holdings"]`, "Grace.Lib")
	admin.screenshot("remove-user")
	if status := admin.click(`[data-testid="confirm-remove"]`); status != http.StatusConflict {
		t.Errorf("removing grace without an heir: status %d, want 409%s", status, admin.where())
	}
	admin.wantText(`[data-testid="remove-error"]`, "grace is the only holder of the packages Grace.Lib")
	if status := admin.submit(`[data-testid="remove-form"]`, `[data-testid="transfer-to"]`, "ada"); status != http.StatusOK {
		t.Fatalf("removing grace with ada as heir: status %d%s", status, admin.where())
	}
	admin.wantText(`[data-testid="flash"]`, "Removed grace")
	admin.wantNone(grace, "grace is removed")

	admin.openOK("/admin/audit")
	if status := admin.submit(`[data-testid="audit-filters"]`, `#f-event`, "user.remove", `#f-outcome`, "rejected", `#f-actor`, "ada"); status != http.StatusOK {
		t.Fatalf("filtering the audit log: status %d%s", status, admin.where())
	}
	rows := admin.texts(`[data-testid="audit-row"]`)
	if len(rows) != 1 || !strings.Contains(rows[0], "Refused:") || !strings.Contains(rows[0], "Grace.Lib") || !strings.Contains(rows[0], "ada") {
		t.Errorf("the refused removal, filtered: %q", rows)
	}
	if cls := admin.attr(`[data-testid="audit-row"]`, "class"); !strings.Contains(cls, "refused") {
		t.Errorf("the refused row's class is %q, want it highlighted", cls)
	}
	if bg := evaluate[string](admin, "reading the row's background", `getComputedStyle(document.querySelector('[data-testid="audit-row"] td')).backgroundColor`); bg == "rgba(0, 0, 0, 0)" || bg == "" {
		t.Errorf("the refused row has no background (%q)", bg)
	}
	admin.screenshot("audit-filtered")
	// On a phone the page itself does not scroll sideways (the table
	// scrolls inside its wrapper).
	admin.phone(true)
	defer admin.phone(false)
	for _, path := range []string{"/admin/users", "/admin/audit?outcome=rejected"} {
		admin.openOK(path)
		sizes := evaluate[[]int](admin, "measuring the page", `[document.scrollingElement.scrollWidth, window.innerWidth]`)
		if sizes[0] > 390 || sizes[1] != 390 {
			t.Errorf("%s does not fit a 390 pixel phone: %d CSS pixels wide, viewport %d", path, sizes[0], sizes[1])
		}
	}
}
