package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage/fs"
)

// TestSuspensionFollowsSignInRules: someone who signed in through a
// GitHub stand-in as a member of the allowed organisation, and then left
// it, is suspended at their next sign-in attempt, not only turned away:
// their open session ends, their push key gets 401 saying why, and the
// admin Users page shows them suspended with the reason. Joining again
// and signing in lifts the suspension. A change of the rules is applied
// to the recorded facts at the next start (CheckSignInRules) the same way.
func TestSuspensionFollowsSignInRules(t *testing.T) {
	t.Parallel()
	gmail := map[string][2]bool{"m@gmail.example": {true, true}}
	forge := newStandIn(t, "github", standInUser{ID: 2, Login: "member", Emails: gmail, Groups: []string{"contoso"}})
	f := forgeFeed(t, registry.SignInRules{AllowedGroups: []string{"contoso"}}, forge)
	ctx := context.Background()
	b := f.anonymous(t)
	if name, why := forgeSignIn(t, b, forge, "member"); name != "member" {
		t.Fatalf("first sign-in: %q %q", name, why)
	}
	key, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: "member"})
	if err != nil {
		t.Fatal(err)
	}
	push := func(version string) *http.Response {
		return f.do(nugettest.PushRequest(f.urls.Publish(), key, nugettest.Spec{ID: "Member.Lib", Version: version}.Build(), nil))
	}
	if res := push("1.0.0"); res.StatusCode != http.StatusCreated {
		t.Fatalf("push before leaving: %s", res.Status)
	}
	f.addUser("root")
	if _, err := f.reg.SetAdmin(ctx, 0, "root", true); err != nil {
		t.Fatal(err)
	}
	admin := f.signedIn(t, "root")

	setGroups := func(groups ...string) {
		forge.mu.Lock()
		u := forge.users["member"]
		u.Groups = groups
		forge.users["member"] = u
		forge.mu.Unlock()
	}
	setGroups("fabrikam") // member leaves contoso
	if _, why := forgeSignIn(t, f.anonymous(t), forge, "member"); !strings.Contains(why, groupRefusal) {
		t.Errorf("sign-in after leaving: %q, want the group refusal", why)
	}
	if p := b.get("/account/keys"); p.res.StatusCode != http.StatusSeeOther {
		t.Errorf("the open session of a suspended user: GET /account/keys = %s, want 303 to sign in", p.res.Status)
	}
	res := push("2.0.0")
	if res.StatusCode != http.StatusUnauthorized || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "suspended") {
		t.Errorf("push by a suspended user: %s %q, want 401 saying suspended", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	row := userRow(t, admin, "member")
	if !strings.Contains(row, "suspended") || !strings.Contains(row, "members of contoso") {
		t.Errorf("the Users page's row of a suspended user: %q, want suspended and why", row)
	}

	setGroups("contoso") // and joins again
	if name, why := forgeSignIn(t, f.anonymous(t), forge, "member"); name != "member" {
		t.Fatalf("sign-in after joining again: %q %q", name, why)
	}
	if res := push("2.0.0"); res.StatusCode != http.StatusCreated {
		t.Errorf("push after joining again: %s %s", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if row := userRow(t, admin, "member"); !strings.Contains(row, "active") {
		t.Errorf("the Users page's row after joining again: %q", row)
	}

	// The operator narrows the rules; the next start (a second service
	// on the same database) suspends member from the recorded groups.
	blobs, err := fs.New(t.TempDir()) // the check reads no package files
	if err != nil {
		t.Fatal(err)
	}
	next, err := registry.New(f.feed.db, blobs, registry.Options{SignIn: registry.SignInRules{AllowedGroups: []string{"fabrikam"}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if suspended, lifted, err := next.CheckSignInRules(ctx); err != nil || suspended != 1 || lifted != 0 {
		t.Fatalf("CheckSignInRules after narrowing the rules: %d suspended, %d lifted, %v; want 1, 0", suspended, lifted, err)
	}
	if suspended, _, err := next.CheckSignInRules(ctx); err != nil || suspended != 0 {
		t.Errorf("CheckSignInRules again with the same rules: %d suspended, %v; want nothing done", suspended, err)
	}
	if res := push("3.0.0"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("push after the rules changed: %s, want 401", res.Status)
	}
}

// userRow is the text of a user's row on the admin Users page.
func userRow(t *testing.T, admin *browser, name string) string {
	t.Helper()
	p := admin.get("/admin/users")
	if p.res.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin/users: %s", p.res.Status)
	}
	for _, n := range p.byTestID("user-row") {
		if attr(n, "data-user") == name {
			return textOf(n)
		}
	}
	t.Fatalf("the Users page has no row for %s", name)
	return ""
}

// TestRemovedUserCannotSignUpAgain: the external account of a removed
// user is refused a fresh sign-up with a sentence, until the operator
// unblocks it; then it signs up as a new user with nothing of the old
// one's.
func TestRemovedUserCannotSignUpAgain(t *testing.T) {
	t.Parallel()
	gmail := map[string][2]bool{"m@gmail.example": {true, true}}
	forge := newStandIn(t, "github", standInUser{ID: 2, Login: "member", Emails: gmail})
	f := forgeFeed(t, registry.SignInRules{}, forge)
	ctx := context.Background()
	if name, why := forgeSignIn(t, f.anonymous(t), forge, "member"); name != "member" {
		t.Fatalf("first sign-in: %q %q", name, why)
	}
	if _, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: "member"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reg.RemoveUser(ctx, 0, "member", "", true); err != nil {
		t.Fatal(err)
	}
	if _, why := forgeSignIn(t, f.anonymous(t), forge, "member"); !strings.Contains(why, "removed") {
		t.Errorf("sign-in of a removed user's account: %q, want a refusal saying it was removed", why)
	}
	if _, err := f.reg.UnblockUser(ctx, 0, "member"); err != nil {
		t.Fatal(err)
	}
	if name, why := forgeSignIn(t, f.anonymous(t), forge, "member"); name != "member" {
		t.Fatalf("sign-in after unblocking: %q %q", name, why)
	}
	if keys, err := f.reg.ListKeys(ctx, "member"); err != nil || len(keys) != 0 {
		t.Errorf("the new member has keys %v (%v), want none of the removed one's", keys, err)
	}
}
