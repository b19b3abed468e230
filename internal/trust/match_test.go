package trust

import (
	"strings"
	"testing"
	"time"
)

// TestMatchIdentity: who the token is for (provider, issuer, owner,
// repository and their bound IDs) fails generically; pending policies bind
// within their window and expire after it.
func TestMatchIdentity(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "github active policy matches", want: matched},
		{name: "github pending policy binds", policy: pending(testNow.Add(-24 * time.Hour)), want: bound},
		{name: "pending policy just before 7 days binds", policy: pending(testNow.Add(-PendingWindow + time.Nanosecond)), want: bound},
		{name: "pending policy at exactly 7 days has expired", policy: pending(testNow.Add(-PendingWindow)),
			want: want{specific: true, expired: true, msg: expiredMsg}},
		{name: "pending policy long expired", policy: pending(testNow.Add(-30 * 24 * time.Hour)),
			want: want{specific: true, expired: true, msg: expiredMsg}},
		{name: "pending policy never started its window has expired", policy: pending(time.Time{}),
			want: want{specific: true, expired: true, msg: expiredMsg}},
		{name: "expired pending policy and another repository is generic", policy: pending(testNow.Add(-PendingWindow)),
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "evil", "evil/sdk" }, want: generic},
		{name: "expiry is reported before a workflow mismatch", policy: pending(testNow.Add(-PendingWindow)),
			claims: func(c *Claims) {
				c.WorkflowRef, c.JobWorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/heads/main", ""
			},
			want: want{specific: true, expired: true, msg: expiredMsg}},
		{name: "pending policy with a workflow mismatch does not bind", policy: pending(testNow.Add(-time.Hour)),
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"
				c.JobWorkflowRef = c.WorkflowRef
			},
			want: specificMsg(wfPrefix + "expected 'release.yml', actual 'ci.yml'")},
		{name: "owner and repository in another case match",
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "Contoso", "Contoso/SDK" }, want: matched},
		{name: "policy in another case matches",
			policy: func(p *Policy) { p.RepoOwner, p.Repository = "CONTOSO", "Sdk" }, want: matched},
		{name: "repository ID differs from the bound one (resurrected repository)",
			claims: func(c *Claims) { c.RepositoryID = "999999" }, want: generic},
		{name: "owner ID differs from the bound one (resurrected account)",
			claims: func(c *Claims) { c.RepoOwnerID = "888888" }, want: generic},
		{name: "IDs compare case-sensitively",
			policy: func(p *Policy) { p.RepositoryID = "R_kgDOabc" },
			claims: func(c *Claims) { c.RepositoryID = "R_kgDOABC" }, want: generic},
		{name: "wrong owner is generic",
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "fabrikam", "fabrikam/sdk" }, want: generic},
		{name: "wrong repository is generic",
			claims: func(c *Claims) { c.Repository = "contoso/sdk-samples" }, want: generic},
		{name: "repository claim under another owner is generic",
			claims: func(c *Claims) { c.Repository = "evil/sdk" }, want: generic},
		{name: "our reusable workflow called from a foreign repository is generic",
			claims: func(c *Claims) {
				c.RepoOwner, c.RepoOwnerID, c.Repository, c.RepositoryID = "evil", "1", "evil/app", "2"
				c.WorkflowRef = "evil/app/.github/workflows/release.yml@refs/heads/main"
			}, want: generic},
		{name: "provider mismatch is generic",
			claims: func(c *Claims) { c.Provider = GitLab }, want: generic},
		{name: "issuer mismatch is generic (GitHub Enterprise Server token)",
			claims: func(c *Claims) { c.Issuer = "https://ghe.contoso.example/_services/token" }, want: generic},
		{name: "unknown provider is generic",
			policy: func(p *Policy) { p.Provider = "bitbucket" }, claims: func(c *Claims) { c.Provider = "bitbucket" }, want: generic},
		{name: "missing repository ID is generic",
			claims: func(c *Claims) { c.RepositoryID = "" }, want: generic},
		{name: "missing owner ID on a pending policy is generic and binds nothing",
			policy: pending(testNow.Add(-time.Hour)), claims: func(c *Claims) { c.RepoOwnerID = "" }, want: generic},
	})
}

func TestMatchErrorText(t *testing.T) {
	specific := &MatchError{Specific: true, Msg: "Ref mismatch for policy 'p': expected 'main', actual 'dev'"}
	if specific.Error() != specific.Msg {
		t.Errorf("specific Error() = %q, want the message itself", specific.Error())
	}
	generic := &MatchError{Msg: "repository \"evil/sdk\" is not the policy's \"contoso/sdk\""}
	if got := generic.Error(); !strings.HasPrefix(got, "no matching policy: ") || !strings.HasSuffix(got, generic.Msg) {
		t.Errorf("generic Error() = %q", got)
	}
}

func TestMatchNilArguments(t *testing.T) {
	for name, args := range map[string]struct {
		p *Policy
		c *Claims
	}{"nil policy": {nil, githubClaims()}, "nil claims": {githubPolicy(), nil}} {
		t.Run(name, func(t *testing.T) {
			res, err := Match(args.p, args.c, testNow, MatchOptions{})
			checkMatch(t, res, err, generic)
		})
	}
}
