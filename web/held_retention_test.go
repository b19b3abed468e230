package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/retention"
)

// TestRetentionLeavesHeldVersions: retention rules that delete every
// idle version and every prerelease, and the orphan sweep, leave held
// versions and their files alone (heldOrStaged): they wait for a person.
func TestRetentionLeavesHeldVersions(t *testing.T) {
	f := newHeldFeed(t)
	ctx := context.Background()
	f.pushAs(f.tpKey(f.first), "1.0.0", http.StatusCreated)
	longLived := f.userKey("alice")
	for _, v := range []string{"0.9.0", "2.0.0-alpha.1", "2.0.0-alpha.2"} {
		f.pushAs(longLived, v, http.StatusAccepted)
	}
	before := f.storedKeys("packages/contoso.sdk/")
	for _, r := range []retention.Rule{
		{Kind: retention.KindPrereleases, Keep: 0, Action: retention.ActionDelete},
		{Kind: retention.KindIdle, OlderThanDays: 1, IdleDays: 1, Action: retention.ActionDelete},
	} {
		if _, err := f.reg.AddRetentionRule(ctx, "default", r); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Advance(30 * 24 * time.Hour)
	plan, err := f.reg.RetentionPlan(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range plan.Steps {
		if st.Version != "1.0.0" {
			t.Errorf("the plan touches held %s: %+v", st.Version, st)
		}
	}
	if _, err := f.reg.RunRetention(ctx, "", plan.Digest); err != nil {
		t.Fatal(err)
	}
	if n, err := f.reg.SweepOrphans(ctx, 0); err != nil || n != 0 {
		t.Errorf("the orphan sweep removed %d prefixes (%v), want none", n, err)
	}
	hs, err := f.reg.HeldVersions(ctx, "Contoso.Sdk")
	if err != nil || len(hs) != 3 {
		t.Fatalf("held after retention: %d (%v), want 3", len(hs), err)
	}
	after := map[string]bool{}
	for _, k := range f.storedKeys("packages/contoso.sdk/") {
		after[k] = true
	}
	for _, k := range before {
		if !after[k] && !strings.Contains(k, "/1.0.0/") {
			t.Errorf("retention or the sweep removed %s", k)
		}
	}
}
