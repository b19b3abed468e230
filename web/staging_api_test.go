package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
)

// TestStagingAPIContract walks the PackageStaging/1.0.0 routes of NuGet's
// contract with alice's staging-only key: groups, listing, viewing,
// moving, deleting, and the error body every failure carries.
func TestStagingAPIContract(t *testing.T) {
	w := newStagedWorld(t)
	base := strings.TrimRight(w.staging, "/")
	call := func(method, path, body string, want int) []byte {
		t.Helper()
		res, b := apiCall(w.feed, method, base+path, w.stageKey, body)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %s, want %d: %s", method, path, res.Status, want, b)
		}
		return b
	}
	var g struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		ItemCount int    `json:"itemCount"`
		SourceURL string `json:"sourceUrl"`
	}
	json.Unmarshal(call(http.MethodPost, "/groups", `{"id":"august","name":"August Release"}`, http.StatusCreated), &g)
	if g.ID != "august" || g.Name != "August Release" || !strings.Contains(g.SourceURL, "/stages/") {
		t.Errorf("created group: %+v", g)
	}
	// Case-insensitive and unique per owner; "ungrouped" is reserved.
	for _, body := range []string{`{"id":"AUGUST","name":"x"}`} {
		res, b := apiCall(w.feed, http.MethodPost, base+"/groups", w.stageKey, body)
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if res.StatusCode != http.StatusConflict || json.Unmarshal(b, &e) != nil || e.Error.Code != "conflict" || !strings.Contains(e.Error.Message, "exists already") {
			t.Errorf("duplicate group: %s %s", res.Status, b)
		}
	}
	call(http.MethodPost, "/groups", `{"id":"ungrouped","name":"x"}`, http.StatusBadRequest)
	call(http.MethodPost, "/groups", `{"id":"../x","name":"x"}`, http.StatusBadRequest)

	var page struct {
		Items      []artifact `json:"items"`
		Page       int        `json:"page"`
		PageSize   int        `json:"pageSize"`
		TotalCount int        `json:"totalCount"`
	}
	json.Unmarshal(call(http.MethodGet, "/package", "", http.StatusOK), &page)
	if page.TotalCount != 2 || page.Page != 1 || page.PageSize != 100 || len(page.Items) != 2 {
		t.Errorf("list: %+v", page)
	}
	json.Unmarshal(call(http.MethodGet, "/package?pageSize=1&page=2", "", http.StatusOK), &page)
	if page.TotalCount != 2 || len(page.Items) != 1 || page.Page != 2 {
		t.Errorf("second page of one: %+v", page)
	}
	call(http.MethodPut, "/groups/august/items/Staged.New/1.0.0", "", http.StatusNoContent)
	json.Unmarshal(call(http.MethodGet, "/package?groupId=august", "", http.StatusOK), &page)
	if len(page.Items) != 1 || page.Items[0].ID != "Staged.New" || page.Items[0].Group == nil || page.Items[0].Group.ID != "august" {
		t.Errorf("list of group august: %+v", page)
	}
	call(http.MethodDelete, "/groups/august/items/Staged.New/1.0.0", "", http.StatusNoContent)
	var a artifact
	json.Unmarshal(call(http.MethodGet, "/package/staged.new/1.0", "", http.StatusOK), &a)
	if a.ID != "Staged.New" || a.Group != nil || a.Status != "ready" {
		t.Errorf("view after removal from the group: %+v", a)
	}
	json.Unmarshal(call(http.MethodGet, "/package?ungrouped=true", "", http.StatusOK), &page)
	if len(page.Items) != 1 || page.Items[0].ID != "Staged.New" {
		t.Errorf("ungrouped list: %+v", page)
	}
	json.Unmarshal(call(http.MethodPatch, "/groups/release-1", `{"name":"Release One"}`, http.StatusOK), &g)
	if g.Name != "Release One" {
		t.Errorf("renamed group: %+v", g)
	}
	var gs struct {
		Items      []json.RawMessage `json:"items"`
		TotalCount int               `json:"totalCount"`
	}
	json.Unmarshal(call(http.MethodGet, "/groups", "", http.StatusOK), &gs)
	if gs.TotalCount != 2 { // release-1 and august; never the ungrouped packages' group
		t.Errorf("groups: %d, want 2", gs.TotalCount)
	}
	// Deleting a staged package removes its files; a second delete is 404.
	sp, _, err := w.reg.KeyStagedPackage(context.Background(), w.authn(w.stageKey), "Staged.New", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	call(http.MethodDelete, "/package/Staged.New/1.0.0", "", http.StatusNoContent)
	call(http.MethodDelete, "/package/Staged.New/1.0.0", "", http.StatusNotFound)
	if _, err := w.blobs.Stat(context.Background(), sp.BlobPrefix+"/staged.new.1.0.0.nupkg"); err == nil || !isNotFound(err) {
		t.Errorf("the unstaged package's file is still stored (%v)", err)
	}
	// Dropping a group removes its packages and their files.
	sp, _, err = w.reg.KeyStagedPackage(context.Background(), w.authn(w.stageKey), "Alice.Lib", "2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	call(http.MethodDelete, "/groups/release-1", "", http.StatusNoContent)
	call(http.MethodGet, "/groups/release-1", "", http.StatusNotFound)
	if _, err := w.blobs.Stat(context.Background(), sp.BlobPrefix+"/alice.lib.2.0.0.nupkg"); err == nil {
		t.Errorf("the dropped group's file is still stored")
	}
	// Symbols are refused with a sentence, in the contract's error body.
	res, b := apiCall(w.feed, http.MethodPut, base+"/symbols", w.stageKey, "")
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "does not stage symbol packages") {
		t.Errorf("stage symbols: %s %s", res.Status, b)
	}
	// A stage push that is not a package leaves nothing.
	res = w.do(stageRequest(t, w.staging, w.stageKey, "x.nupkg", []byte("not a zip"), "bad"))
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("stage push of garbage: %s", res.Status)
	}
	call(http.MethodGet, "/groups/bad", "", http.StatusNotFound)
	// Another owner's key sees none of it.
	res, _ = apiCall(w.feed, http.MethodGet, base+"/groups/august", w.otherStageKey(t), "")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("another owner's key on alice's group: %s", res.Status)
	}
}

func (w *stagedWorld) authn(secret string) *registry.APIKey {
	k, err := w.reg.Authenticate(context.Background(), secret)
	if err != nil {
		w.t.Fatal(err)
	}
	return k
}

func (w *stagedWorld) otherStageKey(t *testing.T) string {
	t.Helper()
	secret, _, err := w.reg.CreateKey(context.Background(), registry.NewKey{User: "mallory"})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func isNotFound(err error) bool {
	return errors.Is(err, storage.ErrNotFound)
}

// TestStagingTwoPeople: with contoso's rule on, the person who approved
// and anyone who staged a package may not promote; someone else may.
func TestStagingTwoPeople(t *testing.T) {
	f := newUIFeed(t, uiConfig{reg: registry.Options{Webhooks: events.Options{AllowPrivate: true, Timeout: 2 * time.Second}}})
	rcv := newReceiver(t)
	ctx := context.Background()
	for _, n := range []string{"alice", "bob", "carol"} {
		f.addUser(n)
	}
	if _, err := f.reg.AddOrganization(ctx, "contoso", "alice"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"bob", "carol"} {
		if err := f.reg.SetMember(ctx, "contoso", n, registry.RoleAdmin); err != nil {
			t.Fatal(err)
		}
	}
	key, _, err := f.reg.CreateKey(ctx, registry.NewKey{User: "alice", Owner: "contoso"})
	if err != nil {
		t.Fatal(err)
	}
	res := f.do(stageRequest(t, stagingURL(t, f.feed), key, "c.nupkg", nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build(), "rel"))
	var a artifact
	json.NewDecoder(res.Body).Decode(&a)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("stage: %s", res.Status)
	}
	page := a.ManagementURL[len(f.urls.Base()):]
	alice, bob, carol := f.signedIn(t, "alice"), f.signedIn(t, "bob"), f.signedIn(t, "carol")
	addHook(t, alice, "/organizations/contoso/webhooks", rcv.srv.URL, "promoted")
	if res := alice.post("/account/stages/two-people", url.Values{"_csrf": {alice.token()}, "owner": {"contoso"}, "on": {"on"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("turning the rule on: %s", res.Status)
	}
	refused := func(b *browser, action, phrase string) {
		t.Helper()
		p := b.postWith(page+"/"+action, url.Values{"_csrf": {b.token()}}.Encode(), nil)
		if p.res.StatusCode != http.StatusForbidden || !strings.Contains(p.reason(), phrase) {
			t.Errorf("%s: %s %q, want 403 saying %q", action, p.res.Status, p.reason(), phrase)
		}
	}
	refused(bob, "promote", "someone must approve stage group rel first")
	if res := bob.post(page+"/approve", url.Values{"_csrf": {bob.token()}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob approves: %s", res.Status)
	}
	refused(bob, "promote", "you approved stage group rel")
	refused(alice, "promote", "you staged Contoso.Sdk 1.0.0")
	if _, err := f.reg.Package(ctx, "Contoso.Sdk"); err == nil {
		t.Fatal("a refused promotion published the package")
	}
	if res := carol.post(page+"/promote", url.Values{"_csrf": {carol.token()}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("carol promotes: %s", res.Status)
	}
	if p, err := f.reg.Package(ctx, "Contoso.Sdk"); err != nil || len(p.Versions) != 1 || len(p.Owners) != 1 || p.Owners[0].Name != "contoso" {
		t.Errorf("after promotion: %v %v", p, err)
	}
	// The promoted event names who promoted, not who staged.
	deliverDue(t, f)
	var promoted []string
	for _, r := range rcv.requests() {
		var e events.Event
		if err := json.Unmarshal(r.body, &e); err != nil {
			t.Fatal(err)
		}
		if e.Type == events.Promoted {
			promoted = append(promoted, e.Actor)
		}
	}
	if strings.Join(promoted, " ") != "carol" {
		t.Errorf("promoted events' actors: %q, want carol", promoted)
	}
}
