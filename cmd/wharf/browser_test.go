// Browser tests of the web UI: Debian's Chromium, driven by chromedp,
// against the real "wharf serve" binary. People sign in through a local
// OpenID Connect provider (trusttest's issuer in its sign-in role), and a
// second issuer plays GitHub Actions for trusted publishing. The test reads
// the pages through selectors (the templates' data-testid hooks) and saves
// screenshots of the main pages as artefacts.
package main

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

var (
	ada   = trusttest.LoginUser{Subject: "00u1ada", Login: "ada", Name: "Ada Lovelace", Email: "ada@contoso.example", EmailVerified: true, Groups: []string{"engineering"}}
	grace = trusttest.LoginUser{Subject: "00u2grace", Login: "grace", Name: "Grace Hopper", Email: "grace@fabrikam.example", EmailVerified: true}
)

// browserWorld is a running wharf that signs people in with a local OpenID
// Connect provider and trusts a local GitHub Actions issuer.
type browserWorld struct {
	*e2e
	login, ci *trusttest.Issuer
	browser   *browser
}

// newBrowserWorld starts the world; extra environment, such as
// WHARF_ADMINS, is passed to the server.
func newBrowserWorld(t *testing.T, env ...string) *browserWorld {
	t.Helper()
	chromiumPath(t) // skip (or fail in CI) before starting anything
	w := &browserWorld{login: trusttest.NewIssuer(t), ci: trusttest.NewIssuer(t)}
	secret := trusttest.JTI()
	w.login.AddClient("wharf-ui", secret)
	w.e2e = startWharf(t, append([]string{
		"WHARF_SIGNIN_OIDC_ISSUER=" + w.login.URL, "WHARF_SIGNIN_OIDC_CLIENT_ID=wharf-ui",
		"WHARF_SIGNIN_OIDC_CLIENT_SECRET=" + secret, "WHARF_SIGNIN_OIDC_LABEL=Test SSO",
		"WHARF_TRUSTED_ISSUERS=github=" + w.ci.URL + ",buildkite", // buildkite: its form is on the pages checked
	}, env...))
	w.browser = newBrowser(t, w.base)
	return w
}

// signIn signs the tab's person in as u through the provider, starting
// from a page that needs a signed-in user, and checks they come back to it
// with their name shown.
func (w *browserWorld) signIn(p *tab, u trusttest.LoginUser, from string) {
	p.t.Helper()
	w.login.SignInAs(u)
	p.openOK(from)
	if got := p.path(); !strings.HasPrefix(got, "/sign-in?next=") {
		p.t.Fatalf("signed out, GET %s ended on %s, want the sign-in page", from, got)
	}
	p.wantText(`[data-testid="sign-in-oidc"]`, "Sign in with Test SSO")
	if status := p.click(`[data-testid="sign-in-oidc"]`); status != http.StatusOK {
		p.t.Fatalf("signing in ended with status %d%s", status, p.where())
	}
	if got := p.path(); got != from {
		p.t.Errorf("after signing in the browser is on %s, want %s, where it started", got, from)
	}
	if got := p.text(`[data-testid="signed-in-as"]`); got != u.Login {
		p.t.Errorf("the header says signed in as %q, want %q", got, u.Login)
	}
	p.wantText(`[data-testid="flash"]`, "Signed in as "+u.Login)
}

// noFollow is an HTTP client that returns redirects instead of following.
var noFollow = &http.Client{Timeout: stepTimeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

var (
	pendingRE = regexp.MustCompile(`^pending, [1-7] days left$`)
	dayRE     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// TestBrowserUI walks the web UI as issue 4 describes it: sign in, create
// an organisation and a trust policy, activate it with a token exchange,
// create, use and revoke an API key, unlist and relist a version, search
// and open the package, use a form without JavaScript and the pages on a
// phone, sign out; then a second person sees none of it, and a package
// whose every field carries script runs none of it. The steps run in
// order against one server; when a step that later ones build on (a gate)
// fails, the walk stops there.
func TestBrowserUI(t *testing.T) {
	start := time.Now()
	w := newBrowserWorld(t)
	p := w.browser.firstTab(t)
	t.Logf("wharf and chromium up in %v", time.Since(start).Round(time.Millisecond))

	var policyID, uiKey, trustedKey string
	// A step marked gate makes objects or state the later steps use.
	const gate, alone = true, false
	steps := []struct {
		name string
		gate bool
		run  func(t *testing.T)
	}{
		{"sign in through the OpenID Connect provider", gate, func(t *testing.T) {
			p.t = t
			w.signIn(p, ada, "/account/trusted-publishing")
			if w.login.SignIns() != 1 {
				t.Errorf("the provider exchanged %d codes, want 1", w.login.SignIns())
			}
		}},
		{"create an organisation", gate, func(t *testing.T) {
			p.t = t
			p.openOK("/account/organizations")
			p.wantText(`[data-testid="no-orgs"]`, "You do not belong to any organisation")
			if status := p.submit(`[data-testid="create-org"]`, "#org-name", "contoso"); status != http.StatusOK {
				t.Fatalf("creating the organisation: status %d%s", status, p.where())
			}
			p.wantText(`[data-testid="flash"]`, "Created organisation contoso")
			if got := p.text(`[data-testid="member-row"][data-member="ada"] [data-testid="member-role"]`); got != "admin" {
				t.Errorf("ada's role in contoso is %q, want admin", got)
			}
			p.screenshot("organisation")
			p.openOK("/account/organizations")
			p.wantText(`[data-testid="org-row"]`, "contoso", "admin")
		}},
		{"create a trust policy and see it pending with its workflow", gate, func(t *testing.T) {
			p.t = t
			p.openOK("/account/trusted-publishing")
			p.wantText(`[data-testid="no-policies"]`, "no trust policies")
			status := p.submit(`[data-testid="policy-form"]`, "#policy-issuer", "github", "#policy-owner", "contoso",
				"#policy-repository", "contoso/sdk", "#policy-workflow", "release.yml", "#policy-environment", "prod", "#policy-globs", "Contoso.*")
			if status != http.StatusOK {
				t.Fatalf("creating the policy: status %d%s", status, p.where())
			}
			p.wantText(`[data-testid="flash"]`, "Created policy")
			if n := p.count(`[data-testid="policy"]`); n != 1 {
				t.Fatalf("%d policies listed, want 1%s", n, p.where())
			}
			policyID = p.attr(`[data-testid="policy"]`, "data-policy-id")
			if state := p.text(`[data-testid="policy-state"]`); !pendingRE.MatchString(state) {
				t.Errorf("the new policy's state is %q, want %q", state, pendingRE)
			}
			p.wantText(`[data-testid="policy"] dl`, "contoso", "github: contoso/sdk", "release.yml", "prod", "Contoso.*")
			p.clickHere(`[data-testid="policy"] details summary`)
			p.wantText(`[data-testid="policy-snippet"]`, "token-service-url: "+w.base+"/api/v2/token", "audience: "+w.base,
				"user: contoso", "environment: prod", "id-token: write", "--source "+w.feed)
			p.screenshot("trusted-publishing-pending")
		}},
		{"a token exchange activates the policy", gate, func(t *testing.T) {
			p.t = t
			snippet := p.text(`[data-testid="policy-snippet"]`)
			tokenURL, audience := snippetValue(t, snippet, "token-service-url"), snippetValue(t, snippet, "audience")
			reqURL, reqToken := trusttest.NewActionsRunner(t, w.ci, func(aud string) map[string]any {
				return trusttest.GitHubClaims(w.ci.URL, aud, time.Now())
			})
			status, out := loginAction(t, reqURL, reqToken, tokenURL, audience, snippetValue(t, snippet, "user"))
			if status != http.StatusOK || !strings.HasPrefix(out["apiKey"], "wharf_tp_") {
				t.Fatalf("exchange with the snippet's settings: %d %v", status, out)
			}
			trustedKey = out["apiKey"]
			p.openOK("/account/trusted-publishing")
			if state := p.text(`[data-testid="policy-state"]`); state != "active" {
				t.Errorf("after the first exchange the policy is %q, want active%s", state, p.where())
			}
			p.wantNone(`[data-testid="renew-policy"]`, "an active policy needs no renewal")
			p.screenshot("trusted-publishing")
		}},
		{"create an API key and see it once", gate, func(t *testing.T) {
			p.t = t
			p.openOK("/account/keys")
			p.wantText(`[data-testid="no-keys"]`, "no API keys")
			status := p.submit(`[data-testid="create-key"]`, "#key-description", "release pipeline", "#key-owner", "contoso",
				"#key-globs", "Contoso.*", "#key-expires", "30")
			if status != http.StatusCreated {
				t.Fatalf("creating the key: status %d, want 201%s", status, p.where())
			}
			uiKey = p.value(`[data-testid="new-key-secret"]`)
			hint := p.attr(`[data-testid="key-row"]`, "data-key-hint")
			if uiKey == "" || hint == "" || !strings.HasPrefix(uiKey, hint) {
				t.Fatalf("new key %q, listed with hint %q: the hint must start the key", uiKey, hint)
			}
			p.clickHere(`[data-copy="new-key-secret"]`)
			p.waitAttr(`[data-copy="new-key-secret"]`, "data-copied", "true")
			if got := p.clipboard(); got != uiKey {
				t.Errorf("after Copy the clipboard holds %q, want the new key", got)
			}
			// The "push with it" command carries the whole new key, and its
			// Copy button keeps its hidden label: it once came back as
			// "Copythe command", squeezing the snippet.
			if push := p.text(`[data-testid="key-command-push"]`); !strings.Contains(push, "--api-key "+uiKey) {
				t.Errorf("the push command %q lacks the full new key", push)
			}
			pushCopy := `[data-copy="key-command-push"]`
			p.clickHere(pushCopy)
			p.waitAttr(pushCopy, "data-copied", "true")
			if got := p.clipboard(); !strings.Contains(got, uiKey) {
				t.Errorf("after Copy on the push command the clipboard holds %q, want the command with the full key", got)
			}
			p.waitAttr(pushCopy, "data-copied", "false")
			label := evaluate[string](p, "reading the Copy button", `(() => { const b = document.querySelector('[data-copy="key-command-push"]'); return b.firstChild.nodeValue + "|" + b.querySelectorAll(".visually-hidden").length })()`)
			if label != "Copy|1" {
				t.Errorf("after a copy the button reads %q, want its word back and its hidden label kept (Copy|1)", label)
			}
			row := p.wantText(`[data-testid="key-row"]`, "release pipeline", "contoso", "Contoso.*")
			if state := p.text(`[data-testid="key-state"]`); state != "active" {
				t.Errorf("the new key is %q, want active (row %q)", state, row)
			}
			p.screenshot("keys-new")
			p.openOK("/account/keys")
			p.wantNone(`[data-testid="new-key-secret"]`, "the secret is shown only once")
			if strings.Contains(evaluate[string](p, "reading the page", `document.documentElement.outerHTML`), uiKey) {
				t.Error("the keys page shows the secret again")
			}
			p.screenshot("keys")
		}},
		{"push with the new key and the trusted key", gate, func(t *testing.T) {
			p.t = t
			for _, v := range []string{"1.0.0", "1.1.0"} {
				spec := nugettest.Spec{ID: "Contoso.Widget", Version: v, Description: "Widgets for the browser test.", Readme: []byte("# Contoso.Widget\n\nWidgets.\n")}
				if status, why := w.pushHTTP(t, uiKey, spec); status != http.StatusCreated {
					t.Fatalf("push Contoso.Widget %s with the UI's key: %s", v, why)
				}
			}
			if status, why := w.pushHTTP(t, trustedKey, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}); status != http.StatusCreated {
				t.Fatalf("push Contoso.Sdk with the trusted key: %s", why)
			}
			// The server records key use in the background, about once a
			// second: reload until the page shows it.
			var used []string
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(200 * time.Millisecond) {
				p.openOK("/account/keys")
				used = p.texts(`[data-testid="key-row"] td:nth-child(6)`)
				if len(used) == 1 && dayRE.MatchString(used[0]) || time.Now().After(deadline) {
					break
				}
			}
			if len(used) != 1 || !dayRE.MatchString(used[0]) {
				t.Errorf("the key's last use is %q five seconds after a push, want a day", used)
			}
		}},
		{"revoke the key", alone, func(t *testing.T) {
			p.t = t
			p.openOK("/account/keys")
			if status := p.click(`[data-testid="revoke-key"]`); status != http.StatusOK {
				t.Fatalf("revoking: status %d%s", status, p.where())
			}
			if d := p.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "Revoke this key?") {
				t.Errorf("dialogs shown: %q, want the revoke confirmation", d)
			}
			p.wantText(`[data-testid="flash"]`, "The key was revoked")
			if state := p.text(`[data-testid="key-state"]`); state != "revoked" {
				t.Errorf("the key is %q after revoking, want revoked", state)
			}
			p.wantNone(`[data-testid="revoke-key"]`, "a revoked key offers no revoke button")
			if status, why := w.pushHTTP(t, uiKey, nugettest.Spec{ID: "Contoso.Widget", Version: "1.2.0"}); status != http.StatusUnauthorized && status != http.StatusForbidden {
				t.Errorf("push with the revoked key: %s, want 401 or 403", why)
			}
		}},
		{"unlist and relist a version", alone, func(t *testing.T) {
			p.t = t
			p.openOK("/account/packages")
			p.wantText(`[data-testid="my-package"][data-package="Contoso.Widget"]`, "1.1.0", "contoso")
			if status := p.click(`[data-testid="my-package"][data-package="Contoso.Widget"] [data-testid="manage-package"]`); status != http.StatusOK {
				t.Fatalf("opening the manage page: status %d%s", status, p.where())
			}
			if got := p.path(); got != "/packages/Contoso.Widget/manage" {
				t.Errorf("the manage link went to %s", got)
			}
			row := `[data-testid="manage-version"][data-version="1.1.0"] `
			if got := p.text(row + `[data-testid="version-state"]`); got != "listed" {
				t.Fatalf("1.1.0 is %q, want listed", got)
			}
			if status := p.click(row + `[data-testid="unlist"]`); status != http.StatusOK {
				t.Fatalf("unlisting: status %d%s", status, p.where())
			}
			if got := p.text(row + `[data-testid="version-state"]`); got != "unlisted" {
				t.Errorf("1.1.0 is %q after unlisting, want unlisted", got)
			}
			if w.listed(t, "Contoso.Widget", "1.1.0") {
				t.Error("the feed's registration still lists 1.1.0")
			}
			if got := p.text(`[data-testid="manage-version"][data-version="1.0.0"] [data-testid="version-state"]`); got != "listed" {
				t.Errorf("1.0.0 is %q, want listed: unlisting one version changed another", got)
			}
			p.screenshot("manage-unlisted")
			if status := p.click(row + `[data-testid="relist"]`); status != http.StatusOK {
				t.Fatalf("relisting: status %d%s", status, p.where())
			}
			if got := p.text(row + `[data-testid="version-state"]`); got != "listed" {
				t.Errorf("1.1.0 is %q after relisting, want listed", got)
			}
			if !w.listed(t, "Contoso.Widget", "1.1.0") {
				t.Error("the feed's registration does not list 1.1.0 again")
			}
		}},
		{"search and open the package page", alone, func(t *testing.T) {
			p.t = t
			p.openOK("/")
			p.screenshot("start")
			p.fill("#site-q", "widget")
			if status := p.click(`form[role="search"] button[type="submit"]`); status != http.StatusOK {
				t.Fatalf("searching: status %d%s", status, p.where())
			}
			if got := p.path(); got != "/packages?q=widget" {
				t.Errorf("the search box went to %s, want /packages?q=widget", got)
			}
			results := p.texts(`[data-testid="search-result"]`)
			if !slices.ContainsFunc(results, func(r string) bool { return strings.Contains(r, "Contoso.Widget") }) ||
				slices.ContainsFunc(results, func(r string) bool { return strings.Contains(r, "Contoso.Sdk") }) {
				t.Errorf("search results for widget: %q, want Contoso.Widget and not Contoso.Sdk", results)
			}
			p.screenshot("search")
			hit := `[data-testid="search-result"][data-package="Contoso.Widget"] `
			if got := p.text(hit + `[data-testid="result-version"]`); got != "1.1.0" {
				t.Errorf("the search result shows version %q, want the latest, 1.1.0", got)
			}
			if status := p.click(hit + `[data-testid="result-link"]`); status != http.StatusOK {
				t.Fatalf("opening the package page: status %d%s", status, p.where())
			}
			if got := p.path(); got != "/packages/Contoso.Widget" {
				t.Errorf("the search result links to %s, want /packages/Contoso.Widget", got)
			}
			if got := p.text(`[data-testid="package-title"]`); !strings.Contains(got, "Contoso.Widget") {
				t.Errorf("package title %q, want Contoso.Widget", got)
			}
			if got := p.text(`[data-testid="package-version"]`); !strings.Contains(got, "1.1.0") {
				t.Errorf("package version %q, want the latest, 1.1.0", got)
			}
			p.screenshot("package")
		}},
		{"create an organisation without JavaScript", alone, func(t *testing.T) {
			scriptRan := `document.documentElement.classList.contains("js")` // app.js marks the page
			p.t = t
			p.openOK("/account/organizations")
			if !evaluate[bool](p, "checking the script ran", scriptRan) {
				t.Fatal("with JavaScript on, the page's script did not mark the page; the check below would prove nothing")
			}
			noJS := w.browser.otherTab(t, true) // the same cookies: still ada
			noJS.disableScript()
			noJS.openOK("/account/organizations")
			if evaluate[bool](noJS, "checking the script ran", scriptRan) {
				t.Fatal("the page's script ran although JavaScript is disabled")
			}
			if status := noJS.submit(`[data-testid="create-org"]`, "#org-name", "fabrikam"); status != http.StatusOK {
				t.Fatalf("creating an organisation without JavaScript: status %d%s", status, noJS.where())
			}
			noJS.wantText(`[data-testid="flash"]`, "Created organisation fabrikam")
			noJS.wantText(`[data-testid="member-row"][data-member="ada"]`, "admin")
		}},
		{"package and policy pages fit a phone", alone, func(t *testing.T) {
			p.t = t
			p.phone(true)
			defer p.phone(false)
			for _, page := range []struct{ path, shot string }{
				{"/account/trusted-publishing", "phone-trusted-publishing"},
				{"/packages/Contoso.Widget", "phone-package"},
			} {
				p.openOK(page.path)
				// A page wider than the phone makes the browser zoom out, so
				// the viewport grows past 390 CSS pixels: both are overflow.
				sizes := evaluate[[]int](p, "measuring the page", `[document.scrollingElement.scrollWidth, window.innerWidth]`)
				if sizes[0] > 390 || sizes[1] != 390 {
					t.Errorf("%s does not fit a 390 pixel phone: laid out %d CSS pixels wide, viewport %d; too wide: %q",
						page.path, sizes[0], sizes[1], p.overflowing(390))
				}
				p.screenshot(page.shot)
			}
		}},
		{"sign out", alone, func(t *testing.T) {
			p.t = t
			p.openOK("/account/keys")
			session := p.cookie("wharf_session")
			if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax {
				t.Fatalf("session cookie %+v, want one that is HTTP-only and SameSite=Lax", session)
			}
			p.click(`[data-testid="sign-out"]`)
			p.wantText(`[data-testid="flash"]`, "Signed out")
			p.wantText(`[data-testid="sign-in"]`, "Sign in")
			p.wantNone(`[data-testid="signed-in-as"]`, "signed out, the header names nobody")
			p.openOK("/account/keys")
			if got := p.path(); !strings.HasPrefix(got, "/sign-in") {
				t.Errorf("signed out, /account/keys shows %s, want the sign-in page", got)
			}
			// A copy of the cookie taken before signing out is worthless:
			// the server ended the session.
			req, _ := http.NewRequest(http.MethodGet, w.base+"/account/keys", nil)
			req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/sign-in") {
				t.Errorf("the session cookie from before signing out still gets %s (Location %q), want 303 to the sign-in page",
					resp.Status, resp.Header.Get("Location"))
			}
		}},
		{"another person sees none of it", alone, func(t *testing.T) {
			q := w.browser.otherTab(t, false)
			w.signIn(q, grace, "/account/keys")
			q.wantText(`[data-testid="no-keys"]`, "no API keys")
			q.openOK("/account/trusted-publishing")
			q.wantText(`[data-testid="no-policies"]`, "no trust policies")
			if owners := q.texts(`#policy-owner option`); !slices.Equal(owners, []string{"grace"}) {
				t.Errorf("grace may create policies for %q, want only herself", owners)
			}
			q.openOK("/account/organizations")
			q.wantText(`[data-testid="no-orgs"]`, "any organisation")
			q.openOK("/account/packages")
			q.wantText(`[data-testid="no-packages"]`, "own no packages")
			for _, path := range []string{"/organizations/contoso", "/account/trusted-publishing/" + policyID, "/packages/Contoso.Widget/manage"} {
				status := q.open(path)
				if status != http.StatusNotFound && status != http.StatusForbidden {
					t.Errorf("grace GET %s: status %d, want 404 or 403%s", path, status, q.where())
					continue
				}
				q.text(`[data-testid="error-message"]`)
				q.wantNone(`[data-testid="member-row"], [data-testid="policy"], [data-testid="manage-version"]`, "grace GET "+path)
			}
			// Forms posted with grace's own valid CSRF token: the session
			// is hers, so only the server's ownership checks stop them.
			q.openOK("/account/keys")
			for path, fields := range map[string]map[string]string{
				"/account/trusted-publishing/" + policyID + "/delete":   nil,
				"/packages/Contoso.Widget/manage/versions/1.1.0/listed": {"listed": "false"},
				"/organizations/contoso/members":                        {"user": "grace", "role": "admin"},
				"/account/trusted-publishing/" + policyID:               {"provider": "github", "owner": "contoso", "repository": "grace/evil", "workflow": "x.yml"},
				"/packages/Contoso.Widget/manage/owners":                {"account": "grace"},
				"/organizations/contoso/members/ada/remove":             nil,
				"/account/trusted-publishing/" + policyID + "/renew":    nil,
			} {
				if status := q.formPost(path, fields); status != http.StatusNotFound && status != http.StatusForbidden {
					t.Errorf("grace POST %s: status %d, want 404 or 403", path, status)
				}
			}
			// Creating a key or a policy for an organisation she is not in.
			for path, fields := range map[string]map[string]string{
				"/account/keys":               {"description": "mine now", "owner": "contoso", "expires_days": "7"},
				"/account/trusted-publishing": {"provider": "github", "owner": "contoso", "repository": "grace/evil", "workflow": "x.yml"},
			} {
				if status := q.formPost(path, fields); status < 400 || status > 404 {
					t.Errorf("grace POST %s for contoso: status %d, want 400, 403 or 404", path, status)
				}
			}
			q.openOK("/account/keys")
			q.wantNone(`[data-testid="key-row"]`, "grace's keys after posting a key for contoso")
			q.openOK("/account/trusted-publishing")
			q.wantNone(`[data-testid="policy"]`, "grace's policies after posting one for contoso")
			if !w.listed(t, "Contoso.Widget", "1.1.0") {
				t.Error("grace's post unlisted ada's package")
			}
			out, _ := w.wharfOK(t, "policy", "list", "--user", "ada")
			if !strings.Contains(out, "contoso/sdk") || !strings.Contains(out, "active") || strings.Contains(out, "grace/evil") {
				t.Errorf("ada's policy after grace's posts:\n%s", out)
			}
			if out, _ := w.wharfOK(t, "org", "member", "list", "contoso"); strings.Contains(out, "grace") || !strings.Contains(out, "ada") {
				t.Errorf("contoso's members after grace's posts:\n%s", out)
			}
		}},
		{"a package whose every field carries script runs none of it", alone, w.hostilePackageRunsNothing},
	}
	for _, s := range steps {
		stepStart := time.Now()
		ok := t.Run(s.name, s.run)
		t.Logf("%s: %v", s.name, time.Since(stepStart).Round(time.Millisecond))
		if !ok && s.gate {
			t.Fatalf("stopping after %q failed: the later steps build on it", s.name)
		}
	}
}

// snippetValue reads "key: value" from a workflow snippet.
func snippetValue(t *testing.T, snippet, key string) string {
	t.Helper()
	for line := range strings.Lines(snippet) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("the snippet has no %s:\n%s", key, snippet)
	return ""
}
