package main

import (
	"fmt"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// TestBrowserReadmeStaysInItsBox opens, in Chromium, package pages whose
// READMEs leave elements open (a table, a details, a div in a list) or
// close elements of the page, each followed by a forged owner, and checks
// in the live DOM that the page's own owners, versions and download link
// are outside the README box and visible, and the forgery inside it.
func TestBrowserReadmeStaysInItsBox(t *testing.T) {
	chromiumPath(t)
	e := startWharf(t, nil)
	key := e.apiKey(t, "mallory")
	p := newBrowser(t, e.base).firstTab(t)
	for i, md := range []string{
		"<table><tr><td>cell\n\n",
		"<details><summary>More</summary>\n\nhidden\n\n",
		"<div><ul><li>item\n\n",
		"</div></section></div></main>\n\n",
		"- <table><tr><td>\n\n",
	} {
		id := fmt.Sprintf("Unbalanced.Readme%d", i)
		e.mustPushHTTP(t, key, nugettest.Spec{ID: id, Version: "1.0.0", Readme: []byte(md +
			"<p>Owners <a href=\"https://evil.example/microsoft\">Microsoft</a></p>\n\n<table><tr><td>9.9.9</td></tr>")})
		p.openOK("/packages/" + id)
		escaped := evaluate[[]string](p, "checking the README box", `(() => {
			const box = document.querySelector('[data-testid="readme"]');
			if (!box) return ["no README box"];
			const out = [];
			if (!box.textContent.includes("Microsoft")) out.push("the forged owner is outside the README box");
			for (const hook of ["owner", "versions", "download", "package-title"]) {
				const els = document.querySelectorAll('[data-testid="' + hook + '"]');
				if (els.length !== 1) out.push(els.length + " elements " + hook);
				for (const el of els) {
					if (box.contains(el)) out.push(hook + " is inside the README box");
					if (!el.checkVisibility()) out.push(hook + " is not visible");
				}
			}
			return out;
		})()`)
		if len(escaped) != 0 {
			t.Errorf("README %q: %q", md, escaped)
		}
	}
}
