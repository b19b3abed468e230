package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestBrowserPrivateFeed: a package in a private feed, seen through
// Chromium by three people. Signed out, and signed in without access, its
// page is absent (404) and search and the start page do not list it; the
// feed's admin sees it with the feed's source URL and the credentials
// note. The admin grants a second person the reader role on the feeds
// page, and that person's next page load shows the package, without a
// restart; revoking the grant in the page hides it again.
func TestBrowserPrivateFeed(t *testing.T) {
	w := newBrowserWorld(t)
	ada0, grace0, anon := w.browser.firstTab(t), w.browser.otherTab(t, false), w.browser.otherTab(t, false)
	w.signIn(ada0, ada, "/account/keys")
	w.signIn(grace0, grace, "/account/keys")

	w.wharfOK(t, "feed", "add", "team", "--private", "--description", "The team's packages")
	w.wharfOK(t, "feed", "grant", "team", "--user", "ada", "--role", "admin")
	key := w.apiKey(t, "builder")
	w.wharfOK(t, "feed", "grant", "team", "--user", "builder", "--role", "publisher")
	// The grants were made by another process: the server learns of them
	// through the feed revision, within its freshness bound (a second).
	nupkg := nugettest.Spec{ID: "Team.Lib", Version: "1.0.0", Description: "Only for the team."}.Build()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		res, err := w.http.Do(nugettest.PushRequest(w.base+"/feeds/team/api/v2/package", key, nupkg, nil))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusCreated {
			break
		}
		if res.StatusCode != http.StatusForbidden || time.Now().After(deadline) {
			t.Fatalf("push Team.Lib to the private feed: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
		}
	}

	hidden := func(p *tab, who string) {
		t.Helper()
		if status := p.open("/packages/Team.Lib"); status != http.StatusNotFound {
			t.Errorf("%s opens Team.Lib's page: status %d, want 404%s", who, status, p.where())
		}
		p.openOK("/packages?q=team")
		p.wantNone(`[data-package="Team.Lib"]`, who+" must not find the private package")
		p.openOK("/")
		p.wantNone(`[data-package="Team.Lib"]`, who+"'s start page must not list the private package")
		p.openOK("/feeds")
		p.wantNone(`[data-feed="team"]`, who+" must not see the private feed")
	}
	shown := func(p *tab, who string) {
		t.Helper()
		if status := p.open("/packages/Team.Lib"); status != http.StatusOK {
			t.Fatalf("%s opens Team.Lib's page: status %d, want 200%s", who, status, p.where())
		}
		p.wantText(`[data-testid="package-feed"]`, "team", "private")
		p.wantText(`[data-testid="source-dotnet"]`, w.base+"/feeds/team/v3/index.json", "--username "+who, "--password KEY")
		p.wantText(`[data-testid="credentials-note"]`, "needs credentials")
		p.openOK("/packages?q=team")
		if n := p.count(`[data-package="Team.Lib"]`); n != 1 {
			t.Errorf("%s's search for team lists Team.Lib %d times, want once%s", who, n, p.where())
		}
	}

	hidden(anon, "a signed-out visitor")
	hidden(grace0, "grace, without access")
	shown(ada0, "ada")
	ada0.screenshot("private-package")

	// ada grants grace the reader role in the feeds page.
	ada0.openOK("/feeds")
	ada0.wantText(`[data-feed="team"] [data-testid="feed-role"]`, "admin")
	if status := ada0.click(`[data-feed="team"] [data-testid="manage-feed"]`); status != http.StatusOK {
		t.Fatalf("opening team's management page: status %d%s", status, ada0.where())
	}
	if status := ada0.submit(`[data-testid="add-grant"]`, "#grant-kind", "user", "#grant-subject", "grace", "#grant-role", "reader"); status != http.StatusOK {
		t.Fatalf("granting grace: status %d%s", status, ada0.where())
	}
	ada0.wantText(`[data-testid="flash"]`, "grace is now reader of team")
	ada0.wantText(`[data-testid="grant-row"][data-subject="grace"] [data-testid="grant-role"]`, "reader")
	ada0.screenshot("feed-grants")
	shown(grace0, "grace")

	// And revokes it: the next page grace loads no longer shows it.
	if status := ada0.click(`[data-testid="grant-row"][data-subject="grace"] [data-testid="revoke-grant"]`); status != http.StatusOK {
		t.Fatalf("revoking grace's grant: status %d%s", status, ada0.where())
	}
	ada0.wantText(`[data-testid="flash"]`, "Revoked the grant of grace")
	if strings.Contains(strings.Join(ada0.texts(`[data-testid="grant-row"]`), " "), "grace") {
		t.Errorf("grace's grant is still listed after revoking it%s", ada0.where())
	}
	hidden(grace0, "grace, after the revocation")
}
