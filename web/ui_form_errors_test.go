// A refused form shows its sentence beside the field it is about, and
// sentences for people using the pages name no admin command.

package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestPolicyErrorBesideItsField: a policy refused for its environment or
// its repository shows the sentence right after that input, which is
// marked invalid and names the sentence as its description, and the top
// of the page links to the input; no other input is marked.
func TestPolicyErrorBesideItsField(t *testing.T) {
	f := newUIFeed(t, uiConfig{issuer: trusttest.NewIssuer(t)})
	alice := f.signedIn(t, "alice")
	const tp = "/account/trusted-publishing"
	for _, c := range []struct {
		form  url.Values
		input string
		says  string
	}{
		{url.Values{"provider": {"github"}, "owner": {"alice"}, "repository": {"alice/sdk"}, "workflow": {"ci.yml"},
			"environment": {strings.Repeat("e", 250)}}, "policy-environment", "environment is longer"},
		{url.Values{"provider": {"github"}, "owner": {"alice"}, "repository": {"not a repository"}, "workflow": {"ci.yml"}},
			"policy-repository", "is not a repository"},
	} {
		p := formPost(t, alice, tp, tp, c.form)
		if p.res.StatusCode != http.StatusBadRequest {
			t.Fatalf("refused policy: %s, want 400", p.res.Status)
		}
		errs := p.byTestID("form-error")
		if len(errs) != 1 || attr(errs[0], "id") != c.input+"-error" || !strings.Contains(textOf(errs[0]), c.says) {
			t.Errorf("the refused policy's errors: %d, the first with id %q, want one, %s-error, saying %q", len(errs), idOf(errs), c.input, c.says)
		}
		invalid := findAll(p.doc, func(n *html.Node) bool { return attr(n, "aria-invalid") == "true" })
		if len(invalid) != 1 || attr(invalid[0], "id") != c.input || !strings.Contains(attr(invalid[0], "aria-describedby"), c.input+"-error") {
			t.Errorf("inputs marked invalid: %d (first %q), want only %s, described by its error", len(invalid), idOf(invalid), c.input)
		}
		summary := p.byTestID("error-summary")
		if len(summary) != 1 || !strings.Contains(p.body, `href="#`+c.input+`"`) {
			t.Errorf("the top of the page has %d summaries, want one linking to #%s", len(summary), c.input)
		}
	}
}

// TestWebMessagesNameNoAdminCommand: inviting or granting a user who does
// not exist is refused with a sentence a person using the pages can act
// on, not one telling them to run "wharf user add".
func TestWebMessagesNameNoAdminCommand(t *testing.T) {
	f := newUIFeed(t, uiConfig{})
	alice := f.signedIn(t, "alice")
	if res := send(alice, "/account/organizations", url.Values{"name": {"contoso"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create contoso: %s", res.Status)
	}
	p := formPost(t, alice, "/organizations/contoso", "/organizations/contoso/members", url.Values{"user": {"nobody"}, "role": {"member"}})
	if p.res.StatusCode != http.StatusNotFound || !strings.Contains(p.reason(), "no user named 'nobody'") {
		t.Fatalf("inviting nobody: %s %q, want 404 saying there is no such user", p.res.Status, p.reason())
	}
	if strings.Contains(p.body, "wharf user") {
		t.Errorf("the page tells a web user to run an admin command: %q", p.reason())
	}
}

func idOf(ns []*html.Node) string {
	if len(ns) == 0 {
		return ""
	}
	return attr(ns[0], "id")
}
