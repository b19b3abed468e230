package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// uiPage is one page of the web UI as a test visits it: who opens it,
// where, the status it answers, and optionally what the person does
// there first (fill in a form) to reach the state worth checking. A new
// page of the UI is one more line in pagesOfTheUI.
type uiPage struct {
	name   string // the screenshot's name: page-NAME-desktop.png, page-NAME-phone.png
	path   string
	status int
	anon   bool                           // opened signed out; else signed in as ada, an administrator
	then   func(t *testing.T, p *tab) int // after opening: reach the state to check; returns the status
	check  func(t *testing.T, p *tab)     // what else this page must show
}

// tagsHaveNoLine: a tag is a pill, with no line drawn under it (the list
// items of search results once drew their separator under every tag).
func tagsHaveNoLine(t *testing.T, p *tab) {
	lines := evaluate[[]string](p, "reading the tags' borders", `Array.from(document.querySelectorAll(".tags li, .tags a"),
		e => { const s = getComputedStyle(e); return s.borderBottomStyle !== "none" && parseFloat(s.borderBottomWidth) > 0 || s.textDecorationLine.includes("underline") ? e.textContent : "" }).filter(Boolean)`)
	if len(lines) > 0 {
		t.Errorf("tags drawn with a line under them: %q", lines)
	}
	if p.count(".tags a") == 0 {
		t.Error("the page shows no tags to check")
	}
}

// pasteToken pastes a token into the Trusted Publishing page's test box
// (an empty textarea, which the fill helper's Clear cannot take) and
// sends it.
func pasteToken(p *tab, token string) int {
	p.step("pasting a token", chromedp.SetValue(chromedp.CSS("#test-token"), token))
	return p.click(`[data-testid="token-test-form"] button[type="submit"]`)
}

// pagesOfTheUI is every page of the web UI, in the states people see
// most: empty and filled, and forms refused with errors beside fields.
func pagesOfTheUI(loginLink, stagePath, ciToken string) []uiPage {
	refused := func(form string, fields ...string) func(t *testing.T, p *tab) int {
		return func(t *testing.T, p *tab) int {
			status := p.submit(form, fields...)
			if p.count(`[data-testid="form-error"]`) == 0 {
				t.Errorf("submitting %s showed no error beside a field%s", form, p.where())
			}
			return status
		}
	}
	return []uiPage{
		{name: "home", path: "/", status: 200, anon: true},
		{name: "home-signed-in", path: "/", status: 200},
		{name: "search", path: "/packages?q=contoso", status: 200, anon: true, check: tagsHaveNoLine},
		{name: "search-empty", path: "/packages?q=nothing-matches-this", status: 200, anon: true},
		{name: "package", path: "/packages/Contoso.Widget", status: 200, anon: true, check: tagsHaveNoLine},
		{name: "package-old-version", path: "/packages/Contoso.Widget/1.0.0", status: 200},
		{name: "package-long-id", path: "/packages/" + longID, status: 200, anon: true},
		{name: "sign-in", path: "/sign-in", status: 200, anon: true},
		{name: "sign-in-link", path: loginLink, status: 200, anon: true},
		{name: "not-found", path: "/no/such/page", status: 404, anon: true},
		{name: "package-not-found", path: "/packages/No.Such.Package", status: 404, anon: true},
		// An administrator opens every page, so the refusal shown is a
		// form sent with a token that does not match the session.
		{name: "forbidden", path: "/packages/Other.Lib/manage/versions/1.0.0/delete", status: 403, then: func(t *testing.T, p *tab) int {
			evaluate[bool](p, "spoiling the form token", `(document.querySelector('[data-testid="delete-form"] input[name="_csrf"]').value = "spoilt", true)`)
			return p.submit(`[data-testid="delete-form"]`, "#delete-reason", "a reason")
		}},
		{name: "my-packages", path: "/account/packages", status: 200},
		{name: "manage-package", path: "/packages/Contoso.Widget/manage", status: 200},
		{name: "delete-version", path: "/packages/Contoso.Widget/manage/versions/1.0.0/delete", status: 200},
		{name: "delete-version-refused", path: "/packages/Contoso.Widget/manage/versions/1.0.0/delete", status: 400,
			then: refused(`[data-testid="delete-form"]`, "#delete-reason", "   ")},
		{name: "keys", path: "/account/keys", status: 200},
		{name: "keys-refused", path: "/account/keys", status: 400, then: func(t *testing.T, p *tab) int {
			evaluate[bool](p, "unticking every scope",
				`(document.querySelectorAll('[data-testid="key-scope-choice"] input[type=checkbox]').forEach(b => b.checked = false), true)`)
			return refused(`[data-testid="create-key"]`, "#key-description", "nightly")(t, p)
		}},
		{name: "keys-created", path: "/account/keys", status: 201, then: func(t *testing.T, p *tab) int {
			return p.submit(`[data-testid="create-key"]`, "#key-description", "release pipeline", "#key-globs", "Contoso.*")
		}},
		{name: "trusted-publishing", path: "/account/trusted-publishing", status: 200},
		{name: "trusted-publishing-refused", path: "/account/trusted-publishing", status: 400,
			then: refused(`[data-testid="policy-form"]`, "#policy-repository", "not a repository", "#policy-workflow", "release.yml")},
		{name: "policy-edit", path: "/account/trusted-publishing/1", status: 200},
		{name: "trusted-publishing-buildkite-refused", path: "/account/trusted-publishing", status: 400,
			then: refused(`[data-testid="rule-form-buildkite"]`, "#policy-buildkite1-claim-organization", "acme-inc", "#policy-buildkite1-claim-pipeline", "sdk-*")},
		{name: "trusted-publishing-log", path: "/account/audit?event=token.exchange", status: 200, check: func(t *testing.T, p *tab) {
			if p.count(`[data-testid="audit-closest"]`) == 0 {
				t.Errorf("the log shows no closest policy of the refused exchange%s", p.where())
			}
		}},
		{name: "token-test-refused", path: "/account/trusted-publishing", status: 400, then: func(t *testing.T, p *tab) int {
			status := pasteToken(p, "not-a-token")
			if p.count(`[data-testid="form-error"]`) == 0 {
				t.Errorf("a bad token showed no error%s", p.where())
			}
			return status
		}},
		{name: "token-test-explained", path: "/account/trusted-publishing", status: 200, then: func(t *testing.T, p *tab) int {
			return pasteToken(p, ciToken)
		}, check: func(t *testing.T, p *tab) {
			if p.count(`[data-testid="token-test-checks"] tr[data-ok="false"]`) == 0 {
				t.Errorf("the explanation shows no failing check%s", p.where())
			}
		}},
		{name: "organisations", path: "/account/organizations", status: 200},
		{name: "organisations-refused", path: "/account/organizations", status: 400,
			then: refused(`[data-testid="create-org"]`, "#org-name", "no spaces allowed")},
		{name: "organisation", path: "/organizations/contoso", status: 200},
		{name: "feeds", path: "/feeds", status: 200},
		{name: "feeds-anon", path: "/feeds", status: 200, anon: true},
		{name: "feed", path: "/account/feeds/team", status: 200},
		{name: "webhooks", path: "/account/webhooks", status: 200},
		{name: "webhooks-refused", path: "/account/webhooks", status: 400,
			then: refused(`[data-testid="webhook-add"]`, "#webhook-url", "http://127.0.0.1:9/hook")},
		{name: "webhooks-created", path: "/account/webhooks", status: 201, then: func(t *testing.T, p *tab) int {
			return p.submit(`[data-testid="webhook-add"]`, "#webhook-url", "https://93.184.216.34/hook")
		}},
		{name: "webhook", path: "/account/webhooks/1", status: 200},
		{name: "organisation-webhooks", path: "/organizations/contoso/webhooks", status: 200},
		{name: "feed-webhooks", path: "/account/feeds/team/webhooks", status: 200},
		{name: "retention", path: "/account/feeds/default/retention", status: 200, check: func(t *testing.T, p *tab) {
			if p.count(`[data-testid="retention-rule"]`) != 1 || p.count(`[data-testid="plan-step"]`) != 1 {
				t.Errorf("the retention page shows no rule or no plan%s", p.where())
			}
		}},
		{name: "retention-empty", path: "/account/feeds/team/retention", status: 200},
		{name: "retention-refused", path: "/account/feeds/default/retention", status: 400,
			then: refused(`[data-testid="add-rule"]`, "#retention-keep", "two")},
		{name: "manage-package-held", path: "/packages/Held.Widget/manage", status: 200, check: func(t *testing.T, p *tab) {
			if p.count(`[data-testid="held-version"]`) != 1 || p.count(`[data-testid="trusted-only-form"]`) != 1 {
				t.Errorf("the manage page shows no held version or no trusted-only switch%s", p.where())
			}
		}},
		{name: "trusted-publishing-only", path: "/account/trusted-publishing-only", status: 200},
		{name: "stages", path: "/account/stages", status: 200},
		{name: "stage", path: stagePath, status: 200, check: func(t *testing.T, p *tab) {
			if !strings.Contains(p.text("main"), "3.0.0") {
				t.Errorf("the stage group's page does not show the staged version%s", p.where())
			}
		}},
		{name: "admin-users", path: "/admin/users", status: 200},
		{name: "admin-audit", path: "/admin/audit", status: 200},
		{name: "admin-prefixes", path: "/admin/prefixes", status: 200},
		{name: "admin-audit-filtered", path: "/admin/audit?event=user&outcome=done", status: 200},
		{name: "admin-audit-refused", path: "/admin/audit?from=yesterday", status: 400},
		{name: "admin-remove-user", path: "/admin/users/builder/remove", status: 200},
		{name: "package-deprecated-vulnerable", path: "/packages/Contoso.Widget/1.0.0", status: 200, anon: true, check: func(t *testing.T, p *tab) {
			if p.count(`[data-testid="deprecation"]`)+p.count(`[data-testid="vulnerabilities"]`) < 2 {
				t.Errorf("the deprecated, vulnerable version's page shows no deprecation and advisory notice%s", p.where())
			}
		}},
		{name: "report-abuse", path: "/packages/Contoso.Widget/1.0.0/report-abuse", status: 200, anon: true},
	}
}

// longID is a package ID as long as NuGet allows parts of, which must
// wrap on a phone rather than widen the page.
const longID = "Contoso.Extensions.DependencyInjection.Abstractions.Configuration.Binder"

// TestBrowserPages opens every page of the web UI (pagesOfTheUI) in
// Chromium on a desktop and on a 390-pixel phone, signed out and signed
// in as an administrator, and checks each: the status, no sideways
// scrolling on the phone (the document is no wider than the screen),
// zero axe-core violations, at most one search box, and a screenshot of each in
// $WHARF_ARTIFACTS/browser. Then it uses the install tabs of a package
// page with JavaScript off, by mouse and by keyboard.
func TestBrowserPages(t *testing.T) {
	axe := needAxe(t)
	// No scheduled retention: the retention page shows the plan unapplied.
	w := newBrowserWorld(t, "WHARF_ADMINS=oidc:ada", "WHARF_RETENTION_EVERY=off")
	p := w.browser.firstTab(t)
	w.signIn(p, ada, "/account/keys")
	anon := w.browser.otherTab(t, false)

	// Something on every page: an organisation with a trust policy, a
	// private feed, a reserved prefix, packages with READMEs, tags,
	// dependencies and several versions, and one of somebody else's.
	w.wharfOK(t, "org", "add", "contoso", "--admin", "ada")
	w.wharfOK(t, "policy", "add", "--user", "ada", "--owner", "contoso", "--repository", "contoso/sdk",
		"--workflow", "release.yml", "--environment", "production", "--package", "Contoso.*")
	w.wharfOK(t, "feed", "add", "team", "--private", "--description", "The team's packages")
	w.wharfOK(t, "feed", "grant", "team", "--user", "ada", "--role", "admin")
	w.wharfOK(t, "feed", "grant", "team", "--org", "contoso", "--role", "reader")
	key, _ := w.addKey(t, "--user", "ada")
	readme := []byte("# Contoso.Widget\n\nWidgets for every app.\n\n```sh\ndotnet add package Contoso.Widget --version 1.1.0 --source https://nuget.example.com/v3/index.json --no-restore\n```\n\n" +
		"| Option | Default | Meaning |\n|---|---|---|\n| `WidgetCount` | 3 | How many widgets to make before giving up on the whole idea |\n")
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0-beta.1"} {
		w.mustPushHTTP(t, key, nugettest.Spec{ID: "Contoso.Widget", Version: v, Description: "Widgets for the browser test.",
			Tags: "widgets ui contoso", License: "MIT", ProjectURL: "https://example.com/contoso/widget/with/a/rather/long/address/that/must/wrap",
			Readme: readme, Dependencies: map[string][]nugettest.Dep{"net8.0": {{ID: "Contoso.Core", Range: "[1.0.0, )"}}, "netstandard2.0": nil}})
	}
	w.mustPushHTTP(t, key, nugettest.Spec{ID: longID, Version: "10.0.0-preview.1.24080.9", Tags: "configuration binder"})
	w.mustPushHTTP(t, w.apiKey(t, "builder"), nugettest.Spec{ID: "Other.Lib", Version: "1.0.0"})
	w.wharfOK(t, "prefix", "reserve", "Contoso.*", "--owner", "contoso")
	w.wharfOK(t, "retention", "rule", "add", "--glob", "Contoso.*", "--keep-prereleases", "0", "--action", "unlist")
	w.wharfOK(t, "deprecate", "Contoso.Widget", "1.0.0", "--legacy", "--message", "Use 1.1.0 or later.", "--alternate", "Contoso.Widget", "--alternate-version", "1.1.0")
	w.wharfOK(t, "advisory", "add", "Contoso.Widget", "WHARF-2026-1", "--severity", "high",
		"--url", "https://example.com/advisories/wharf-2026-1", "--versions", "[1.0.0, 1.1.0)")
	// A staged release, as CI stages it with a staging-only key.
	stageKey, _ := w.addKey(t, "--user", "ada", "--scope", "read,stage")
	staged := filepath.Join(t.TempDir(), "contoso.widget.3.0.0.nupkg")
	if err := os.WriteFile(staged, nugettest.Spec{ID: "Contoso.Widget", Version: "3.0.0", Description: "Widgets, staged."}.Build(), 0o644); err != nil {
		t.Fatal(err)
	}
	status, manage := w.stageHTTP(t, stageKey, staged, "release-3")
	_, stageID, _ := strings.Cut(manage, "/account/stages/")
	if status != 201 || stageID == "" {
		t.Fatalf("staging Contoso.Widget 3.0.0: %d %q", status, manage)
	}
	heldVersion(t, w, key)
	// The link names the configured base URL; the test's server is elsewhere.
	link, _ := w.wharfOK(t, "user", "login-link", "builder")
	_, linkPath, _ := strings.Cut(strings.TrimSpace(link), "/sign-in/link/")

	// A refused exchange for the trusted publishing log, and a token for
	// the test box: contoso/sdk's, but from the staging environment.
	ciToken := w.ci.Token(trusttest.With(trusttest.GitHubClaims(w.ci.URL, w.base, time.Now()), "environment", "staging"))
	if status, res := w.exchangeHTTP(t, w.ci.Token(trusttest.With(trusttest.GitHubClaims(w.ci.URL, w.base, time.Now()), "environment", "staging")), "ada"); status != 401 {
		t.Fatalf("a refused exchange: %d %v", status, res)
	}
	for _, pg := range pagesOfTheUI("/sign-in/link/"+linkPath, "/account/stages/"+stageID, ciToken) {
		t.Run(pg.name, func(t *testing.T) {
			who := p
			if pg.anon {
				who = anon
			}
			who.t = t
			for _, phone := range []bool{false, true} {
				who.viewport(phone)
				status := who.open(pg.path)
				if pg.then != nil {
					status = pg.then(t, who)
				}
				if status != pg.status {
					t.Errorf("GET %s: status %d, want %d%s", pg.path, status, pg.status, who.where())
				}
				if n := who.count(`form[role="search"]`); n > 1 {
					t.Errorf("%s has %d search boxes, want one at most", pg.path, n)
				}
				if pg.check != nil {
					pg.check(t, who)
				}
				screen := "desktop"
				if phone {
					screen = "phone"
					sizes := evaluate[[]int](who, "measuring the page",
						`[document.documentElement.scrollWidth, document.documentElement.clientWidth, window.innerWidth]`)
					// A page wider than the phone scrolls sideways, or makes
					// the browser zoom out so the viewport grows past 390.
					if sizes[0] > sizes[1] || sizes[2] != 390 {
						t.Errorf("%s scrolls sideways on a 390-pixel phone: scrollWidth %d, clientWidth %d, viewport %d; too wide: %q",
							pg.path, sizes[0], sizes[1], sizes[2], who.overflowing(390))
					}
				}
				who.screenshot("page-" + pg.name + "-" + screen)
				for _, v := range who.axe(axe) {
					t.Errorf("%s on a %s: axe-core: %s", pg.path, screen, v)
				}
			}
			who.viewport(false)
		})
	}

	t.Run("dark colour scheme", func(t *testing.T) {
		p.t = t
		p.step("preferring a dark colour scheme", func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}})
			return chromedp.Void{}, err
		})
		for _, path := range []string{"/packages/Contoso.Widget", "/account/trusted-publishing", "/account/keys"} {
			p.openOK(path)
			p.screenshot("page-dark-" + strings.ReplaceAll(strings.Trim(path, "/"), "/", "-"))
			for _, v := range p.axe(axe) {
				t.Errorf("%s in dark mode: axe-core: %s", path, v)
			}
		}
	})

	t.Run("install tabs without JavaScript", func(t *testing.T) {
		q := w.browser.otherTab(t, false)
		q.disableScript()
		q.openOK("/packages/Contoso.Widget")
		shown := func() []string {
			return evaluate[[]string](q, "reading the visible snippets",
				`Array.from(document.querySelectorAll('[data-testid="install-panel"] pre'), e => e.getClientRects().length ? e.id : "").filter(Boolean)`)
		}
		if got := shown(); strings.Join(got, " ") != "install-dotnet" {
			t.Fatalf("before choosing, the visible install snippets are %q, want only install-dotnet", got)
		}
		q.clickHere(`[data-testid="install-tab"][data-tool="paket-cli"]`)
		if got := shown(); strings.Join(got, " ") != "install-paket" {
			t.Errorf("after clicking the Paket CLI tab, the visible snippets are %q, want only install-paket", got)
		}
		// The keyboard: the tabs are one radio group, so the arrow keys move
		// between them as a screen reader announces them.
		q.step("pressing the right arrow on the chosen tab", chromedp.Focus(chromedp.CSS(`#install-tool-paket-cli`)),
			chromedp.KeyEvent(kb.ArrowRight))
		if got := shown(); strings.Join(got, " ") != "install-nuget" {
			t.Errorf("after the right arrow from Paket CLI, the visible snippets are %q, want only install-nuget", got)
		}
		q.screenshot("install-tabs-no-script")
	})
}

// viewport lays the tab's pages out on a 390-pixel phone or a 1280-pixel
// desktop screen.
func (p *tab) viewport(phone bool) {
	p.t.Helper()
	if phone {
		p.phone(true)
		return
	}
	p.step("emulating a desktop screen", chromedp.EmulateViewport(1280, 900))
}
