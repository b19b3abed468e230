// Helpers for the browser tests in browser_test.go: finding Debian's
// Chromium, driving it with chromedp (one tab per person, every step
// bounded in time), reading the page through selectors, saving
// screenshots as artefacts, and the HTTP calls a CI job or NuGet client
// would make beside the browser.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/testenv"
)

const (
	browserStartTimeout = 20 * time.Second // Chromium must start and open a tab within this
	stepTimeout         = 10 * time.Second // one page load, click or read; a hang fails here
)

// chromiumPath finds Chromium: $WHARF_CHROMIUM, else /usr/bin/chromium,
// else chromium on PATH. Without it the test is skipped, except in CI,
// where the browser tests must run.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WHARF_CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("WHARF_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("CI is set but Chromium was not found (WHARF_CHROMIUM, /usr/bin/chromium, chromium on PATH): " +
			"CI must run the browser tests. .ci/run installs Debian's chromium package.")
	}
	t.Skip("skipping the browser tests: Chromium is not installed. Install Debian's chromium package " +
		"(apt-get install chromium; .ci/run does it) or set WHARF_CHROMIUM to a Chromium or Chrome binary.")
	return ""
}

// artifactsDir is where screenshots go: $WHARF_ARTIFACTS/browser (.ci/run
// sets .ci/artifacts), else a temporary directory of the test.
func artifactsDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("WHARF_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("WHARF_ARTIFACTS: %v", err)
	}
	return dir
}

// startWharf runs "wharf serve" with extra environment for the browser
// tests, which need no NuGet client.
func startWharf(t *testing.T, env []string) *e2e { return startWharfIn(t, "", env...) }

// browser is one headless Chromium for a test, with a fresh profile.
type browser struct {
	ctx       context.Context // the first tab's chromedp context; new tabs derive from it
	base      string          // the wharf server, http://127.0.0.1:PORT
	artifacts string
	out       *testenv.Buffer // Chromium's own output, shown when the test fails
}

// newBrowser starts Chromium with the flags this sandboxed, offline
// machine needs; it is stopped when the test ends.
func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	b := &browser{base: base, artifacts: artifactsDir(t), out: &testenv.Buffer{}}
	profile := t.TempDir() // removed after the browser stops (cleanups run last-in first-out)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(b.out),
		// Chromium refuses to run as root with its sandbox, and without
		// root it needs user namespaces or Debian's setuid helper, which
		// CI machines may lack; the pages it opens are the test's own.
		chromedp.NoSandbox,
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
		if t.Failed() {
			t.Logf("chromium output:\n%s", b.out.String())
		}
	})
	if err := firstRun(ctx, browserStartTimeout); err != nil {
		t.Fatalf("starting %s: %v\n%s", exe, err, b.out.String())
	}
	// Let the test read the clipboard, to check the copy buttons; writing
	// needs no permission.
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
		Permission: &cdpbrowser.PermissionDescriptor{Name: "clipboard-read"}, Setting: cdpbrowser.PermissionSettingGranted, Origin: base,
	}); err != nil {
		t.Fatalf("granting clipboard-read: %v", err)
	}
	b.ctx = ctx
	return b
}

// firstRun makes the context's browser and tab. chromedp binds their life
// to the context of this first run, which must therefore have no deadline:
// the wait is bounded by a timer instead.
func firstRun(ctx context.Context, limit time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		return fmt.Errorf("no answer within %v", limit)
	}
}

// tab is one browser tab, as one person uses it.
type tab struct {
	t       *testing.T
	b       *browser
	ctx     context.Context
	mu      sync.Mutex
	dialogs []string // messages of the dialogs the tab showed (all accepted)
}

// firstTab is the browser's first tab; otherTab opens a tab in a new
// browser context, with cookies of its own, as another person's browser.
func (b *browser) firstTab(t *testing.T) *tab { return b.watch(t, b.ctx) }

func (b *browser) otherTab(t *testing.T, sharedCookies bool) *tab {
	t.Helper()
	var opts []chromedp.ContextOption
	if !sharedCookies {
		opts = append(opts, chromedp.WithNewBrowserContext())
	}
	ctx, cancel := chromedp.NewContext(b.ctx, opts...)
	t.Cleanup(cancel)
	if err := firstRun(ctx, stepTimeout); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return b.watch(t, ctx)
}

// watch accepts every JavaScript dialog of the tab, as a person clicking
// OK, and records its message.
func (b *browser) watch(t *testing.T, ctx context.Context) *tab {
	p := &tab{t: t, b: b, ctx: ctx}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			p.mu.Lock()
			p.dialogs = append(p.dialogs, ev.Message)
			p.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return p
}

// Dialogs returns the messages of the dialogs shown so far.
func (p *tab) Dialogs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// step runs actions with the step timeout, failing the test with what
// and where on error.
func (p *tab) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v%s", what, err, p.where())
	}
}

// navigation runs actions that load a page and returns its HTTP status.
func (p *tab) navigation(what string, actions ...chromedp.Action[chromedp.Void]) int {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		p.t.Fatalf("%s: %v%s", what, err, p.where())
	}
	return int(resp.Status)
}

// open loads a path of the server and returns the status of the page the
// browser ends on (after redirects).
func (p *tab) open(path string) int {
	p.t.Helper()
	return p.navigation("opening "+path, chromedp.Navigate(p.b.base+path))
}

// openOK loads a path and requires status 200.
func (p *tab) openOK(path string) {
	p.t.Helper()
	if status := p.open(path); status != http.StatusOK {
		p.t.Fatalf("GET %s: status %d, want 200%s", path, status, p.where())
	}
}

// click clicks the first element matching the CSS selector and waits for
// the page it leads to; it returns that page's status.
func (p *tab) click(sel string) int {
	p.t.Helper()
	return p.navigation("clicking "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// clickHere clicks an element that changes the page without loading
// another (a disclosure, a copy button).
func (p *tab) clickHere(sel string) {
	p.t.Helper()
	p.step("clicking "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// fill types into a text field after clearing it, as a person does.
func (p *tab) fill(sel, text string) {
	p.t.Helper()
	p.step("typing into "+sel, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// choose selects an option of a <select> by its value.
func (p *tab) choose(sel, value string) {
	p.t.Helper()
	p.step("choosing "+value+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// submit fills a form's fields, given as selector, value pairs (a <select>
// is set to the option with that value, a text field is typed into), then
// clicks its submit button and returns the status of the page it leads to.
func (p *tab) submit(form string, fields ...string) int {
	p.t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		sel, v := fields[i], fields[i+1]
		if evaluate[string](p, "finding "+sel, fmt.Sprintf(`document.querySelector(%s).tagName`, jsString(sel))) == "SELECT" {
			p.choose(sel, v)
		} else {
			p.fill(sel, v)
		}
	}
	return p.click(form + ` button[type="submit"]`)
}

// evaluate runs a JavaScript expression in the page and decodes its value.
func evaluate[T any](p *tab, what, js string, opts ...chromedp.EvaluateOption) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, opts...))
	if err != nil {
		p.t.Fatalf("%s: %v%s", what, err, p.where())
	}
	return v
}

// texts returns the visible text of every element matching the CSS
// selector, trimmed; none is an empty slice.
func (p *tab) texts(sel string) []string {
	p.t.Helper()
	return evaluate[[]string](p, "reading "+sel,
		fmt.Sprintf(`Array.from(document.querySelectorAll(%s), e => (e.innerText || e.textContent).trim())`, jsString(sel)))
}

// text returns the visible text of the one element matching the selector.
func (p *tab) text(sel string) string {
	p.t.Helper()
	got := p.texts(sel)
	if len(got) != 1 {
		p.t.Fatalf("%d elements match %s, want 1: %q%s", len(got), sel, got, p.where())
	}
	return got[0]
}

// count is the number of elements matching the selector.
func (p *tab) count(sel string) int {
	p.t.Helper()
	return len(p.texts(sel))
}

// attr returns an attribute of the first element matching the selector
// ("" when it has none).
func (p *tab) attr(sel, name string) string {
	p.t.Helper()
	v := evaluate[*string](p, "reading "+name+" of "+sel,
		fmt.Sprintf(`(e => e ? (e.getAttribute(%s) || "") : null)(document.querySelector(%s))`, jsString(name), jsString(sel)))
	if v == nil {
		p.t.Fatalf("no element matches %s%s", sel, p.where())
	}
	return *v
}

// value returns the value of a form field.
func (p *tab) value(sel string) string {
	p.t.Helper()
	return evaluate[string](p, "reading the value of "+sel, fmt.Sprintf(`document.querySelector(%s).value`, jsString(sel)))
}

// cookie returns the browser's cookie for the server with this name, or
// nil; page scripts cannot read HTTP-only cookies, the test can.
func (p *tab) cookie(name string) *network.Cookie {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{p.b.base + "/"}})
	if err != nil {
		p.t.Fatalf("reading cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// clipboard is the text on the browser's clipboard.
func (p *tab) clipboard() string {
	p.t.Helper()
	return evaluate[string](p, "reading the clipboard", `navigator.clipboard.readText()`, chromedp.EvalAwaitPromise)
}

// path is the page's path and query.
func (p *tab) path() string {
	p.t.Helper()
	return evaluate[string](p, "reading the location", `location.pathname + location.search`)
}

// wantText requires the one element matching sel to contain every want.
func (p *tab) wantText(sel string, want ...string) string {
	p.t.Helper()
	got := p.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			p.t.Errorf("%s says %q, want it to contain %q%s", sel, got, w, p.where())
		}
	}
	return got
}

// wantNone requires that no element matches sel.
func (p *tab) wantNone(sel, why string) {
	p.t.Helper()
	if got := p.texts(sel); len(got) != 0 {
		p.t.Errorf("%s: %d elements match %s: %q%s", why, len(got), sel, got, p.where())
	}
}

// waitAttr waits until the first element matching sel has attribute
// name=value (a script's reaction to a click).
func (p *tab) waitAttr(sel, name, value string) {
	p.t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%s) || {getAttribute: () => null}).getAttribute(%s) === %s`, jsString(sel), jsString(name), jsString(value))
	p.step(fmt.Sprintf("waiting for %s to get %s=%q", sel, name, value),
		func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Poll[bool](js, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second))(ctx, t)
			return chromedp.Void{}, err
		})
}

// screenshot saves a full-page PNG as name.png in the artefacts directory.
func (p *tab) screenshot(name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatalf("screenshot %s: %v%s", name, err, p.where())
	}
	file := filepath.Join(p.b.artifacts, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// phone emulates a 390×844 phone screen (on) or restores the desktop.
func (p *tab) phone(on bool) {
	p.t.Helper()
	if on {
		p.step("emulating a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulatePortrait, chromedp.EmulateScale(3)))
	} else {
		p.step("restoring the desktop viewport", chromedp.ResetViewport())
	}
}

// overflowing names the elements that cannot be narrower than width CSS
// pixels (their min-content width is larger: unbreakable text, a table),
// which is what makes a page scroll sideways, for a failure message.
func (p *tab) overflowing(width int) []string {
	p.t.Helper()
	return evaluate[[]string](p, "finding wide elements", fmt.Sprintf(`(() => {
		const name = e => e.tagName.toLowerCase() + (e.dataset.testid ? "[data-testid=" + e.dataset.testid + "]" : "") +
			(e.className && typeof e.className === "string" ? "." + e.className.trim().split(/\s+/).join(".") : "");
		const wide = [];
		for (const e of document.querySelectorAll("main *")) {
			if (e.getBoundingClientRect().width <= %[1]d) continue;
			const old = e.style.width;
			e.style.width = "min-content";
			const min = e.getBoundingClientRect().width;
			e.style.width = old;
			if (min > %[1]d) wide.push({e, min});
		}
		return wide.filter(w => !wide.some(o => o.e !== w.e && w.e.contains(o.e))).slice(0, 5)
			.map(w => name(w.e.parentElement) + " > " + name(w.e) + " (" + Math.round(w.min) + "px)");
	})()`, width))
}

// disableScript turns JavaScript off in the tab, as a person who blocks
// scripts has it; pages loaded from now on run none.
func (p *tab) disableScript() {
	p.t.Helper()
	p.step("disabling JavaScript", func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	})
}

// where describes the tab's page for failure messages: its address and
// the start of its main content.
func (p *tab) where() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	main, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("main") || document.body || {innerText: ""}).innerText`))
	if err != nil {
		return fmt.Sprintf("\n(page %s)", loc)
	}
	if len(main) > 600 {
		main = main[:600] + "…"
	}
	return fmt.Sprintf("\n(page %s, which says:\n%s)", loc, main)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// pushHTTP pushes a package built from spec with an API key, as NuGet
// clients do (multipart PUT), and returns the status and the reason.
func (e *e2e) pushHTTP(t *testing.T, key string, spec nugettest.Spec) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("package", "package.nupkg")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(spec.Build())
	mw.Close()
	req, err := http.NewRequest(http.MethodPut, e.resource(t, "PackagePublish/2.0.0"), &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-NuGet-ApiKey", key)
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("push %s %s: %v%s", spec.ID, spec.Version, err, e.serverGone())
	}
	defer resp.Body.Close()
	reason, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, fmt.Sprintf("%s; X-NuGet-Warning %q; %s", resp.Status, resp.Header.Get("X-NuGet-Warning"), reason)
}

// formPost submits a form from the page's own script, with the page's CSRF
// token, as a forged or replayed form would be; it returns the status.
func (p *tab) formPost(path string, fields map[string]string) int {
	p.t.Helper()
	b, _ := json.Marshal(fields)
	js := fmt.Sprintf(`(async () => {
		const f = new URLSearchParams(%s);
		f.set("_csrf", document.querySelector("input[name=_csrf]").value);
		const r = await fetch(%s, {method: "POST", body: f, redirect: "manual"});
		return r.type === "opaqueredirect" ? 303 : r.status;
	})()`, b, jsString(path))
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("POST %s from the page: %v%s", path, err, p.where())
	}
	return status
}
