package main

import (
	"html"
	"net/http"
	"net/url"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// ran is the script every payload runs: it marks the document and opens a
// dialog, either of which the test sees.
func ran(where string) string {
	return "document.documentElement.setAttribute('data-ran', '" + where + "'); alert('" + where + "')"
}

// hostilePackageRunsNothing is a step of TestBrowserUI: it opens, in a
// tab of its own, everything a package's author controls that the feed
// serves on its own origin (the pages, the .nuspec, the README, the
// registration) for a package whose every field carries script, and
// checks that none of it ran. The .nuspec is XML: a browser runs an XHTML
// <script> in it unless the answer's Content-Security-Policy forbids
// scripts, and the feed shares its origin with the signed-in UI.
func (w *browserWorld) hostilePackageRunsNothing(t *testing.T) {
	key := w.apiKey(t, "mallory")
	x := html.EscapeString
	w.mustPushHTTP(t, key, nugettest.Spec{
		ID: "Hostile.Lib", Version: "1.0.0",
		Description: "<script>" + ran("description") + "</script>",
		Title:       `<img src=x onerror="` + ran("title") + `">`,
		Readme: []byte("# Hostile\n\n<script>" + ran("readme") + "</script>\n\n<svg onload=\"" + ran("readme-svg") + "\"></svg>\n\n" +
			"<img src=x onerror=\"" + ran("readme-img") + "\">\n"),
		ExtraNuspecXML: `<x:script xmlns:x="http://www.w3.org/1999/xhtml">` + x(ran("nuspec")) + `</x:script>` +
			`<releaseNotes>` + x("<script>"+ran("release-notes")+"</script>") + `</releaseNotes>`,
	})
	p := w.browser.otherTab(t, false)
	for _, path := range []string{
		"/packages/Hostile.Lib",
		"/packages/Hostile.Lib/1.0.0",
		"/packages?q=" + url.QueryEscape("<script>"+ran("query")+"</script>"),
		"/v3/package/hostile.lib/1.0.0/hostile.lib.nuspec",
		"/v3/package/hostile.lib/1.0.0/readme",
		"/v3/registration/hostile.lib/1.0.0.json",
	} {
		if status := p.open(path); status != http.StatusOK {
			t.Errorf("GET %s: status %d", path, status)
		}
		if got := evaluate[string](p, "reading the page", `String(document.documentElement.getAttribute("data-ran"))`); got != "null" {
			t.Errorf("GET %s ran the script of the %s", path, got)
		}
	}
	if d := p.Dialogs(); len(d) != 0 {
		t.Errorf("the pages opened dialogs: %q", d)
	}
}
