package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// TestAdminUsersActions: on the admin Users page an administrator
// disables (the user's session ends), enables, promotes and removes a
// user with the CSRF token; without it nothing happens; removing someone
// who alone owns a package shows the confirmation again with a sentence
// naming it, changing nothing, and succeeds with an heir. The
// administrator has no buttons against themself.
func TestAdminUsersActions(t *testing.T) {
	f := newUIFeed(t, uiConfig{})
	ctx := context.Background()
	if _, err := f.reg.AddUser(ctx, registry.NewUser{Name: "root", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}
	alice := f.signedIn(t, "alice")
	f.addUser("bob")
	key, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	f.push(key, nugettest.Spec{ID: "Alice.Lib", Version: "1.0.0"}.Build())
	root := f.signedIn(t, "root")
	p := root.get("/admin/users")
	tok := p.csrf()
	for _, n := range p.byTestID("user-row") {
		if attr(n, "data-user") == "root" && len(findAll(n, func(x *html.Node) bool { return x.Data == "button" })) != 0 {
			t.Errorf("the administrator's own row has buttons: %q", textOf(n))
		}
	}

	if res := root.post("/admin/users/alice/disable", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("disable without the form token: %s, want 403", res.Status)
	}
	if p := alice.get("/account/keys"); p.res.StatusCode != http.StatusOK {
		t.Fatalf("alice's session before: %s", p.res.Status)
	}
	if res := root.post("/admin/users/alice/disable", url.Values{"_csrf": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disable: %s, want 303", res.Status)
	}
	if p := alice.get("/account/keys"); p.res.StatusCode != http.StatusSeeOther {
		t.Errorf("alice's session after she was disabled: %s, want 303 to sign in", p.res.Status)
	}
	if row := userRow(t, root, "alice"); !strings.Contains(row, "disabled") || !strings.Contains(row, "Enable") {
		t.Errorf("alice's row after disabling: %q", row)
	}
	if res := root.post("/admin/users/alice/enable", url.Values{"_csrf": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("enable: %s", res.Status)
	}
	if res := root.post("/admin/users/bob/admin", url.Values{"_csrf": {tok}, "admin": {"true"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("make admin: %s", res.Status)
	}
	if row := userRow(t, root, "bob"); !strings.Contains(row, "yes") || !strings.Contains(row, "Take admin") {
		t.Errorf("bob's row after promoting him: %q", row)
	}
	if res := root.post("/admin/users/root/disable", url.Values{"_csrf": {tok}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disabling oneself: %s, want 303 back with a sentence", res.Status)
	} else if row := userRow(t, root, "root"); !strings.Contains(row, "active") {
		t.Errorf("root disabled themself: %q", row)
	}

	confirm := root.get("/admin/users/alice/remove")
	if confirm.res.StatusCode != http.StatusOK || !strings.Contains(confirm.testIDText("sole-holdings"), "Alice.Lib") {
		t.Fatalf("the removal's confirmation: %s, holdings %q", confirm.res.Status, confirm.testIDText("sole-holdings"))
	}
	refused := root.postWith("/admin/users/alice/remove", url.Values{"_csrf": {tok}}.Encode(), nil)
	if refused.res.StatusCode != http.StatusConflict || !strings.Contains(refused.testIDText("remove-error"), "Alice.Lib") {
		t.Errorf("removing alice without an heir: %s %q, want 409 naming Alice.Lib", refused.res.Status, refused.testIDText("remove-error"))
	}
	if row := userRow(t, root, "alice"); row == "" {
		t.Errorf("alice is gone after a refused removal")
	}
	if res := root.post("/admin/users/alice/remove", url.Values{"_csrf": {tok}, "transfer_to": {"bob"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("removing alice with bob as heir: %s", res.Status)
	}
	for _, n := range root.get("/admin/users").byTestID("user-row") {
		if attr(n, "data-user") == "alice" {
			t.Errorf("alice is still listed after removal")
		}
	}
	if res := f.push(key, nugettest.Spec{ID: "Alice.Lib", Version: "2.0.0"}.Build()); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("push with a removed user's key: %s, want 401", res.Status)
	}
}

// TestAdminAuditFilters: the audit page pages through more than one page
// of events by keyset links without repeating or losing one, filters by
// event, outcome, actor and time, shows the actor, highlights refused
// rows with their reason, and answers a filter it cannot read with 400
// and a sentence.
func TestAdminAuditFilters(t *testing.T) {
	f := newUIFeed(t, uiConfig{})
	ctx := context.Background()
	root, err := f.reg.AddUser(ctx, registry.NewUser{Name: "root", IsAdmin: true})
	if err != nil {
		t.Fatal(err)
	}
	f.addUser("alice")
	for i := 0; i < 130; i++ { // 260 events by root
		if _, err := f.reg.DisableUser(ctx, root.ID, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.reg.EnableUser(ctx, root.ID, "alice"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.reg.DisableUser(ctx, root.ID, "root"); err == nil {
		t.Fatal("root disabled themself")
	}
	key, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if res := f.push(key, nugettest.Spec{ID: "Alice.Lib", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push: %s", res.Status)
	}
	if err := f.reg.AddOwner(ctx, "Alice.Lib", "root"); err != nil { // an owner.add event about Alice.Lib
		t.Fatal(err)
	}
	anon := f.anonymous(t) // a refused sign-in
	anon.post("/sign-in/link/not-a-link", url.Values{"_csrf": {anon.get("/sign-in/link/not-a-link").csrf()}})
	b := f.signedIn(t, "root")

	seen := map[string]bool{}
	path, pages := "/admin/audit?actor=root", 0
	for path != "" {
		p := b.get(path)
		if p.res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, p.res.Status)
		}
		pages++
		for _, r := range p.byTestID("audit-row") {
			txt := textOf(r)
			if !strings.Contains(txt, "root") {
				t.Errorf("a row of ?actor=root does not show root as actor: %q", txt)
			}
			if id := attr(r, "data-id"); seen[id] {
				t.Errorf("event %s shown twice", id)
			} else {
				seen[id] = true
			}
		}
		path = ""
		if next := p.byTestID("page-next"); len(next) == 1 {
			path = attr(next[0], "href")
		}
	}
	if pages != 3 {
		t.Errorf("actor=root paged in %d pages, want 3 (about 265 events by 100)", pages)
	}

	p := b.get("/admin/audit?outcome=rejected")
	rows := p.byTestID("audit-row")
	if len(rows) != 1 {
		t.Fatalf("outcome=rejected shows %d rows, want the bad sign-in link", len(rows))
	}
	for _, r := range rows {
		if !strings.Contains(attr(r, "class"), "refused") || !strings.Contains(textOf(r), "Refused:") {
			t.Errorf("a refused row is not highlighted with its reason: class %q, %q", attr(r, "class"), textOf(r))
		}
	}
	if p := b.get("/admin/audit?event=user.enable"); len(p.byTestID("audit-row")) != 100 || strings.Contains(p.body, "user.disable") {
		t.Errorf("event=user.enable: %d rows", len(p.byTestID("audit-row")))
	}
	if p := b.get("/admin/audit?event=user&to=2000-01-01"); len(p.byTestID("audit-row")) != 0 || p.testIDText("audit-empty") == "" {
		t.Errorf("events before 2000 shown: %d", len(p.byTestID("audit-row")))
	}
	if p := b.get("/admin/audit?package=alice.lib"); len(p.byTestID("audit-row")) != 1 || !strings.Contains(p.testIDText("audit-row"), "owner.add") {
		t.Errorf("package=alice.lib: %d rows: %q, want the owner.add of Alice.Lib", len(p.byTestID("audit-row")), p.testIDText("audit-row"))
	}
	if p := b.get("/admin/audit?policy=7"); len(p.byTestID("audit-row")) != 0 {
		t.Errorf("policy=7 (none) shows %d rows", len(p.byTestID("audit-row")))
	}
	if p := b.get("/admin/audit?from=yesterday"); p.res.StatusCode != http.StatusBadRequest || !strings.Contains(p.testIDText("audit-error"), "not a time") {
		t.Errorf("from=yesterday: %s %q, want 400 with a sentence", p.res.Status, p.testIDText("audit-error"))
	}
	if p := b.get("/admin/audit?actor=nobody"); p.res.StatusCode != http.StatusNotFound || !strings.Contains(p.testIDText("audit-error"), "no user named") {
		t.Errorf("actor=nobody: %s %q", p.res.Status, p.testIDText("audit-error"))
	}
	if len(seen) < 261 {
		t.Errorf("paging through actor=root showed %d events, want at least 261", len(seen))
	}
}
