// The issuer of a trust policy when the server trusts two issuers of one
// provider (github.com and a GitHub Enterprise Server): the forms choose
// and show it, an edit never moves a policy to another issuer, and a
// binding is dropped only by a confirmed change of repository or issuer.

package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// twoIssuerFeed is a UI feed trusting two GitHub issuers: first (as
// github.com) and second (as a GitHub Enterprise Server).
func twoIssuerFeed(t *testing.T) (f *uiFeed, first, second *trusttest.Issuer) {
	first, second = trusttest.NewIssuer(t), trusttest.NewIssuer(t)
	return newUIFeed(t, uiConfig{issuer: first, moreIssuers: []*trusttest.Issuer{second}}), first, second
}

// ciToken is a GitHub Actions token of iss for contoso/sdk's release.yml
// in environment env, from the repository with the given owner and
// repository IDs, for the feed's audience.
func (f *uiFeed) ciToken(iss *trusttest.Issuer, env, ownerID, repoID string) string {
	return iss.Token(trusttest.With(trusttest.GitHubClaims(iss.URL, f.srv.URL, f.clock.Now()),
		"environment", env, "sub", "repo:contoso/sdk:environment:"+env,
		"repository_owner_id", ownerID, "repository_id", repoID))
}

// formValues is what a browser sends for the form with a data-testid as
// the page shows it: its inputs (checkboxes only when checked) and the
// selected option of each select (the first when none is).
func (p *page) formValues(testID string) url.Values {
	v := url.Values{}
	for _, form := range p.byTestID(testID) {
		for _, n := range findAll(form, func(n *html.Node) bool { return n.Data == "input" || n.Data == "select" }) {
			name := attr(n, "name")
			if name == "" {
				continue
			}
			if n.Data == "select" {
				opts := findAll(n, func(o *html.Node) bool { return o.Data == "option" })
				for i, o := range opts {
					if hasAttr(o, "selected") || (i == 0 && !anySelected(opts)) {
						v.Set(name, attr(o, "value"))
					}
				}
				continue
			}
			if attr(n, "type") == "checkbox" && !hasAttr(n, "checked") {
				continue
			}
			v.Set(name, attr(n, "value"))
		}
	}
	return v
}

func anySelected(opts []*html.Node) bool {
	for _, o := range opts {
		if hasAttr(o, "selected") {
			return true
		}
	}
	return false
}

// onlyPolicy returns the user's one trust policy.
func (f *uiFeed) onlyPolicy(user string) registry.PolicyView {
	f.t.Helper()
	ps, err := f.reg.Policies(context.Background(), user)
	if err != nil || len(ps) != 1 {
		f.t.Fatalf("policies of %s: %d (%v), want 1", user, len(ps), err)
	}
	return ps[0]
}

// TestPolicyEditKeepsIssuerAndBinding: alice's policy trusts the second
// issuer and is bound to her repository's IDs there. Changing only its
// environment in the web form keeps both, so a stranger who owns a
// repository of the same name on the first issuer is refused.
func TestPolicyEditKeepsIssuerAndBinding(t *testing.T) {
	f, first, second := twoIssuerFeed(t)
	alice := f.signedIn(t, "alice")
	if _, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.GitHub, Issuer: second.URL,
		Repository: "contoso/sdk", Workflow: "release.yml", Environment: "prod"}); err != nil {
		t.Fatal(err)
	}
	if res, out := f.exchange(f.ciToken(second, "prod", "654321", "123456"), "alice"); res.StatusCode != http.StatusOK {
		t.Fatalf("binding exchange: %s %v", res.Status, out)
	}
	p := f.onlyPolicy("alice")
	edit := alice.get("/account/trusted-publishing/" + strconv.FormatInt(p.ID, 10))
	if !strings.Contains(edit.testIDText("policy-issuer"), second.URL) {
		t.Errorf("the edit page does not show the policy's issuer %s: %q", second.URL, edit.testIDText("policy-issuer"))
	}
	form := edit.formValues("policy-form")
	form.Set("environment", "release")
	if res := alice.post(edit.res.Request.URL.Path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving an environment-only edit: %s", res.Status)
	}
	after := f.onlyPolicy("alice")
	if after.Issuer != second.URL || after.RepoOwnerID != "654321" || after.RepositoryID != "123456" || after.Status.State != "active" {
		t.Errorf("after an environment-only edit: issuer %s, IDs %q/%q, %s; want %s, 654321/123456, active",
			after.Issuer, after.RepoOwnerID, after.RepositoryID, after.Status.State, second.URL)
	}
	if res, out := f.exchange(f.ciToken(first, "release", "999", "888"), "alice"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a stranger's contoso/sdk on the other issuer exchanged: %s %v, want 401", res.Status, out)
	}
	if res, out := f.exchange(f.ciToken(second, "release", "654321", "123456"), "alice"); res.StatusCode != http.StatusOK {
		t.Errorf("alice's own job after the edit: %s %v", res.Status, out)
	}
	list := alice.get("/account/trusted-publishing")
	if got := list.testIDText("policy-issuer"); !strings.Contains(got, second.URL) {
		t.Errorf("the policy list does not show the issuer: %q", got)
	}
}

// TestPolicyRebindNeedsConfirmation: a change of repository or issuer in
// the web form is refused with a sentence unless its box is checked, and
// then drops the binding (the policy is pending again).
func TestPolicyRebindNeedsConfirmation(t *testing.T) {
	f, first, second := twoIssuerFeed(t)
	alice := f.signedIn(t, "alice")
	if _, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.GitHub, Issuer: second.URL,
		Repository: "contoso/sdk", Workflow: "release.yml", RepoOwnerID: "654321", RepositoryID: "123456"}); err != nil {
		t.Fatal(err)
	}
	p := f.onlyPolicy("alice")
	path := "/account/trusted-publishing/" + strconv.FormatInt(p.ID, 10)
	for _, change := range []struct{ field, value string }{{"repository", "contoso/other"}, {"issuer", first.URL}} {
		edit := alice.get(path)
		form := edit.formValues("policy-form")
		form.Set(change.field, change.value)
		form.Del("confirm_rebind")
		res := alice.postWith(path, form.Encode(), nil)
		if res.res.StatusCode != http.StatusBadRequest || !strings.Contains(res.reason(), "binding") {
			t.Errorf("changing the %s without confirming: %s %q, want 400 saying the binding is dropped", change.field, res.res.Status, res.reason())
		}
		if got := f.onlyPolicy("alice"); got.Issuer != second.URL || got.RepositoryID != "123456" || got.Repository != "sdk" {
			t.Fatalf("a refused change of the %s changed the policy: %+v", change.field, got.Policy)
		}
	}
	form := alice.get(path).formValues("policy-form")
	form.Set("issuer", first.URL)
	form.Set("confirm_rebind", "yes")
	if res := alice.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a confirmed change of issuer: %s", res.Status)
	}
	if got := f.onlyPolicy("alice"); got.Issuer != first.URL || got.RepositoryID != "" || got.Status.State != "pending" {
		t.Errorf("after a confirmed change of issuer: %s, repository ID %q, %s; want %s, none, pending", got.Issuer, got.RepositoryID, got.Status.State, first.URL)
	}
}

// TestPolicyCreateChoosesIssuer: with two issuers of one provider the
// create form offers both and creates the policy on the one chosen; a
// request that names none is refused with a sentence instead of picking one.
func TestPolicyCreateChoosesIssuer(t *testing.T) {
	f, _, second := twoIssuerFeed(t)
	alice := f.signedIn(t, "alice")
	page := alice.get("/account/trusted-publishing")
	var offered []string
	for _, n := range findAll(page.doc, func(n *html.Node) bool { return n.Data == "select" && attr(n, "name") == "issuer" }) {
		for _, o := range findAll(n, func(o *html.Node) bool { return o.Data == "option" }) {
			offered = append(offered, attr(o, "value"))
		}
	}
	if strings.Join(offered, " ") != "github ghes-1" {
		t.Errorf("the create form offers issuers %v, want both by name", offered)
	}
	form := page.formValues("policy-form")
	form.Set("issuer", "ghes-1")
	form.Set("repository", "contoso/sdk")
	form.Set("workflow", "release.yml")
	if res := alice.post("/account/trusted-publishing", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("creating a policy on the second issuer: %s", res.Status)
	}
	if got := f.onlyPolicy("alice"); got.Issuer != second.URL || got.IssuerName != "ghes-1" {
		t.Errorf("the policy trusts %s (%q), want the chosen %s (ghes-1)", got.Issuer, got.IssuerName, second.URL)
	}
	_, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.GitHub, Repository: "contoso/lib", Workflow: "release.yml"})
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(registry.Message(err), "ghes-1 ("+second.URL+")") {
		t.Errorf("a policy naming no issuer of two: %v, want a refusal naming the issuers", err)
	}
}

// TestPolicyWithoutProviderOrIssuer: a request that names neither provider
// nor issuer (an API body or a policy file without them) takes the
// server's only trusted issuer whatever its kind, where it used to be
// refused as a GitHub policy on a GitLab-only server; with two GitHub
// issuers it is refused with the names to choose from.
func TestPolicyWithoutProviderOrIssuer(t *testing.T) {
	gitlab := trusttest.NewIssuer(t)
	f := newUIFeed(t, uiConfig{issuer: gitlab, provider: trust.GitLab})
	f.addUser("alice")
	v, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Repository: "contoso/sdk"})
	if err != nil || v.Provider != trust.GitLab || v.Issuer != gitlab.URL {
		t.Errorf("on a server trusting one GitLab issuer: %+v, %v; want a GitLab policy on %s", v, err, gitlab.URL)
	}

	two, _, second := twoIssuerFeed(t)
	two.addUser("alice")
	_, err = two.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(registry.Message(err), "Name the policy's issuer: this server trusts github (") ||
		!strings.Contains(registry.Message(err), "ghes-1 ("+second.URL+")") {
		t.Errorf("naming no issuer of two GitHub issuers: %v, want a refusal naming both", err)
	}
}
