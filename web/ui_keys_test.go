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

// createKeyFromPage sends the keys page's form as a browser does: the
// scope boxes ticked are scopes, and the form says it offered them.
func createKeyFromPage(t *testing.T, b *browser, description string, scopes ...string) (*page, string) {
	t.Helper()
	form := url.Values{"description": {description}, "expires_days": {"30"}, "scope_choice": {"shown"}, "scope": scopes}
	p := formPost(t, b, "/account/keys", "/account/keys", form)
	secret := ""
	for _, n := range p.byTestID("new-key-secret") {
		secret = attr(n, "value")
	}
	return p, secret
}

// keyScopes maps each listed key's hint to its Scopes cell.
func keyScopes(p *page) map[string]string {
	out := map[string]string{}
	for _, row := range p.byTestID("key-row") {
		for _, td := range findAll(row, func(n *html.Node) bool { return attr(n, "data-testid") == "key-scopes" }) {
			out[attr(row, "data-key-hint")] = textOf(td)
		}
	}
	return out
}

// TestKeysPageScopes: the keys page offers Read, Push, Stage and Manage, Push ticked on
// a fresh form; a read-only key made there restores a private feed with
// Basic auth and cannot push, a key with both does both, a key with
// neither is refused beside the choice and nothing is created; the list
// shows each key's scopes, and the page after creation gives the next
// commands for the key's scopes with the whole key in them.
func TestKeysPageScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.pushTeamLib(t)
	bobB := w.as(t, bob) // bob reads the private feed team
	teamLib := w.urls.Feed("team").Versions("team.lib")

	fresh := bobB.get("/account/keys")
	boxes := findAll(fresh.doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "scope" })
	ticked := map[string]bool{}
	for _, n := range boxes {
		for _, a := range n.Attr {
			ticked[attr(n, "value")] = ticked[attr(n, "value")] || a.Key == "checked"
		}
	}
	if len(boxes) != 4 || !ticked["push"] || ticked["read"] || ticked["stage"] || ticked["manage"] || !strings.Contains(fresh.body, "Read: restore the private feeds you may read") {
		t.Errorf("a fresh form offers %v (ticked), want read unticked and push ticked, explained", ticked)
	}

	p, readKey := createKeyFromPage(t, bobB, "restore at home", "read")
	if p.res.StatusCode != http.StatusCreated || readKey == "" {
		t.Fatalf("create a read key: %s %q", p.res.Status, p.reason())
	}
	if res := w.basicGet(teamLib, readKey); res.StatusCode != http.StatusOK {
		t.Errorf("the read key restores Team.Lib from the private feed: %s, want 200", res.Status)
	}
	if res := w.push(readKey, nugettest.Spec{ID: "Bob.Read", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusForbidden {
		t.Errorf("push with the read key: %s, want 403", res.Status)
	}
	index := w.urls.ServiceIndex()
	wantCmds := map[string]string{
		"dotnet-source": "dotnet nuget add source " + index + " --name wharf --username bob --password " + readKey,
		"nuget-source":  "nuget sources add -Name wharf -Source " + index + " -Username bob -Password " + readKey + " -StorePasswordInClearText",
		"push":          "",
	}
	for id, want := range wantCmds {
		if got := p.testIDText("key-command-" + id); got != want {
			t.Errorf("after creating a read key, command %s is %q, want %q", id, got, want)
		}
	}

	p, bothKey := createKeyFromPage(t, bobB, "release and restore", "read", "push")
	if p.res.StatusCode != http.StatusCreated || bothKey == "" {
		t.Fatalf("create a read and push key: %s %q", p.res.Status, p.reason())
	}
	if res := w.basicGet(teamLib, bothKey); res.StatusCode != http.StatusOK {
		t.Errorf("the read and push key restores Team.Lib: %s, want 200", res.Status)
	}
	if res := w.push(bothKey, nugettest.Spec{ID: "Bob.Both", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Errorf("push with the read and push key: %s %s, want 201", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	push := "dotnet nuget push MyPackage.1.0.0.nupkg --source " + index + " --api-key " + bothKey
	if got := p.testIDText("key-command-push"); got != push || p.testIDText("key-command-dotnet-source") == "" {
		t.Errorf("after creating a read and push key, the push command is %q, want %q with the whole key, and the source commands", got, push)
	}

	before, _ := w.reg.ListKeys(context.Background(), bob)
	p, none := createKeyFromPage(t, bobB, "nothing at all")
	// The sentence is beside the choice (and, linked to it, at the top of
	// the page too).
	field, sentence := strings.Index(p.body, `data-testid="key-scope-choice"`), strings.LastIndex(p.body, "Choose what the key may do")
	if p.res.StatusCode != http.StatusBadRequest || none != "" || len(p.byTestID("form-error")) != 1 || field < 0 || sentence < field || !strings.Contains(p.body, `value="nothing at all"`) {
		t.Errorf("create with neither scope: %s %q, want 400 saying to choose, beside the choice, the description kept", p.res.Status, p.reason())
	}
	if after, _ := w.reg.ListKeys(context.Background(), bob); len(after) != len(before) {
		t.Errorf("refusing a key without scopes created one: %d keys, had %d", len(after), len(before))
	}

	p, pushKey := createKeyFromPage(t, bobB, "ci push", "push")
	if got := p.testIDText("key-command-push"); p.res.StatusCode != http.StatusCreated || !strings.HasSuffix(got, " --api-key "+pushKey) || p.testIDText("key-command-dotnet-source") != "" {
		t.Errorf("after creating a push key: %s, push command %q, want it to end in the whole key and no source command", p.res.Status, got)
	}
	if res := w.basicGet(teamLib, pushKey); res.StatusCode == http.StatusOK {
		t.Errorf("the push-only key restores Team.Lib from the private feed: %s", res.Status)
	}

	list := keyScopes(bobB.get("/account/keys"))
	for key, want := range map[string]string{readKey: "read", bothKey: "read, push", pushKey: "push"} {
		if got := list[key[:len(registry.KeyPrefix)+4]]; got != want {
			t.Errorf("the list shows key %s… with scopes %q, want %q (list %v)", key[:10], got, want, list)
		}
	}
}
