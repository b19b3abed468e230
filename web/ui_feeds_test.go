package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
)

// pushTeamLib puts Team.Lib in the world's private feed team, pushed
// with alice's key (she administers the feed, so she may create IDs).
func (w *world) pushTeamLib(t *testing.T) {
	t.Helper()
	res := w.pushTo(w.urls.Feed("team").Publish(), w.secrets[alicesKey], nugettest.Spec{ID: "Team.Lib", Version: "1.0.0", Description: "The team's own library."})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("push Team.Lib to the private feed: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}

// formPost posts a form from the page at from, with its form token.
func formPost(t *testing.T, b *browser, from, to string, form url.Values) *page {
	t.Helper()
	p := b.get(from)
	if p.res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", from, p.res.Status)
	}
	form.Set("_csrf", p.csrf())
	return b.postWith(to, form.Encode(), nil)
}

// TestFeedsPage: a registry admin creates a feed (a bad name is refused
// beside the field, creating nothing); the feed's admin grants and
// revokes a role and changes the visibility in the page, each change
// audited in her name and taking effect on the next request, and a
// reader neither manages the feed nor sees its management page.
func TestFeedsPage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.pushTeamLib(t)
	rootB, aliceB, carolB := w.as(t, root), w.as(t, alice), w.as(t, "carol")

	p := formPost(t, rootB, "/feeds", "/feeds", url.Values{"name": {"Bad Name"}, "description": {"x"}})
	if p.res.StatusCode != http.StatusBadRequest || !strings.Contains(p.reason(), "is not a valid feed name") || !strings.Contains(p.body, `value="Bad Name"`) {
		t.Errorf("create 'Bad Name': %s %q, want 400 saying it is not a valid feed name, the value kept", p.res.Status, p.reason())
	}
	p = formPost(t, rootB, "/feeds", "/feeds", url.Values{"name": {"long"}, "description": {strings.Repeat("x", 501)}})
	// Beside the field (and, linked to it, at the top of the page too).
	field, sentence := strings.Index(p.body, `id="feed-description"`), strings.LastIndex(p.body, "longer than 500 characters")
	if p.res.StatusCode != http.StatusBadRequest || len(p.byTestID("form-error")) != 1 || sentence < field || field < 0 {
		t.Errorf("create with a 501-character description: %s %q, want 400 saying it is too long, beside the description", p.res.Status, p.reason())
	}
	p = formPost(t, rootB, "/feeds", "/feeds", url.Values{"name": {"ops"}, "description": {"Ops tools"}, "private": {"true"}})
	if loc := p.res.Header.Get("Location"); p.res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(loc, "/account/feeds/ops") {
		t.Errorf("create ops: %s to %q, want 303 to its management page", p.res.Status, loc)
	}
	list := rootB.get("/feeds")
	if rows := list.byTestID("feed-row"); len(rows) != 3 || !strings.Contains(list.body, `data-feed="ops"`) {
		t.Errorf("root's feeds page lists %d feeds, want default, ops and team", len(rows))
	}
	if p := formPost(t, aliceB, "/feeds", "/feeds", url.Values{"name": {"mine"}}); p.res.StatusCode != http.StatusForbidden || !strings.Contains(p.reason(), "Only administrators of this registry create feeds") {
		t.Errorf("alice creates a feed: %s %q, want 403 saying only registry admins do", p.res.Status, p.reason())
	}

	carolSees := func(step string, want bool) {
		t.Helper()
		pkg, feedsPage := carolB.get("/packages/Team.Lib"), carolB.get("/feeds")
		if got := pkg.res.StatusCode == http.StatusOK; got != want {
			t.Errorf("%s: carol gets Team.Lib's page: %s, want it shown %v", step, pkg.res.Status, want)
		}
		if got := strings.Contains(feedsPage.body, `data-feed="team"`); got != want {
			t.Errorf("%s: carol's feeds page lists team: %v, want %v", step, got, want)
		}
	}
	carolSees("before any grant", false)
	const manage = "/account/feeds/team"
	for _, c := range []struct {
		form   url.Values
		status int
		phrase string
	}{
		{url.Values{"kind": {"user"}, "subject": {"nobody"}, "role": {"reader"}}, http.StatusNotFound, "There is no user named 'nobody'"},
		{url.Values{"kind": {"user"}, "subject": {"carol"}, "role": {"owner"}}, http.StatusBadRequest, "is not a feed role"},
		{url.Values{"kind": {"user"}, "subject": {""}, "role": {"reader"}}, http.StatusBadRequest, "Name the user"},
		{url.Values{"kind": {"org"}, "subject": {"carol"}, "role": {"reader"}}, http.StatusBadRequest, "is a user, not an organisation"},
	} {
		p := formPost(t, aliceB, manage, manage+"/grants", c.form)
		if p.res.StatusCode != c.status || !strings.Contains(p.reason(), c.phrase) {
			t.Errorf("grant %v: %s %q, want %d saying %q beside the form", c.form, p.res.Status, p.reason(), c.status, c.phrase)
		}
	}
	carolSees("after refused grants", false)
	if p := formPost(t, aliceB, manage, manage+"/grants", url.Values{"kind": {"user"}, "subject": {"carol"}, "role": {"reader"}}); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant carol reader: %s %q", p.res.Status, p.reason())
	}
	carolSees("carol granted reader", true)
	if p := carolB.get(manage); p.res.StatusCode != http.StatusNotFound {
		t.Errorf("carol, a reader, opens team's management page: %s, want 404", p.res.Status)
	}
	if p := aliceB.get(manage); len(p.byTestID("grant-row")) != 3 {
		t.Errorf("team's grants: %d rows, want alice, bob and carol", len(p.byTestID("grant-row")))
	}
	if p := formPost(t, aliceB, manage, manage+"/grants/revoke", url.Values{"kind": {"user"}, "subject": {"carol"}}); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke carol: %s %q", p.res.Status, p.reason())
	}
	carolSees("carol's grant revoked", false)
	if p := formPost(t, aliceB, manage, manage+"/grants/revoke", url.Values{"kind": {"user"}, "subject": {"carol"}}); p.res.StatusCode != http.StatusNotFound || !strings.Contains(p.reason(), "has no grant") {
		t.Errorf("revoke carol again: %s %q, want 404 saying she has no grant", p.res.Status, p.reason())
	}

	if p := formPost(t, aliceB, manage, manage, url.Values{"visibility": {"sideways"}, "description": {"x"}}); p.res.StatusCode != http.StatusBadRequest || !strings.Contains(p.reason(), "Choose the feed's visibility") {
		t.Errorf("visibility sideways: %s %q, want 400 saying to choose", p.res.Status, p.reason())
	}
	if p := w.anonymous(t).get("/packages/Team.Lib"); p.res.StatusCode != http.StatusNotFound {
		t.Errorf("anonymous, team private: %s, want 404", p.res.Status)
	}
	if p := formPost(t, aliceB, manage, manage, url.Values{"visibility": {"public"}, "description": {"Now open"}}); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("make team public: %s %q", p.res.Status, p.reason())
	}
	if p := w.anonymous(t).get("/packages/Team.Lib"); p.res.StatusCode != http.StatusOK {
		t.Errorf("anonymous, team made public: %s, want 200", p.res.Status)
	}

	events, err := w.reg.AuditLog(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	done := map[string]int64{}
	for _, e := range events {
		if strings.HasPrefix(e.Kind, "feed.") && e.ActorID != 0 {
			done[e.Kind] = e.ActorID
		}
	}
	want := map[string]int64{"feed.create": w.users[root].ID, "feed.grant": w.users[alice].ID, "feed.revoke": w.users[alice].ID, "feed.update": w.users[alice].ID}
	for k, id := range want {
		if done[k] != id {
			t.Errorf("audit %s by account %d, want %d", k, done[k], id)
		}
	}
}

// TestPackagePageShowsItsFeed: every package page names its feed; a
// package of a private feed shows that feed's own source URL with the
// commands that store credentials, and a package of the public default
// feed keeps the start page's instructions.
func TestPackagePageShowsItsFeed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.pushTeamLib(t)
	bobB := w.as(t, bob)
	p := bobB.get("/packages/Team.Lib")
	src := w.srv.URL + "/feeds/team/v3/index.json"
	for id, want := range map[string]string{
		"package-feed":         "team",
		"package-feed-private": "private",
		"source-dotnet":        "dotnet nuget add source " + src + " --name wharf --username bob --password KEY",
		"source-nuget":         "nuget sources add -Name wharf -Source " + src + " -Username bob -Password KEY -StorePasswordInClearText",
	} {
		if got := p.testIDText(id); !strings.Contains(got, want) {
			t.Errorf("Team.Lib's page, %s: %q, want %q", id, got, want)
		}
	}
	if note := p.testIDText("credentials-note"); !strings.Contains(note, "needs credentials") {
		t.Errorf("Team.Lib's page says %q about credentials, want that NuGet needs them", note)
	}
	pub := bobB.get("/packages/Alice.Lib")
	if got := pub.testIDText("package-feed"); !strings.Contains(got, "default") || len(pub.byTestID("source-dotnet")) != 0 || len(pub.byTestID("credentials-note")) != 0 {
		t.Errorf("Alice.Lib's page: feed %q, source snippets %d; want default and the start page's instructions", got, len(pub.byTestID("source-dotnet")))
	}
}

// TestSearchByFeed: the search page offers the feeds the viewer may read
// and searches one of them or all; a feed the viewer may not read is
// refused like one that does not exist, without its packages.
func TestSearchByFeed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.pushTeamLib(t)
	bobB, malloryB := w.as(t, bob), w.as(t, mallory)
	all := bobB.get("/packages?q=lib")
	if opts := findAll(all.doc, func(n *html.Node) bool { return n.Data == "option" && attr(n.Parent, "name") == "feed" }); len(opts) != 3 {
		t.Errorf("bob's feed selector has %d options, want all, default and team", len(opts))
	}
	for _, c := range []struct {
		who        *browser
		path       string
		status     int
		show, hide string
	}{
		{bobB, "/packages?q=lib", http.StatusOK, "Team.Lib", ""},
		{bobB, "/packages?q=lib", http.StatusOK, "Alice.Lib", ""},
		{bobB, "/packages?q=lib&feed=team", http.StatusOK, "Team.Lib", "Alice.Lib"},
		{bobB, "/packages?q=lib&feed=default", http.StatusOK, "Alice.Lib", "Team.Lib"},
		{malloryB, "/packages?q=lib", http.StatusOK, "Alice.Lib", "Team.Lib"},
		{malloryB, "/packages?q=lib&feed=team", http.StatusNotFound, "There is no feed 'team' that you may read", "Team.Lib"},
		{malloryB, "/packages?q=lib&feed=nosuch", http.StatusNotFound, "There is no feed 'nosuch' that you may read", "Alice.Lib"},
	} {
		p := c.who.get(c.path)
		shown := p.body
		if c.status != http.StatusOK {
			shown = p.reason() // the sentence beside the selector
		}
		if p.res.StatusCode != c.status || !strings.Contains(shown, c.show) || c.hide != "" && strings.Contains(p.body, c.hide) {
			t.Errorf("GET %s: %s, want %d showing %q and not %q", c.path, p.res.Status, c.status, c.show, c.hide)
		}
	}
	if p := malloryB.get("/packages?q=lib"); len(p.byTestID("feed-select")) != 0 {
		t.Errorf("mallory reads one feed, yet the search page offers a feed selector")
	}
}

// TestPrivatePackagesInLists: a private package counts and is listed
// only for those who may read it: the start page's count and lists, an
// owner's search, and My packages; a grant made after the pages were
// first shown counts at once.
func TestPrivatePackagesInLists(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.pushTeamLib(t)
	for _, c := range []struct {
		who   string
		count string
		sees  bool
	}{
		{anonymous, "A NuGet feed of 2 packages", false},
		{mallory, "A NuGet feed of 2 packages", false},
		{bob, "A NuGet feed of 3 packages", true},
		{alice, "A NuGet feed of 3 packages", true},
		{root, "A NuGet feed of 3 packages", true},
	} {
		b := w.as(t, c.who)
		home := b.get("/")
		if lead := strings.Join(strings.Fields(textOf(findAll(home.doc, func(n *html.Node) bool { return attr(n, "class") == "lead" })[0])), " "); !strings.HasPrefix(lead, c.count) {
			t.Errorf("%s's start page: %q, want %q", c.who, lead, c.count)
		}
		if got := strings.Contains(home.body, "Team.Lib"); got != c.sees {
			t.Errorf("%s's start page lists Team.Lib: %v, want %v", c.who, got, c.sees)
		}
		if got := strings.Contains(b.get("/packages?q=owner%3Aalice").body, "Team.Lib"); got != c.sees {
			t.Errorf("%s's search for alice's packages lists Team.Lib: %v, want %v", c.who, got, c.sees)
		}
		if c.who == anonymous {
			continue
		}
		// Owners always see what they own; others' My packages never list it.
		if got := strings.Contains(b.get("/account/packages").body, "Team.Lib"); got != (c.who == alice) {
			t.Errorf("%s's My packages lists Team.Lib: %v, want %v", c.who, got, c.who == alice)
		}
	}
	must(t, func() error {
		return w.reg.GrantFeed(context.Background(), "team", feeds.SubjectOrg, "contoso", feeds.RoleReader)
	})
	malloryB := w.as(t, mallory)
	if strings.Contains(malloryB.get("/").body, "Team.Lib") {
		t.Errorf("mallory, not in contoso, sees Team.Lib after contoso's grant")
	}
	must(t, func() error { return w.reg.SetMember(context.Background(), "contoso", mallory, registry.RoleMember) })
	if !strings.Contains(malloryB.get("/").body, "Team.Lib") {
		t.Errorf("mallory, now a member of contoso (a reader of team), does not see Team.Lib on the start page")
	}
}
