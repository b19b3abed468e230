package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/trust"
)

// TestPolicyCardIssuerNoLongerTrusted: alice's bound policy names an issuer
// 'corp' that the settings no longer have; its URL is trusted now as
// ghes-1. Her card says the policy is inactive and why, the API answers
// the same, a token from that URL is refused with the generic answer,
// the edit form offers the kept issuer first (saving it unchanged keeps
// the policy inactive), and choosing ghes-1, the same URL, makes it active
// again with its binding, without a rebind.
func TestPolicyCardIssuerNoLongerTrusted(t *testing.T) {
	f, _, second := twoIssuerFeed(t)
	alice := f.signedIn(t, "alice")
	acct := f.account("alice")
	now := f.clock.Now()
	p := &trust.Policy{Name: "sdk release", Provider: trust.GitHub, Issuer: second.URL, IssuerName: "corp", CreatedBy: acct.ID, OwnerID: acct.ID,
		RepoOwner: "contoso", Repository: "sdk", RepoOwnerID: "654321", RepositoryID: "123456", Workflow: "release.yml",
		CreatedAt: now, PendingSince: now, BoundAt: &now}
	if err := f.feed.db.CreatePolicy(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	why := "its issuer 'corp' is no longer in this server's trusted issuers; its URL " + second.URL + " is now named 'ghes-1'"

	page := alice.get("/account/trusted-publishing")
	if got := strings.Join(page.texts("policy-reason"), " "); !strings.Contains(got, "Inactive: "+why) {
		t.Errorf("card reason %q, want it to say %q", got, why)
	}
	if got := strings.Join(page.texts("policy-issuer"), " "); !strings.Contains(got, "'corp', no longer trusted") {
		t.Errorf("card issuer %q", got)
	}
	if got := f.onlyPolicy("alice"); got.Status.State != "inactive" || !strings.HasPrefix(got.Status.Reason, why) {
		t.Errorf("status %+v", got.Status)
	}
	if res, body := f.exchange(f.ciToken(second, "prod", "654321", "123456"), "alice"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("exchange on the policy of an issuer no longer trusted: %s %v, want 401", res.Status, body)
	}

	path := "/account/trusted-publishing/" + strconv.FormatInt(p.ID, 10)
	edit := alice.get(path)
	form := edit.formValues("policy-form")
	if form.Get("issuer") != second.URL {
		t.Errorf("the edit form's issuer is %q, want the kept URL %s", form.Get("issuer"), second.URL)
	}
	if res := alice.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the form unchanged: %s", res.Status)
	}
	if got := f.onlyPolicy("alice"); got.Status.State != "inactive" || got.IssuerName != "corp" || got.RepositoryID != "123456" {
		t.Errorf("after saving unchanged: %+v", got.Policy)
	}
	form.Set("issuer", "ghes-1")
	if res := alice.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("choosing ghes-1: %s", res.Status)
	}
	if got := f.onlyPolicy("alice"); got.Status.State != "active" || got.IssuerName != "ghes-1" || got.RepositoryID != "123456" {
		t.Errorf("after choosing ghes-1 (same URL): %s, %q, repository ID %q; want active on ghes-1 with its binding", got.Status.State, got.IssuerName, got.RepositoryID)
	}
}
