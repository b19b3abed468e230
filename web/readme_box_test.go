// A README cannot change anything outside its own box on the package
// page: unbalanced markup in it is closed inside the box.

package web_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
)

// unbalancedReadmes open elements they never close, or close elements
// they never opened, each followed by a forged owner and version list.
var unbalancedReadmes = []struct{ name, md string }{
	{"unclosed table", "<table><tr><td>cell\n\n"},
	{"unclosed details", "<details><summary>More</summary>\n\nhidden\n\n"},
	{"unclosed div and list", "<div><ul><li>item\n\n"},
	{"unclosed blockquote and pre", "<blockquote><pre>\n\n"},
	{"unclosed link", `<a href="https://example.com/">link` + "\n\n"},
	{"stray end tags", "</div></section></div></main>\n\n"},
	{"unclosed table cell in a list", "- <table><tr><td>\n\n"},
}

const forgedOwners = "<p>Owners <a href=\"https://evil.example/microsoft\">Microsoft</a></p>\n\n" +
	"<table><tr><td>9.9.9</td><td>Latest</td></tr>"

func TestReadmeCannotEscapeItsBox(t *testing.T) {
	f := newPackagesFeed(t)
	b := f.anonymous(t)
	for i, tc := range unbalancedReadmes {
		t.Run(tc.name, func(t *testing.T) {
			id := "Unbalanced.Readme" + string(rune('A'+i))
			f.mustPush(nugettest.Spec{ID: id, Version: "1.0.0", Readme: []byte(tc.md + forgedOwners)})
			p := b.getOK("/packages/" + id)
			boxes := p.byTestID("readme")
			if len(boxes) != 1 {
				t.Fatalf("%d README boxes", len(boxes))
			}
			box := boxes[0]
			if !strings.Contains(textOf(box), "Microsoft") {
				t.Errorf("the forged owner is not in the README box: %q", textOf(box))
			}
			for _, hook := range []string{"owner", "versions", "download", "dependencies"} {
				for _, n := range p.byTestID(hook) {
					if within(n, box) {
						t.Errorf("the page's %s is inside the README box", hook)
					}
				}
			}
			if len(p.byTestID("owner")) != 1 || len(p.byTestID("versions")) != 1 {
				t.Errorf("the page shows %d owners and %d version lists, want 1 and 1", len(p.byTestID("owner")), len(p.byTestID("versions")))
			}
			// The box ends where the README section does: the next
			// element after it is not README content.
			if box.Parent == nil || box.Parent.Data != "section" {
				t.Errorf("the README box sits in <%s>, want the README <section>", box.Parent.Data)
			}
		})
	}
}

// within reports whether n is box or inside it.
func within(n, box *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n == box {
			return true
		}
	}
	return false
}
