package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestBrowserDeprecationAndAdvisories: in Chromium, an owner deprecates a
// version and publishes an advisory from the package's manage page; the
// version's page then shows the deprecation (reasons, message, a link to
// the alternate) and the advisory, the newer version's page shows
// neither, the Undeprecate button takes the notice away, and the page's
// "Report this package" link leads to the operator's contact.
func TestBrowserDeprecationAndAdvisories(t *testing.T) {
	w := newBrowserWorld(t, "WHARF_CONTACT=abuse@wharf.example")
	p := w.browser.firstTab(t)
	w.signIn(p, ada, "/account/packages")
	key := w.apiKey(t, "ada")
	w.mustPushHTTP(t, key, nugettest.Spec{ID: "Contoso.Widget", Version: "1.0.0"})
	w.mustPushHTTP(t, key, nugettest.Spec{ID: "Contoso.Widget", Version: "2.0.0"})

	p.openOK("/packages/Contoso.Widget/manage")
	p.choose(`#deprecate-versions`, "1.0.0")
	p.clickHere(`[data-testid="reason-legacy"]`)
	p.clickHere(`[data-testid="reason-critical"]`)
	// chromedp cannot clear an empty <textarea>: type into it directly.
	p.step("typing the message", chromedp.SendKeys(chromedp.CSS(`#deprecate-message`), "1.0.0 <b>loses</b> data."))
	if status := p.submit(`[data-testid="deprecate-form"]`,
		"#deprecate-alt-id", "Contoso.Widget", "#deprecate-alt-version", "2.0.0"); status != http.StatusOK {
		t.Fatalf("deprecating ended with %d%s", status, p.where())
	}
	p.wantText(`[data-testid="flash"]`, "Contoso.Widget 1.0.0 is deprecated")
	p.wantText(`[data-testid="manage-version"][data-version="1.0.0"] [data-testid="version-deprecated"]`, "Legacy, CriticalBugs")

	if status := p.submit(`[data-testid="advisory-form"]`, "#advisory-id", "CVE-2026-4242", "#advisory-severity", "critical",
		"#advisory-url", "https://example.com/CVE-2026-4242", "#advisory-versions", "(, 2.0.0)"); status != http.StatusOK {
		t.Fatalf("publishing the advisory ended with %d%s", status, p.where())
	}
	p.wantText(`[data-testid="flash"]`, "Advisory CVE-2026-4242 is published")
	p.wantText(`[data-testid="manage-advisory"][data-advisory="CVE-2026-4242"]`, "critical", "(, 2.0.0)")

	p.openOK("/packages/Contoso.Widget/1.0.0")
	p.wantText(`[data-testid="deprecation-reasons"]`, "legacy, critical bugs")
	// The message is text: the <b> the owner typed shows as written.
	p.wantText(`[data-testid="deprecation-message"]`, "1.0.0 <b>loses</b> data.")
	p.wantText(`[data-testid="deprecation-alternate"]`, "Contoso.Widget 2.0.0 or later")
	if href := p.attr(`[data-testid="deprecation-alternate"]`, "href"); !strings.HasSuffix(href, "/packages/Contoso.Widget") {
		t.Errorf("the alternate links to %q", href)
	}
	p.wantText(`[data-testid="vulnerability"][data-severity="critical"]`, "https://example.com/CVE-2026-4242")
	p.screenshot("package-deprecated")

	p.openOK("/packages/Contoso.Widget/2.0.0")
	p.wantNone(`[data-testid="deprecation"]`, "2.0.0 is not deprecated")
	p.wantNone(`[data-testid="vulnerabilities"]`, "the advisory's range ends before 2.0.0")

	if status := p.click(`[data-testid="report-abuse"]`); status != http.StatusOK {
		t.Fatalf("the report link ended with %d%s", status, p.where())
	}
	p.wantText(`[data-testid="report-contact"]`, "abuse@wharf.example", "Contoso.Widget 2.0.0")
	if href := p.attr(`[data-testid="report-contact"] a`, "href"); href != "mailto:abuse@wharf.example" {
		t.Errorf("the contact links to %q", href)
	}

	p.openOK("/packages/Contoso.Widget/manage")
	if status := p.click(`[data-version="1.0.0"] [data-testid="undeprecate"]`); status != http.StatusOK {
		t.Fatalf("undeprecating ended with %d%s", status, p.where())
	}
	p.wantText(`[data-testid="flash"]`, "no longer deprecated")
	p.openOK("/packages/Contoso.Widget/1.0.0")
	p.wantNone(`[data-testid="deprecation"]`, "1.0.0 was undeprecated")
}
