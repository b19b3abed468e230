// Updates of a trust policy that must not widen what it trusts without a
// confirmation: a read-only policy turned into a push policy, and a bound
// owner/* policy whose edit form has no owner-ID field.

package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TestPolicyEditReadOnlyToPushNeedsConfirmation: alice's bound, active
// read-only policy for contoso/sdk's ci.yml. A form edit that unticks
// read-only is refused with a sentence saying every matching job would
// publish, and leaves the policy read-only; ticking the confirmation box
// makes it a push policy.
func TestPolicyEditReadOnlyToPushNeedsConfirmation(t *testing.T) {
	f, first, _ := twoIssuerFeed(t)
	alice := f.signedIn(t, "alice")
	if _, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.GitHub, Issuer: first.URL,
		Repository: "contoso/sdk", Workflow: "ci.yml", RepoOwnerID: "654321", RepositoryID: "123456", ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	path := "/account/trusted-publishing/" + strconv.FormatInt(f.onlyPolicy("alice").ID, 10)
	form := alice.get(path).formValues("policy-form")
	form.Del("read_only")
	form.Del("confirm_rebind")
	form.Set("environment", "x")
	res := alice.postWith(path, form.Encode(), nil)
	if res.res.StatusCode != http.StatusBadRequest || !strings.Contains(res.reason(), "publish") {
		t.Errorf("unticking read-only without confirming: %s %q, want 400 saying every matching job would publish", res.res.Status, res.reason())
	}
	if got := f.onlyPolicy("alice"); !got.ReadOnly || got.Environment != "" {
		t.Fatalf("a refused edit changed the policy: read-only %v, environment %q", got.ReadOnly, got.Environment)
	}
	form.Set("confirm_rebind", "yes")
	if res := alice.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a confirmed change to a push policy: %s", res.Status)
	}
	if got := f.onlyPolicy("alice"); got.ReadOnly || got.Environment != "x" || got.Status.State != "active" {
		t.Errorf("after a confirmed change: read-only %v, environment %q, %s; want a push policy in x, active", got.ReadOnly, got.Environment, got.Status.State)
	}
}

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
