package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// deletedSentence is what a push of deleted coordinates is told.
const deletedSentence = "can never be pushed again: the same version must never name different bytes. Push a new version instead."

// storedKeys lists the package files stored under prefix.
func (f *feed) storedKeys(prefix string) []string {
	f.t.Helper()
	var keys []string
	if err := f.blobs.List(context.Background(), prefix, func(i storage.Info) error { keys = append(keys, i.Key); return nil }); err != nil {
		f.t.Fatal(err)
	}
	return keys
}

// deleteForm posts the delete form of a version with a valid form token.
func (b *browser) deleteForm(id, version, reason string) *page {
	b.t.Helper()
	path := "/packages/" + id + "/manage/versions/" + version + "/delete"
	return b.postWith(path, url.Values{"_csrf": {b.token()}, "reason": {reason}}.Encode(), nil)
}

// TestDeleteIsFinal: an administrator deletes a version for good from the
// UI after a confirmation page that says so; the version leaves the
// versions list, the registration, search, the flat container and the
// static copy, and its files (package, readme, icon, symbols) leave the
// store; a push of the same coordinates, in any case or normalization,
// is refused with a sentence saying why. The owner may not delete until
// the feed lets owners delete; a stranger never; and when the last
// version goes, the package disappears and its ID stays its owners'.
func TestDeleteIsFinal(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{staticCopy: true})
	ctx := context.Background()
	if err := f.staticCopy().CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	aliceKey := f.userKey("alice")
	one := nugettest.Spec{ID: "Del.Lib", Version: "1.0.0", Readme: []byte("# Del.Lib\n"), Icon: nugettest.PNG, Files: greeterDLL(t)}
	for _, s := range []nugettest.Spec{one, {ID: "Del.Lib", Version: "2.0.0"}} {
		if res := f.push(aliceKey, s.Build()); res.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: %s (%s)", s.Version, res.Status, res.Header.Get("X-NuGet-Warning"))
		}
	}
	pdbFile, err := os.ReadFile("../internal/pdb/testdata/greeter/Greeter.pdb")
	if err != nil {
		t.Fatal(err)
	}
	if res := f.push(aliceKey, nugettest.Snupkg("Del.Lib", "1.0.0", map[string][]byte{"lib/netstandard2.0/Greeter.pdb": pdbFile})); res.StatusCode != http.StatusCreated {
		t.Fatalf("push the .snupkg: %s (%s)", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if keys := f.storedKeys("packages/del.lib/1.0.0/"); len(keys) < 6 {
		t.Fatalf("stored files of 1.0.0 before the delete: %v, want nupkg, nuspec, readme, icon, snupkg and pdb", keys)
	}
	if _, ok := f.staticFile(f.urls.Nupkg("del.lib", "1.0.0")); !ok {
		t.Fatal("the static copy has no 1.0.0 .nupkg before the delete")
	}

	const deletePath = "/packages/Del.Lib/manage/versions/1.0.0/delete"
	// The owner, on a feed that leaves deletes to administrators, and a
	// stranger: no Delete link, no confirmation page, no delete.
	alice := f.signedIn(t, "alice")
	if p := alice.get("/packages/Del.Lib/manage"); p.res.StatusCode != http.StatusOK || len(p.byTestID("delete-version")) != 0 {
		t.Errorf("owner's manage page: %s, %d Delete links, want none", p.res.Status, len(p.byTestID("delete-version")))
	}
	mallory := f.signedIn(t, "mallory")
	for who, b := range map[string]*browser{"owner": alice, "stranger": mallory} {
		if p := b.get(deletePath); p.res.StatusCode != http.StatusForbidden {
			t.Errorf("%s GET the confirmation page: %s, want 403", who, p.res.Status)
		}
		if p := b.deleteForm("Del.Lib", "1.0.0", "because"); p.res.StatusCode != http.StatusForbidden {
			t.Errorf("%s POST the delete: %s, want 403", who, p.res.Status)
		}
	}
	if _, _, err := f.reg.Version(ctx, "Del.Lib", "1.0.0"); err != nil {
		t.Fatalf("refused deletes deleted: %v", err)
	}

	// An administrator.
	f.addUser("root")
	if _, err := f.reg.SetAdmin(ctx, 0, "root", true); err != nil {
		t.Fatal(err)
	}
	root := f.signedIn(t, "root")
	if p := root.get("/packages/Del.Lib/manage"); p.res.StatusCode != http.StatusOK || len(p.byTestID("delete-version")) != 2 || len(p.byTestID("unlist")) != 0 {
		t.Errorf("admin's manage page: %s, %d Delete links (want 2), %d Unlist buttons (want 0: they own nothing)", p.res.Status, len(p.byTestID("delete-version")), len(p.byTestID("unlist")))
	}
	confirm := root.get(deletePath)
	if w := confirm.testIDText("delete-warning"); confirm.res.StatusCode != http.StatusOK || !strings.Contains(w, "This is final") || !strings.Contains(w, "can never be pushed again") {
		t.Errorf("confirmation page: %s, warning %q", confirm.res.Status, w)
	}
	if p := root.postWith(deletePath, url.Values{"reason": {"leaked secret"}}.Encode(), nil); p.res.StatusCode != http.StatusForbidden {
		t.Errorf("delete without the form token: %s, want 403", p.res.Status)
	}
	if p := root.deleteForm("Del.Lib", "1.0.0", "  "); p.res.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, "Say why the version is deleted") {
		t.Errorf("delete without a reason: %s, want a refusal that asks for one", p.res.Status)
	}
	if _, _, err := f.reg.Version(ctx, "Del.Lib", "1.0.0"); err != nil {
		t.Fatalf("a refused delete deleted: %v", err)
	}
	if p := root.deleteForm("Del.Lib", "1.0.0", "It shipped a leaked secret."); p.res.StatusCode != http.StatusSeeOther || p.res.Header.Get("Location") != "/packages/Del.Lib/manage" {
		t.Fatalf("delete: %s to %q, want 303 to the manage page", p.res.Status, p.res.Header.Get("Location"))
	}

	// Gone from every read, from the store and from the static copy.
	if v := f.versions("del.lib"); strings.Contains(v, "1.0.0") || !strings.Contains(v, "2.0.0") {
		t.Errorf("versions list after the delete: %s", v)
	}
	if res, body := f.get(f.urls.RegistrationIndex("del.lib")); res.StatusCode != http.StatusOK || strings.Contains(string(body), "1.0.0") {
		t.Errorf("registration after the delete: %s %.300s", res.Status, body)
	}
	for _, u := range []string{f.urls.RegistrationLeaf("del.lib", "1.0.0"), f.urls.Nupkg("del.lib", "1.0.0"), f.urls.Nuspec("del.lib", "1.0.0"),
		f.urls.Readme("del.lib", "1.0.0"), f.urls.Snupkg("del.lib", "1.0.0"), f.urls.SymbolServer() + greeterKey()} {
		if res, _ := f.get(u); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after the delete: %s, want 404", u, res.Status)
		}
	}
	if res, body := f.get(f.urls.Search() + "?q=Del.Lib&prerelease=true"); res.StatusCode != http.StatusOK || strings.Contains(string(body), `"1.0.0"`) || !strings.Contains(string(body), `"2.0.0"`) {
		t.Errorf("search after the delete: %s %.400s", res.Status, body)
	}
	if keys := f.storedKeys("packages/del.lib/1.0.0/"); len(keys) != 0 {
		t.Errorf("files of the deleted version left in the store: %v", keys)
	}
	if len(f.storedKeys("packages/del.lib/2.0.0/")) == 0 {
		t.Error("the other version's files went too")
	}
	for _, u := range []string{f.urls.Nupkg("del.lib", "1.0.0"), f.urls.RegistrationLeaf("del.lib", "1.0.0")} {
		if _, ok := f.staticFile(u); ok {
			t.Errorf("the static copy still holds %s", u)
		}
	}
	if v, _ := f.staticFile(f.urls.Versions("del.lib")); v != `{"versions":["2.0.0"]}` {
		t.Errorf("static versions list after the delete: %s", v)
	}
	if p := root.get("/admin/audit"); !strings.Contains(p.body, "version.delete") || !strings.Contains(p.body, "It shipped a leaked secret.") {
		t.Error("the audit log does not show the delete with its reason")
	}

	// The same coordinates never come back, in any spelling.
	for _, s := range []nugettest.Spec{{ID: "Del.Lib", Version: "1.0.0"}, {ID: "DEL.LIB", Version: "1.0"}, {ID: "del.lib", Version: "1.0.0.0"}} {
		res := f.push(aliceKey, s.Build())
		if res.StatusCode != http.StatusConflict || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "Del.Lib 1.0.0 was deleted on "+trusttest.Epoch().Format("2006-01-02")) ||
			!strings.Contains(res.Header.Get("X-NuGet-Warning"), deletedSentence) {
			t.Errorf("push %s %s after the delete: %s (%s), want 409 with the sentence", s.ID, s.Version, res.Status, res.Header.Get("X-NuGet-Warning"))
		}
	}
	if p := root.deleteForm("Del.Lib", "1.0.0", "again"); p.res.StatusCode != http.StatusNotFound {
		t.Errorf("deleting a deleted version: %s, want 404", p.res.Status)
	}

	// The feed lets owners delete: the owner deletes the last version,
	// and the package disappears.
	if _, err := f.reg.Feeds().SetOwnersMayDelete(ctx, "default", true); err != nil {
		t.Fatal(err)
	}
	if p := mallory.deleteForm("Del.Lib", "2.0.0", "mine now"); p.res.StatusCode != http.StatusForbidden {
		t.Errorf("stranger deletes where owners may: %s, want 403", p.res.Status)
	}
	if p := alice.get("/packages/Del.Lib/manage"); len(p.byTestID("delete-version")) != 1 {
		t.Errorf("owner's manage page where owners may delete: %d Delete links, want 1", len(p.byTestID("delete-version")))
	}
	if p := alice.deleteForm("Del.Lib", "2.0.0", "Retired."); p.res.StatusCode != http.StatusSeeOther || p.res.Header.Get("Location") != "/account/packages" {
		t.Fatalf("owner deletes the last version: %s to %q, want 303 to My packages", p.res.Status, p.res.Header.Get("Location"))
	}
	for _, u := range []string{f.urls.Versions("del.lib"), f.urls.RegistrationIndex("del.lib"), f.urls.Nupkg("del.lib", "2.0.0")} {
		if res, _ := f.get(u); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after the last version went: %s, want 404", u, res.Status)
		}
	}
	if res, body := f.get(f.urls.Search() + "?q=Del.Lib"); res.StatusCode != http.StatusOK || strings.Contains(strings.ToLower(string(body)), "del.lib") {
		t.Errorf("search after the last version went: %s %.300s", res.Status, body)
	}
	if _, ok := f.staticFile(f.urls.Versions("del.lib")); ok {
		t.Error("the static copy still holds the versions list of a package with no versions")
	}
	if keys := f.storedKeys("packages/del.lib/"); len(keys) != 0 {
		t.Errorf("files left in the store: %v", keys)
	}
	// The ID stays its owners': another user may not take it; alice may
	// push a new version.
	res := f.push(f.userKey("bob"), nugettest.Spec{ID: "Del.Lib", Version: "3.0.0"}.Build())
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "the ID stays theirs") {
		t.Errorf("another user pushes the deleted package's ID: %s (%s), want 403", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if res := f.push(aliceKey, nugettest.Spec{ID: "Del.Lib", Version: "2.0.0"}.Build()); res.StatusCode != http.StatusConflict || !strings.Contains(res.Header.Get("X-NuGet-Warning"), deletedSentence) {
		t.Errorf("owner pushes the deleted 2.0.0: %s (%s), want 409", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if res := f.push(aliceKey, nugettest.Spec{ID: "Del.Lib", Version: "3.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Errorf("owner pushes a new version: %s (%s), want 201", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
}

// TestDeleteRefusedOnEveryReplica: a second server over the same database
// and store, which had the version in its cache, refuses a push of the
// deleted coordinates with the same sentence, and stops serving it.
func TestDeleteRefusedOnEveryReplica(t *testing.T) {
	t.Parallel()
	f := newFeed(t)
	f.mustPush(nugettest.Spec{ID: "Rep.Lib", Version: "1.0.0"})
	f.mustPush(nugettest.Spec{ID: "Rep.Lib", Version: "1.1.0"})
	other := newFeedOn(t, t.TempDir(), f.db, f.blobs, registry.Options{}, nil)
	if v := other.versions("rep.lib"); !strings.Contains(v, "1.0.0") {
		t.Fatalf("replica's versions before the delete: %s", v)
	}
	if _, err := f.reg.DeleteVersion(context.Background(), "Rep.Lib", "1.0.0", "Pushed by mistake."); err != nil {
		t.Fatal(err)
	}
	res := other.push(f.key, nugettest.Spec{ID: "rep.lib", Version: "1.0"}.Build())
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.Header.Get("X-NuGet-Warning"), "Rep.Lib 1.0.0 was deleted on") {
		t.Errorf("push through the replica: %s (%s), want 409 with the sentence", res.Status, res.Header.Get("X-NuGet-Warning"))
	}
	if res, _ := other.get(other.urls.Nupkg("rep.lib", "1.0.0")); res.StatusCode != http.StatusNotFound {
		t.Errorf("replica serves the deleted .nupkg: %s", res.Status)
	}
}

// TestMirroredVersionsAreNotDeletedForGood: a version mirrored from an
// upstream source is a cache of it; the operator is told so, nothing
// changes, and an upstream feed cannot let owners delete.
func TestMirroredVersionsAreNotDeletedForGood(t *testing.T) {
	m := newMirrorPair(t, feeds.Upstream{})
	ctx := context.Background()
	m.up.mustPush(nugettest.Spec{ID: "Up.Cached", Version: "1.0.0"})
	m.down.getJSON(m.down.urls.RegistrationIndex("up.cached"), http.StatusOK, &struct{}{}) // mirrors it
	_, err := m.down.reg.DeleteVersion(ctx, "Up.Cached", "1.0.0", "test")
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(registry.Message(err), "mirrored from an upstream source") {
		t.Errorf("deleting a mirrored version: %v, want a refusal that says it is a cache", err)
	}
	if v := m.down.versions("up.cached"); !strings.Contains(v, "1.0.0") {
		t.Errorf("the mirrored version after the refused delete: %s", v)
	}
	list, err := m.down.reg.Feeds().List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range list {
		if f.Upstream == nil {
			continue
		}
		n++
		if _, err := m.down.reg.Feeds().SetOwnersMayDelete(ctx, f.Name, true); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("letting owners delete in upstream feed %s: %v, want refused", f.Name, err)
		}
	}
	if n == 0 {
		t.Error("the mirror pair has no upstream feed")
	}
}
