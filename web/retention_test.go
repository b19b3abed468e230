package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/retention"
)

const retentionPath = "/account/feeds/default/retention"

// TestRetentionUI: a feed admin adds a rule on the feed's retention page
// (bad input refused beside its field, nothing stored, the glob escaped),
// sees the plan, and runs it with the button: exactly the planned versions
// are deleted for good (gone from reads, the store and the static copy,
// audited with the rule as the reason); the version the owner pinned with
// the manage page's Pin button and the latest stable version stay. A run
// without the form token, or for a plan that is no longer the one shown,
// changes nothing; an unlist rule unlists, in reads and in the static
// copy, audited; the owner and a stranger find no retention page.
func TestRetentionUI(t *testing.T) {
	t.Parallel()
	f := newUIFeed(t, uiConfig{staticCopy: true})
	ctx := context.Background()
	if err := f.staticCopy().CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	aliceKey := f.userKey("alice")
	for _, v := range []string{"1.0.0", "1.1.0-beta.1", "1.1.0-beta.2", "1.1.0-beta.3", "1.1.0-beta.4", "1.1.0"} {
		if res := f.push(aliceKey, nugettest.Spec{ID: "Ret.Lib", Version: v}.Build()); res.StatusCode != http.StatusCreated {
			t.Fatalf("push %s: %s", v, res.Status)
		}
	}
	f.addUser("carol")
	if err := f.reg.GrantFeed(ctx, "default", feeds.SubjectUser, "carol", feeds.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	alice, mallory, carol := f.signedIn(t, "alice"), f.signedIn(t, "mallory"), f.signedIn(t, "carol")

	// The owner pins beta.1 from the manage page.
	manage := alice.get("/packages/Ret.Lib/manage")
	if n := len(manage.byTestID("pin")); n != 6 {
		t.Fatalf("manage page: %d Pin buttons, want 6", n)
	}
	pin := "/packages/Ret.Lib/manage/versions/1.1.0-beta.1/pin"
	if p := mallory.postWith(pin, url.Values{"_csrf": {mallory.token()}, "pinned": {"true"}}.Encode(), nil); p.res.StatusCode != http.StatusForbidden {
		t.Errorf("a stranger pins: %s, want 403", p.res.Status)
	}
	if p := alice.postWith(pin, url.Values{"_csrf": {alice.token()}, "pinned": {"true"}}.Encode(), nil); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pin: %s", p.res.Status)
	}
	if p := alice.get("/packages/Ret.Lib/manage"); len(p.byTestID("version-pinned")) != 1 || len(p.byTestID("unpin")) != 1 {
		t.Errorf("manage page after the pin: %d pinned badges, %d Unpin buttons, want 1 each", len(p.byTestID("version-pinned")), len(p.byTestID("unpin")))
	}

	// Only the feed's admins see its retention page.
	for who, b := range map[string]*browser{"owner": alice, "stranger": mallory} {
		if p := b.get(retentionPath); p.res.StatusCode != http.StatusNotFound {
			t.Errorf("%s GET the retention page: %s, want 404", who, p.res.Status)
		}
		if p := b.postWith(retentionPath+"/rules", url.Values{"_csrf": {b.token()}, "kind": {"prereleases"}, "keep": {"0"}, "action": {"delete"}}.Encode(), nil); p.res.StatusCode != http.StatusNotFound {
			t.Errorf("%s adds a rule: %s, want 404", who, p.res.Status)
		}
	}
	if p := carol.get("/account/feeds/default"); len(p.byTestID("retention-link")) != 1 {
		t.Error("the feed page has no link to its retention page")
	}
	if p := carol.get(retentionPath); p.res.StatusCode != http.StatusOK || len(p.byTestID("no-retention-rules")) != 1 || len(p.byTestID("empty-plan")) != 1 {
		t.Fatalf("retention page without rules: %s", p.res.Status)
	}

	// Bad rules: refused beside their field, nothing stored.
	for _, tc := range []struct {
		form  url.Values
		input string
		want  string
	}{
		{url.Values{"kind": {"prereleases"}, "keep": {"two"}, "action": {"delete"}}, "retention-keep", "whole number"},
		{url.Values{"kind": {"idle"}, "older_than_days": {"0"}, "idle_days": {"5"}, "action": {"unlist"}}, "retention-older-than", "between 1 and"},
		{url.Values{"kind": {"prereleases"}, "keep": {"1"}, "action": {"shred"}}, "retention-action", "delete (for good) or unlist"},
		{url.Values{"kind": {"prereleases"}, "glob": {"<script>x</script>"}, "keep": {"1"}, "action": {"delete"}}, "retention-glob", "is invalid"},
	} {
		tc.form.Set("_csrf", carol.token())
		p := carol.postWith(retentionPath+"/rules", tc.form.Encode(), nil)
		if p.res.StatusCode != http.StatusBadRequest || !strings.Contains(p.testIDText("form-error"), tc.want) || len(findAll(p.doc, func(n *html.Node) bool { return attr(n, "id") == tc.input+"-error" })) != 1 {
			t.Errorf("add rule %v: %s, error %q; want 400 saying %q beside %s", tc.form, p.res.Status, p.testIDText("form-error"), tc.want, tc.input)
		}
		if strings.Contains(p.body, "<script>x") {
			t.Error("the refused glob is not escaped")
		}
	}
	if rules, err := f.reg.RetentionRules(ctx, "default"); err != nil || len(rules) != 0 {
		t.Fatalf("refused rules were stored: %v (%v)", rules, err)
	}
	add := url.Values{"_csrf": {carol.token()}, "kind": {"prereleases"}, "glob": {"Ret.*"}, "keep": {"1"}, "action": {"delete"}}
	if p := carol.postWith(retentionPath+"/rules", add.Encode(), nil); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add rule: %s %s", p.res.Status, p.reason())
	}

	// The plan: beta.2 and beta.3 (beta.4 is the newest, beta.1 pinned).
	plan := carol.get(retentionPath)
	var planned []string
	for _, n := range plan.byTestID("plan-step") {
		planned = append(planned, attr(n, "data-version"))
	}
	if strings.Join(planned, " ") != "1.1.0-beta.2 1.1.0-beta.3" || !strings.Contains(plan.testIDText("retention-plan"), "rule 1: prerelease number 3 of release line 1.1.0") {
		t.Fatalf("plan: %v\n%s", planned, plan.testIDText("retention-plan"))
	}
	var kept []string
	for _, n := range plan.byTestID("kept-version") {
		kept = append(kept, attr(n, "data-version"))
	}
	if strings.Join(kept, " ") != "1.1.0-beta.1" || !strings.Contains(plan.testIDText("plan-kept"), "kept: pinned by alice") {
		t.Errorf("kept: %v\n%s", kept, plan.testIDText("plan-kept"))
	}
	run := plan.formValues("run-retention")
	if p := carol.postWith(retentionPath+"/run", url.Values{"plan": {run.Get("plan")}}.Encode(), nil); p.res.StatusCode != http.StatusForbidden {
		t.Errorf("run without the form token: %s, want 403", p.res.Status)
	}
	stale := url.Values{"_csrf": {run.Get("_csrf")}, "plan": {"0123456789abcdef"}}
	if p := carol.postWith(retentionPath+"/run", stale.Encode(), nil); p.res.StatusCode != http.StatusConflict || !strings.Contains(p.testIDText("run-error"), "plan changed") {
		t.Errorf("run of another plan: %s %q, want 409 saying the plan changed", p.res.Status, p.testIDText("run-error"))
	}
	if v := f.versions("ret.lib"); !strings.Contains(v, "1.1.0-beta.2") {
		t.Fatalf("a refused run deleted: %s", v)
	}
	if p := carol.postWith(retentionPath+"/run", run.Encode(), nil); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("run: %s %s", p.res.Status, p.reason())
	}

	want := `{"versions":["1.0.0","1.1.0-beta.1","1.1.0-beta.4","1.1.0"]}`
	if v := f.versions("ret.lib"); v != want {
		t.Errorf("versions after the run: %s, want %s", v, want)
	}
	if v, _ := f.staticFile(f.urls.Versions("ret.lib")); v != want {
		t.Errorf("static versions list after the run: %s", v)
	}
	for _, v := range []string{"1.1.0-beta.2", "1.1.0-beta.3"} {
		if keys := f.storedKeys("packages/ret.lib/" + v + "/"); len(keys) != 0 {
			t.Errorf("files of %s left in the store: %v", v, keys)
		}
	}
	if p := carol.get(retentionPath); len(p.byTestID("empty-plan")) != 1 {
		t.Error("the plan after the run is not empty")
	}
	// An unlist rule: beta.4 (beta.1 stays pinned) is unlisted, in reads
	// and in the static copy.
	add = url.Values{"_csrf": {carol.token()}, "kind": {"prereleases"}, "glob": {"*"}, "keep": {"0"}, "action": {"unlist"}}
	if p := carol.postWith(retentionPath+"/rules", add.Encode(), nil); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add the unlist rule: %s %s", p.res.Status, p.reason())
	}
	plan = carol.get(retentionPath)
	if steps := plan.byTestID("plan-step"); len(steps) != 1 || attr(steps[0], "data-version") != "1.1.0-beta.4" || !strings.Contains(plan.testIDText("retention-plan"), "unlist") {
		t.Fatalf("plan of the unlist rule:\n%s", plan.testIDText("retention-plan"))
	}
	if p := carol.postWith(retentionPath+"/run", plan.formValues("run-retention").Encode(), nil); p.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("run the unlist rule: %s %s", p.res.Status, p.reason())
	}
	if _, pv, err := f.reg.Version(ctx, "Ret.Lib", "1.1.0-beta.4"); err != nil || pv.Listed {
		t.Errorf("1.1.0-beta.4 after the unlist run: %v (%v), want unlisted", pv, err)
	}
	if leaf, _ := f.staticFile(f.urls.RegistrationLeaf("ret.lib", "1.1.0-beta.4")); !strings.Contains(leaf, `"listed":false`) {
		t.Errorf("the static leaf of the unlisted version does not say so: %s", leaf)
	}

	f.addUser("root")
	if _, err := f.reg.SetAdmin(ctx, 0, "root", true); err != nil {
		t.Fatal(err)
	}
	audit := f.signedIn(t, "root").get("/admin/audit")
	for _, want := range []string{"version.pin", "retention.rule.add", "version.delete", "retention rule 1: prerelease number 2", "retention.run",
		"version.unlist", "unlisted by carol: retention rule 2: prerelease number 1"} {
		if !strings.Contains(audit.body, want) {
			t.Errorf("the audit log does not show %q", want)
		}
	}

	// Remove the rule. A feed's admin cannot reach another feed's rule
	// through their own feed's page.
	if _, err := f.reg.Feeds().Add(ctx, "other", "", false); err != nil {
		t.Fatal(err)
	}
	other, err := f.reg.AddRetentionRule(ctx, "other", retention.Rule{Kind: retention.KindPrereleases, Keep: 1, Action: retention.ActionDelete})
	if err != nil {
		t.Fatal(err)
	}
	otherPath := fmt.Sprintf("%s/rules/%d/remove", retentionPath, other.ID)
	if p := carol.postWith(otherPath, url.Values{"_csrf": {carol.token()}}.Encode(), nil); p.res.StatusCode != http.StatusNotFound {
		t.Errorf("removing another feed's rule through this feed: %s, want 404", p.res.Status)
	}
	if rules, _ := f.reg.RetentionRules(ctx, "other"); len(rules) != 1 {
		t.Error("another feed's rule was removed")
	}
	rm := url.Values{"_csrf": {carol.token()}}
	if p := mallory.postWith(retentionPath+"/rules/1/remove", url.Values{"_csrf": {mallory.token()}}.Encode(), nil); p.res.StatusCode != http.StatusNotFound {
		t.Errorf("a stranger removes the rule: %s, want 404", p.res.Status)
	}
	if p := carol.postWith(retentionPath+"/rules/1/remove", rm.Encode(), nil); p.res.StatusCode != http.StatusSeeOther {
		t.Errorf("remove rule: %s", p.res.Status)
	}
	if p := carol.get(retentionPath); len(p.byTestID("retention-rule")) != 1 {
		t.Error("the removed rule is still listed")
	}
}
