package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is the text of axe-core's axe.min.js, read once: from
// $WHARF_AXE_JS, else from .ci/cache/node_modules/axe-core (where .ci/run
// installs the npm package axe-core). Without it the accessibility checks
// are skipped, except in CI, where they must run.
var axeSource = sync.OnceValues(func() (string, string) {
	path := os.Getenv("WHARF_AXE_JS")
	if path == "" {
		path = filepath.Join("..", "..", ".ci", "cache", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", path + ": " + err.Error()
	}
	return string(b), ""
})

// needAxe returns axe-core's source, or skips the test (fails it in CI)
// with how to get it.
func needAxe(t *testing.T) string {
	t.Helper()
	src, why := axeSource()
	if src != "" {
		return src
	}
	const how = "install it with `cd .ci/cache && npm install --no-save axe-core@4.14.1` (.ci/run does it) " +
		"or set WHARF_AXE_JS to an axe.min.js"
	if os.Getenv("CI") != "" {
		t.Fatalf("CI is set but axe-core was not found (%s): CI must run the accessibility checks; %s", why, how)
	}
	t.Skipf("skipping the accessibility checks: axe-core was not found (%s); %s", why, how)
	return ""
}

// axeViolation is one rule axe-core found broken, with the first few
// elements that break it.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

func (v axeViolation) String() string {
	return v.Impact + " " + v.ID + " (" + v.Help + "): " + strings.Join(v.Nodes, "; ")
}

// axe injects axe-core into the tab's page through the DevTools protocol
// (the page's Content-Security-Policy does not apply to it, and the page
// itself loads no third-party script) and returns every violation of its
// default rules: WCAG 2.x A and AA, and its best practices.
func (p *tab) axe(src string) []axeViolation {
	p.t.Helper()
	if !evaluate[bool](p, "looking for axe-core", `typeof window.axe === "object"`) {
		evaluate[bool](p, "injecting axe-core", src+"\n;true")
	}
	return evaluate[[]axeViolation](p, "running axe-core", `axe.run(document, {resultTypes: ["violations"]}).then(r =>
		r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help,
			nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " "))})))`,
		chromedp.EvalAwaitPromise)
}
