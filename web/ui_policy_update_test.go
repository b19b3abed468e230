// Updates of a trust policy that must not widen what it trusts without a
// confirmation: a bound owner/* policy whose edit form has no owner-ID
// field.

package web_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TestPolicyEditKeepsAnyRepoBinding: alice's read-only contoso/* policy is
// bound to contoso's owner ID. An environment-only edit in the form (which
// has no owner-ID field) keeps the binding, with or without the box ticked;
// a confirmed change of issuer ten days later leaves it pending with a
// full window from now, not an expired one from its creation.
func TestPolicyEditKeepsAnyRepoBinding(t *testing.T) {
	f, first, second := twoIssuerFeed(t)
	alice := f.signedIn(t, "alice")
	if _, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.GitHub, Issuer: second.URL,
		Repository: "contoso/*", RepoOwnerID: "654321", ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	path := "/account/trusted-publishing/" + strconv.FormatInt(f.onlyPolicy("alice").ID, 10)
	form := alice.get(path).formValues("policy-form")
	form.Del("confirm_rebind")
	form.Set("environment", "release")
	if res := alice.postWith(path, form.Encode(), nil); res.res.StatusCode != http.StatusSeeOther {
		t.Fatalf("an environment-only edit of a bound owner/* policy: %s %q, want 303", res.res.Status, res.reason())
	}
	if got := f.onlyPolicy("alice"); got.RepoOwnerID != "654321" || got.Environment != "release" || got.Status.State != "active" {
		t.Fatalf("after an environment-only edit: owner ID %q, environment %q, %s; want 654321, release, active", got.RepoOwnerID, got.Environment, got.Status.State)
	}
	f.clock.Advance(10 * 24 * time.Hour)
	alice = f.signedIn(t, "alice") // the first session has expired
	form = alice.get(path).formValues("policy-form")
	form.Set("environment", "prod")
	form.Set("confirm_rebind", "yes")
	if res := alice.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("an environment-only edit with the box ticked: %s", res.Status)
	}
	if got := f.onlyPolicy("alice"); got.RepoOwnerID != "654321" || got.Status.State != "active" {
		t.Fatalf("an environment-only edit with the box ticked: owner ID %q, %s; want 654321, active", got.RepoOwnerID, got.Status.State)
	}
	form = alice.get(path).formValues("policy-form")
	form.Set("issuer", first.URL)
	form.Set("confirm_rebind", "yes")
	if res := alice.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a confirmed change of issuer: %s", res.Status)
	}
	if got := f.onlyPolicy("alice"); got.RepoOwnerID != "" || got.Status.State != "pending" || got.Status.DaysLeft != 7 {
		t.Errorf("after a confirmed rebind: owner ID %q, %s with %d days left; want none, pending with 7", got.RepoOwnerID, got.Status.State, got.Status.DaysLeft)
	}
}
