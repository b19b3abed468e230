package trust

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// checkExplainAgrees holds Explain to Match's verdict for one case (every
// Match table calls it through runMatchCases): the same verdict, bind and
// sentence, and, for the providers Explain knows, checks that agree with
// it on their own (none failing on a match, at least one on a refusal,
// and no fallback row).
func checkExplainAgrees(t *testing.T, p *Policy, c *Claims, o MatchOptions, res Result, err error) {
	t.Helper()
	checkExplainAgreesAt(t, p, c, testNow, o, res, err)
}

// checkExplainAgreesAt is checkExplainAgrees for a Match made at now.
func checkExplainAgreesAt(t *testing.T, p *Policy, c *Claims, now time.Time, o MatchOptions, res Result, err error) {
	t.Helper()
	before := *p
	e := Explain(p, c, now, o)
	if p.Environment != before.Environment || p.Ref != before.Ref || p.CIConfigPath != before.CIConfigPath || p.Workflow != before.Workflow {
		t.Errorf("Explain changed the policy: %+v", p)
	}
	if e.Matches != (err == nil) || e.Bind != res.Bind {
		t.Fatalf("Explain: Matches, Bind = %v, %v; Match: %v, %v", e.Matches, e.Bind, err, res.Bind)
	}
	var me *MatchError
	if errors.As(err, &me) && (e.Reason != me.Msg || e.Specific != me.Specific || (e.Specific && e.Refusal != me.Msg)) {
		t.Errorf("Explain's reason %q (specific %v), Match's %q (%v)", e.Reason, e.Specific, me.Msg, me.Specific)
	}
	known := KnownProvider(p.Provider)
	failing := e.Failing()
	switch {
	case e.Matches && len(failing) > 0:
		t.Errorf("Match matched but Explain's checks fail: %+v", failing)
	case !e.Matches && len(failing) == 0:
		t.Errorf("Match refused (%v) but no check fails", err)
	case known && !e.Matches && failing[len(failing)-1].Claim == "policy":
		t.Errorf("Explain fell back on Match's reason for a provider it knows: %+v", e.Checks)
	}
	for _, ch := range e.Checks {
		if ch.Claim == "" || ch.Why == "" {
			t.Errorf("a check without a claim or a sentence: %+v", ch)
		}
	}
}

// TestExplainRows: what the checks say for the cases people meet: each
// names the claim that differs and both values.
func TestExplainRows(t *testing.T) {
	tests := []struct {
		name   string
		gitlab bool
		policy func(*Policy)
		claims func(*Claims)
		// the failing claims, in order, and a piece of the first's sentence
		failing []string
		why     string
	}{
		{name: "match", failing: nil},
		{name: "other repository", claims: func(c *Claims) { c.Repository = "contoso/web" },
			failing: []string{"repository"}, why: "not the policy's"},
		{name: "resurrected repository", claims: func(c *Claims) { c.RepositoryID = "999" },
			failing: []string{"repository_id"}, why: "deleted and created again"},
		{name: "workflow and environment both differ", claims: func(c *Claims) {
			c.WorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"
			c.JobWorkflowRef, c.Environment = c.WorkflowRef, "staging"
		}, failing: []string{"workflow_ref", "environment"}, why: "expected 'release.yml', actual 'ci.yml'"},
		{name: "expired pending policy", policy: pending(testNow.Add(-8 * 24 * time.Hour)),
			failing: []string{"pending"}, why: "window"},
		{name: "pending policy binds", policy: pending(testNow.Add(-time.Hour))},
		{name: "glob policy for another owner", policy: func(p *Policy) { p.Repository, p.RepositoryID = "sdk-*", AnyRepository },
			claims: func(c *Claims) {
				c.RepoOwner, c.Repository = "fabrikam", "fabrikam/sdk-core"
				c.WorkflowRef = "fabrikam/sdk-core/.github/workflows/release.yml@refs/tags/v1.0.0"
				c.JobWorkflowRef = c.WorkflowRef
			},
			failing: []string{"repository_owner", "repository"}, why: "owner"},
		{name: "reusable workflow pin", policy: func(p *Policy) { p.ReusableWorkflow = shared + "@refs/heads/main" },
			failing: []string{"job_workflow_ref"}, why: "Workflow mismatch"},
		{name: "banned event", claims: func(c *Claims) { c.EventName = "pull_request_target" },
			failing: []string{"event_name"}, why: "not allowed"},
		{name: "gitlab ref and config", gitlab: true, claims: func(c *Claims) {
			c.Ref = "dev"
			c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//ci/other.yml@refs/heads/dev"
		}, failing: []string{"ref", "ci_config_ref_uri"}, why: "Ref mismatch"},
		{name: "gitlab environment", gitlab: true, claims: func(c *Claims) { c.Environment = "Production" },
			failing: []string{"environment"}, why: "compared exactly"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, c := githubPolicy(), githubClaims()
			if tc.gitlab {
				p, c = gitlabPolicy(), gitlabClaims()
			}
			if tc.policy != nil {
				tc.policy(p)
			}
			if tc.claims != nil {
				tc.claims(c)
			}
			e := Explain(p, c, testNow, MatchOptions{})
			var got []string
			for _, f := range e.Failing() {
				got = append(got, f.Claim)
			}
			if strings.Join(got, ",") != strings.Join(tc.failing, ",") {
				t.Fatalf("failing = %v, want %v\n%+v", got, tc.failing, e.Checks)
			}
			if e.Matches != (len(tc.failing) == 0) {
				t.Errorf("Matches = %v", e.Matches)
			}
			if len(got) > 0 && !strings.Contains(e.Failing()[0].Why, tc.why) {
				t.Errorf("first failing check says %q, want it to contain %q", e.Failing()[0].Why, tc.why)
			}
		})
	}
}

// TestClosest: fewest failing checks; on a tie the later first failure
// (the token's own repository); then the first given.
func TestClosest(t *testing.T) {
	fail := func(okBefore, failing int) Explanation {
		var e Explanation
		for range okBefore {
			e.Checks = append(e.Checks, Check{OK: true})
		}
		for range failing {
			e.Checks = append(e.Checks, Check{})
		}
		return e
	}
	for _, tc := range []struct {
		name string
		es   []Explanation
		want int
	}{
		{"none", nil, -1},
		{"fewest failing", []Explanation{fail(0, 3), fail(0, 1), fail(5, 2)}, 1},
		{"tie: the later first failure", []Explanation{fail(1, 1), fail(4, 1), fail(2, 1)}, 1},
		{"tie everywhere: the first", []Explanation{fail(2, 1), fail(2, 1)}, 0},
	} {
		if got := Closest(tc.es); got != tc.want {
			t.Errorf("%s: Closest = %d, want %d", tc.name, got, tc.want)
		}
	}
}
