package trust

import (
	"strings"
	"testing"
)

// TestMatchGitHub: the GitHub Actions checks after the identity ones:
// banned events, the caller workflow, a pinned reusable workflow and the
// environment.
func TestMatchGitHub(t *testing.T) {
	runMatchCases(t, []matchCase{
		{name: "pull_request_target is banned by default",
			claims: func(c *Claims) { c.EventName = "pull_request_target" }, want: specificMsg(ptBanned)},
		{name: "ban compares case-insensitively",
			claims: func(c *Claims) { c.EventName = "Pull_Request_Target" },
			want:   specificMsg("The GitHub Actions event 'Pull_Request_Target' is not allowed.")},
		{name: "ban is reported before a workflow mismatch",
			claims: func(c *Claims) {
				c.EventName = "pull_request_target"
				c.WorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"
			}, want: specificMsg(ptBanned)},
		{name: "custom ban list bans its events",
			opts:   MatchOptions{BannedEvents: []string{"workflow_dispatch", "pull_request_target"}},
			claims: func(c *Claims) { c.EventName = "workflow_dispatch" },
			want:   specificMsg("The GitHub Actions event 'workflow_dispatch' is not allowed.")},
		{name: "custom ban list replaces the default",
			opts:   MatchOptions{BannedEvents: []string{"workflow_dispatch"}},
			claims: func(c *Claims) { c.EventName = "pull_request_target" }, want: matched},
		{name: "empty ban list bans nothing",
			opts:   MatchOptions{BannedEvents: []string{}},
			claims: func(c *Claims) { c.EventName = "pull_request_target" }, want: matched},
		{name: "missing event_name",
			claims: func(c *Claims) { c.EventName = "" },
			want:   specificMsg("The JSON Web Token is missing the required claim 'event_name'.")},

		{name: "workflow mismatch",
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"
				c.JobWorkflowRef = c.WorkflowRef
			}, want: specificMsg(wfPrefix + "expected 'release.yml', actual 'ci.yml'")},
		{name: "workflow file compares case-sensitively",
			policy: func(p *Policy) { p.Workflow = "Release.yml" },
			want:   specificMsg(wfPrefix + "expected 'Release.yml', actual 'release.yml'")},
		{name: "policy workflow given as a path",
			policy: func(p *Policy) { p.Workflow = ".github/workflows/release.yml" }, want: matched},
		{name: "policy workflow given as a URL",
			policy: func(p *Policy) { p.Workflow = "https://github.com/contoso/sdk/blob/main/.github/workflows/release.yml" }, want: matched},
		{name: "policy without a workflow matches nothing",
			policy: func(p *Policy) { p.Workflow = "" },
			want:   specificMsg(wfPrefix + "expected '', actual 'release.yml'")},
		{name: "read-only policy without a workflow matches every workflow of its repository",
			policy: func(p *Policy) { p.Workflow, p.ReadOnly = "", true },
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"
				c.JobWorkflowRef = c.WorkflowRef
			}, want: matched},
		{name: "read-only policy without a workflow still needs its repository",
			policy: func(p *Policy) { p.Workflow, p.ReadOnly = "", true },
			claims: func(c *Claims) { c.Repository = "contoso/other" },
			want:   generic},
		{name: "read-only policy with a workflow keeps to it",
			policy: func(p *Policy) { p.ReadOnly = true },
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"
				c.JobWorkflowRef = c.WorkflowRef
			}, want: specificMsg(wfPrefix + "expected 'release.yml', actual 'ci.yml'")},
		{name: "caller runs a local reusable workflow named by the policy",
			claims: func(c *Claims) { c.WorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/tags/v1.0.0" }, want: matched},
		{name: "caller matches and runs a reusable workflow of another repository",
			claims: func(c *Claims) { c.JobWorkflowRef = shared + "@refs/tags/v2" }, want: matched},
		{name: "workflow_ref from another repository does not match",
			claims: func(c *Claims) {
				c.WorkflowRef = "fabrikam/tools/.github/workflows/release.yml@refs/heads/main"
				c.JobWorkflowRef = c.WorkflowRef
			}, want: specificMsg(wfPrefix + "expected 'release.yml', actual 'fabrikam/tools/.github/workflows/release.yml'")},
		{name: "neither caller nor job names the policy's workflow",
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/nightly.yml@refs/heads/main"
				c.JobWorkflowRef = shared + "@refs/heads/main"
			}, want: specificMsg(wfPrefix + "expected 'release.yml', actual 'nightly.yml'")},
		{name: "file name with @ is not mistaken for the policy's",
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/release.yml@evil.yml@refs/heads/main"
				c.JobWorkflowRef = c.WorkflowRef
			}, want: specificMsg(wfPrefix + "expected 'release.yml', actual 'release.yml@evil.yml'")},
		{name: "ref that looks like a workflow does not confuse the split",
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/release.yml@refs/heads/misleading@branch.yml"
				c.JobWorkflowRef = c.WorkflowRef
			}, want: matched},
		{name: "workflow ref at a commit SHA",
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/release.yml@" + commitSHA
				c.JobWorkflowRef = c.WorkflowRef
			}, want: matched},
		{name: "only job_workflow_ref present",
			claims: func(c *Claims) { c.WorkflowRef = "" }, want: matched},
		{name: "missing workflow_ref and job_workflow_ref",
			claims: func(c *Claims) { c.WorkflowRef, c.JobWorkflowRef = "", "" },
			want:   specificMsg("The JSON Web Token is missing the required claim 'workflow_ref'.")},

		{name: "pinned reusable workflow, any ref",
			policy: func(p *Policy) { p.ReusableWorkflow = shared },
			claims: func(c *Claims) { c.JobWorkflowRef = shared + "@refs/tags/v2" }, want: matched},
		{name: "pinned reusable workflow, owner and repository in another case",
			policy: func(p *Policy) { p.ReusableWorkflow = "Org/Shared/.github/workflows/publish.yml" },
			claims: func(c *Claims) { c.JobWorkflowRef = shared + "@refs/tags/v2" }, want: matched},
		{name: "pinned reusable workflow and ref",
			policy: func(p *Policy) { p.ReusableWorkflow = shared + "@refs/tags/v2" },
			claims: func(c *Claims) { c.JobWorkflowRef = shared + "@refs/tags/v2" }, want: matched},
		{name: "pinned reusable workflow at a commit SHA",
			policy: func(p *Policy) { p.ReusableWorkflow = shared + "@" + strings.ToUpper(commitSHA) },
			claims: func(c *Claims) { c.JobWorkflowRef = shared + "@" + commitSHA }, want: matched},
		{name: "pinned ref mismatch",
			policy: func(p *Policy) { p.ReusableWorkflow = shared + "@refs/tags/v2" },
			claims: func(c *Claims) { c.JobWorkflowRef = shared + "@refs/heads/main" },
			want:   specificMsg(wfPrefix + "expected '" + shared + "@refs/tags/v2', actual '" + shared + "@refs/heads/main'")},
		{name: "pinned file mismatch",
			policy: func(p *Policy) { p.ReusableWorkflow = shared },
			claims: func(c *Claims) { c.JobWorkflowRef = "org/shared/.github/workflows/deploy.yml@refs/tags/v2" },
			want:   specificMsg(wfPrefix + "expected '" + shared + "', actual 'org/shared/.github/workflows/deploy.yml'")},
		{name: "pinned file compares case-sensitively",
			policy: func(p *Policy) { p.ReusableWorkflow = "org/shared/.github/workflows/Publish.yml" },
			claims: func(c *Claims) { c.JobWorkflowRef = shared + "@refs/tags/v2" },
			want:   specificMsg(wfPrefix + "expected 'org/shared/.github/workflows/Publish.yml', actual '" + shared + "'")},
		{name: "pinned repository mismatch",
			policy: func(p *Policy) { p.ReusableWorkflow = shared },
			claims: func(c *Claims) { c.JobWorkflowRef = "evil/shared/.github/workflows/publish.yml@refs/tags/v2" },
			want:   specificMsg(wfPrefix + "expected '" + shared + "', actual 'evil/shared/.github/workflows/publish.yml'")},
		{name: "pinned but the job runs the caller itself",
			policy: func(p *Policy) { p.ReusableWorkflow = shared },
			want:   specificMsg(wfPrefix + "expected '" + shared + "', actual 'contoso/sdk/.github/workflows/release.yml'")},
		{name: "pinned matches but the caller does not",
			policy: func(p *Policy) { p.ReusableWorkflow = shared },
			claims: func(c *Claims) {
				c.WorkflowRef = "contoso/sdk/.github/workflows/ci.yml@refs/heads/main"
				c.JobWorkflowRef = shared + "@refs/tags/v2"
			}, want: specificMsg(wfPrefix + "expected 'release.yml', actual 'ci.yml'")},

		{name: "github environment in another case matches",
			claims: func(c *Claims) { c.Environment = "PROD" }, want: matched},
		{name: "github environment mismatch",
			claims: func(c *Claims) { c.Environment = "staging" },
			want:   specificMsg("Environment mismatch for policy 'sdk-release': expected 'prod', actual 'staging'")},
		{name: "github environment required but absent",
			claims: func(c *Claims) { c.Environment = "" },
			want:   specificMsg("Environment mismatch for policy 'sdk-release': expected 'prod', actual ''")},
		{name: "github policy without environment accepts any",
			policy: func(p *Policy) { p.Environment = "" }, claims: func(c *Claims) { c.Environment = "" }, want: matched},
	})
}
