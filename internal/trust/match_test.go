package trust

import (
	"errors"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"strings"
	"testing"
	"time"
)

var testNow = trusttest.Epoch().Add(-7*time.Hour + 26*time.Minute + 53*time.Second)

const (
	githubIssuer = "https://token.actions.githubusercontent.com"
	gitlabIssuer = "https://gitlab.com"
	commitSHA    = "8d4f1c2b9e7a6f3d5c1b0a9e8d7c6b5a4f3e2d1c"
)

// githubClaims is a token as github.com issues it to the release job of
// contoso/sdk, run by a tag push, in environment prod.
func githubClaims() *Claims {
	return &Claims{
		Issuer:   githubIssuer,
		Provider: GitHub,
		Subject:  "repo:contoso/sdk:environment:prod",
		Audience: "https://nuget.contoso.example",
		JTI:      "0b3f6c9e-2d1a-4c5b-9e8f-7a6b5c4d3e2f",
		IssuedAt: testNow.Add(-time.Minute),
		Expiry:   testNow.Add(4 * time.Minute),

		RepoOwner: "contoso", RepoOwnerID: "654321",
		Repository: "contoso/sdk", RepositoryID: "123456",

		Workflow:             "Release",
		WorkflowRef:          "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.0.0",
		WorkflowSHA:          commitSHA,
		JobWorkflowRef:       "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.0.0",
		JobWorkflowSHA:       commitSHA,
		RunID:                "13579246801",
		RunNumber:            "42",
		RunAttempt:           "1",
		RepositoryVisibility: "public",
		RunnerEnvironment:    "github-hosted",

		Ref: "refs/tags/v1.0.0", RefType: "tag", SHA: commitSHA,
		Actor: "octocat", ActorID: "583231",
		EventName:   "push",
		Environment: "prod",
	}
}

// gitlabClaims is a token as gitlab.com issues it to a job of project
// contoso/dotnet/sdk (a subgroup), on branch main, in environment production.
func gitlabClaims() *Claims {
	return &Claims{
		Issuer:   gitlabIssuer,
		Provider: GitLab,
		Subject:  "project_path:contoso/dotnet/sdk:ref_type:branch:ref:main",
		Audience: "https://nuget.contoso.example",
		JTI:      "5d1b7f0e-9c8a-4b3d-a2e1-f0e9d8c7b6a5",
		IssuedAt: testNow.Add(-time.Minute),
		Expiry:   testNow.Add(4 * time.Minute),

		RepoOwner: "contoso/dotnet", RepoOwnerID: "7654321",
		Repository: "contoso/dotnet/sdk", RepositoryID: "45678901",

		RunID: "1122334455",
		Ref:   "main", RefType: "branch", SHA: commitSHA,
		Actor: "jdoe", ActorID: "1234567",
		EventName:   "push",
		Environment: "production",

		CIConfigRefURI: "gitlab.com/contoso/dotnet/sdk//.gitlab-ci.yml@refs/heads/main",
		CIConfigSHA:    commitSHA,
		JobID:          "9988776655",
	}
}

func githubPolicy() *Policy {
	bound := testNow.Add(-30 * 24 * time.Hour)
	return &Policy{
		ID: 7, Name: "sdk-release", Provider: GitHub, Issuer: githubIssuer, CreatedBy: 1, OwnerID: 2,
		RepoOwner: "contoso", Repository: "sdk", RepoOwnerID: "654321", RepositoryID: "123456",
		Workflow: "release.yml", Environment: "prod",
		CreatedAt: bound, PendingSince: bound, BoundAt: &bound,
	}
}

func gitlabPolicy() *Policy {
	bound := testNow.Add(-30 * 24 * time.Hour)
	return &Policy{
		ID: 8, Name: "sdk-gitlab", Provider: GitLab, Issuer: gitlabIssuer, CreatedBy: 1, OwnerID: 2,
		RepoOwner: "contoso/dotnet", Repository: "sdk", RepoOwnerID: "7654321", RepositoryID: "45678901",
		Ref: "main", Environment: "production", CIConfigPath: ".gitlab-ci.yml",
		CreatedAt: bound, PendingSince: bound, BoundAt: &bound,
	}
}

// pending turns a policy into one created at since and not yet used.
func pending(since time.Time) func(*Policy) {
	return func(p *Policy) {
		p.RepoOwnerID, p.RepositoryID, p.BoundAt = "", "", nil
		p.CreatedAt, p.PendingSince = since, since
	}
}

// want describes the outcome: bind on success, or the error's fields.
// A generic error (specific false) has no message to check beyond being
// non-empty: it is never shown.
type want struct {
	ok       bool
	bind     bool
	specific bool
	expired  bool
	msg      string
}

var (
	matched = want{ok: true}
	bound   = want{ok: true, bind: true}
	generic = want{}
)

func specificMsg(msg string) want { return want{specific: true, msg: msg} }

func TestMatch(t *testing.T) {
	const (
		expiredMsg = "The policy 'sdk-release' has expired. Sign in and renew the trust policy on the Trusted Publishing page."
		ptBanned   = "The GitHub Actions event 'pull_request_target' is not allowed."
		wfPrefix   = "Workflow mismatch for policy 'sdk-release': "
		shared     = "org/shared/.github/workflows/publish.yml"
	)
	tests := []struct {
		name   string
		gitlab bool // base claims and policy are GitLab's
		policy func(*Policy)
		claims func(*Claims)
		opts   MatchOptions
		want   want
	}{
		// Identity and binding.
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

		// Events.
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

		// Caller workflow.
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
		{name: "read-only policy for owner/* matches another repository of the owner",
			policy: func(p *Policy) {
				p.Workflow, p.ReadOnly, p.Repository, p.RepositoryID = "", true, AnyRepository, AnyRepository
			},
			claims: func(c *Claims) { c.Repository, c.RepositoryID = "Contoso/web", "999" }, want: matched},
		{name: "read-only policy for owner/* does not match another owner",
			policy: func(p *Policy) {
				p.Workflow, p.ReadOnly, p.Repository, p.RepositoryID = "", true, AnyRepository, AnyRepository
			},
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "contoso-evil", "contoso-evil/sdk" }, want: generic},
		{name: "read-only policy for owner/* refuses a repository named as the owner",
			policy: func(p *Policy) {
				p.Workflow, p.ReadOnly, p.Repository, p.RepositoryID = "", true, AnyRepository, AnyRepository
			},
			claims: func(c *Claims) { c.Repository = "contoso/" }, want: generic},
		{name: "read-only policy for owner/* checks the bound owner ID",
			policy: func(p *Policy) {
				p.Workflow, p.ReadOnly, p.Repository, p.RepositoryID = "", true, AnyRepository, AnyRepository
			},
			claims: func(c *Claims) { c.RepoOwnerID = "111" }, want: generic},
		{name: "pending read-only policy for owner/* binds",
			policy: func(p *Policy) {
				p.Workflow, p.ReadOnly, p.Repository = "", true, AnyRepository
				p.RepoOwnerID, p.RepositoryID, p.BoundAt, p.PendingSince = "", AnyRepository, nil, testNow.Add(-time.Hour)
			}, want: bound},
		{name: "push policy for owner/* without a workflow matches nothing",
			policy: func(p *Policy) { p.Repository, p.RepositoryID, p.Workflow = AnyRepository, AnyRepository, "" }, want: generic},
		// Organisation-wide push policies (before, owner/* push policies
		// matched nothing; now they match with their workflow).
		{name: "push policy for owner/* matches another repository of the owner with the workflow",
			policy: func(p *Policy) { p.Repository, p.RepositoryID = AnyRepository, AnyRepository },
			claims: func(c *Claims) {
				c.Repository, c.RepositoryID = "contoso/web", "999"
				c.WorkflowRef = "contoso/web/.github/workflows/release.yml@refs/heads/main"
			}, want: matched},
		{name: "push policy for owner/sdk-* matches contoso/SDK-net",
			policy: func(p *Policy) { p.Repository, p.RepositoryID = "sdk-*", AnyRepository },
			claims: func(c *Claims) {
				c.Repository, c.RepositoryID = "contoso/SDK-net", "999"
				c.WorkflowRef = "contoso/SDK-net/.github/workflows/release.yml@refs/heads/main"
			}, want: matched},
		{name: "push policy for owner/sdk-* refuses contoso/web",
			policy: func(p *Policy) { p.Repository, p.RepositoryID = "sdk-*", AnyRepository },
			claims: func(c *Claims) {
				c.Repository, c.RepositoryID = "contoso/web", "999"
				c.WorkflowRef = "contoso/web/.github/workflows/release.yml@refs/heads/main"
			}, want: generic},
		{name: "glob policy refuses another owner whose name starts with the owner's",
			policy: func(p *Policy) { p.Repository, p.RepositoryID = AnyRepository, AnyRepository },
			claims: func(c *Claims) {
				c.RepoOwner, c.Repository = "contoso-evil", "contoso-evil/sdk"
				c.WorkflowRef = "contoso-evil/sdk/.github/workflows/release.yml@refs/heads/main"
			}, want: generic},
		{name: "glob policy refuses the same owner name with another owner ID",
			policy: func(p *Policy) { p.Repository, p.RepositoryID = AnyRepository, AnyRepository },
			claims: func(c *Claims) { c.RepoOwnerID = "1" }, want: generic},
		{name: "glob policy keeps the workflow in the repository that runs",
			policy: func(p *Policy) { p.Repository, p.RepositoryID = AnyRepository, AnyRepository },
			claims: func(c *Claims) {
				c.Repository = "contoso/web"
				c.WorkflowRef = "contoso/sdk/.github/workflows/release.yml@refs/heads/main"
			}, want: specificMsg("Workflow mismatch for policy 'sdk-release': expected 'release.yml', actual 'contoso/sdk/.github/workflows/release.yml'")},
		{name: "gitlab push policy for a group's projects matches with its CI config path", gitlab: true,
			policy: func(p *Policy) { p.Repository, p.RepositoryID = "*", AnyRepository }, want: matched},
		{name: "gitlab push glob policy without a CI config path matches nothing", gitlab: true,
			policy: func(p *Policy) { p.Repository, p.RepositoryID, p.CIConfigPath = "*", AnyRepository, "" }, want: generic},
		{name: "pending glob policy binds",
			policy: func(p *Policy) {
				pending(testNow.Add(-time.Hour))(p)
				p.Repository, p.RepositoryID = "sdk*", AnyRepository
			}, want: bound},
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

		// Pinned reusable workflow.
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

		// GitHub environment.
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

		// GitLab.
		{name: "gitlab active policy matches", gitlab: true, want: matched},
		{name: "gitlab pending policy binds", gitlab: true, policy: pending(testNow.Add(-time.Hour)), want: bound},
		{name: "gitlab pending policy at exactly 7 days has expired", gitlab: true, policy: pending(testNow.Add(-PendingWindow)),
			want: want{specific: true, expired: true,
				msg: "The policy 'sdk-gitlab' has expired. Sign in and renew the trust policy on the Trusted Publishing page."}},
		{name: "gitlab paths in another case match", gitlab: true,
			claims: func(c *Claims) {
				c.RepoOwner, c.Repository = "Contoso/DotNet", "Contoso/DotNet/SDK"
				c.CIConfigRefURI = "gitlab.com/Contoso/DotNet/SDK//.gitlab-ci.yml@refs/heads/main"
			}, want: matched},
		{name: "gitlab wrong namespace is generic", gitlab: true,
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "contoso/java", "contoso/java/sdk" }, want: generic},
		{name: "gitlab namespace ending like ours is generic", gitlab: true,
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "evil/contoso/dotnet", "evil/contoso/dotnet/sdk" }, want: generic},
		{name: "gitlab project ID mismatch is generic", gitlab: true,
			claims: func(c *Claims) { c.RepositoryID = "1" }, want: generic},
		{name: "gitlab namespace ID mismatch is generic", gitlab: true,
			claims: func(c *Claims) { c.RepoOwnerID = "1" }, want: generic},
		{name: "gitlab token against a github policy is generic",
			claims: func(c *Claims) { *c = *gitlabClaims(); c.RepoOwner, c.Repository = "contoso", "contoso/sdk" }, want: generic},
		{name: "gitlab ignores the github event ban", gitlab: true,
			claims: func(c *Claims) { c.EventName = "pull_request_target" }, want: matched},
		{name: "gitlab environment compares case-sensitively", gitlab: true,
			claims: func(c *Claims) { c.Environment = "Production" },
			want:   specificMsg("Environment mismatch for policy 'sdk-gitlab': expected 'production', actual 'Production'")},
		{name: "gitlab environment required but absent", gitlab: true,
			claims: func(c *Claims) { c.Environment = "" },
			want:   specificMsg("Environment mismatch for policy 'sdk-gitlab': expected 'production', actual ''")},
		{name: "gitlab ref mismatch", gitlab: true,
			claims: func(c *Claims) {
				c.Ref = "develop"
				c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//.gitlab-ci.yml@refs/heads/develop"
			}, want: specificMsg("Ref mismatch for policy 'sdk-gitlab': expected 'main', actual 'develop'")},
		{name: "gitlab ref compares case-sensitively", gitlab: true,
			claims: func(c *Claims) { c.Ref = "Main" },
			want:   specificMsg("Ref mismatch for policy 'sdk-gitlab': expected 'main', actual 'Main'")},
		{name: "gitlab tag pipeline against a branch policy", gitlab: true,
			claims: func(c *Claims) {
				c.Ref, c.RefType = "v1.0.0", "tag"
				c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//.gitlab-ci.yml@refs/tags/v1.0.0"
			}, want: specificMsg("Ref mismatch for policy 'sdk-gitlab': expected 'main', actual 'v1.0.0'")},
		{name: "gitlab tag named like the branch", gitlab: true,
			claims: func(c *Claims) {
				c.RefType = "tag"
				c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//.gitlab-ci.yml@refs/tags/main"
			}, want: specificMsg("Ref 'main' for policy 'sdk-gitlab' must be a branch.")},
		{name: "gitlab policy ref written as refs/heads/main", gitlab: true,
			policy: func(p *Policy) { p.Ref = "refs/heads/main" }, want: matched},
		{name: "gitlab policy without ref accepts a tag", gitlab: true,
			policy: func(p *Policy) { p.Ref = "" },
			claims: func(c *Claims) {
				c.Ref, c.RefType = "v1.0.0", "tag"
				c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//.gitlab-ci.yml@refs/tags/v1.0.0"
			}, want: matched},
		{name: "gitlab CI config in a subfolder", gitlab: true,
			policy: func(p *Policy) { p.CIConfigPath = "ci/publish.yml" },
			claims: func(c *Claims) { c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//ci/publish.yml@refs/heads/main" }, want: matched},
		{name: "gitlab CI config path mismatch", gitlab: true,
			claims: func(c *Claims) { c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//ci/release.yml@refs/heads/main" },
			want:   specificMsg("CI config mismatch for policy 'sdk-gitlab': expected '.gitlab-ci.yml', actual 'ci/release.yml'")},
		{name: "gitlab CI config path compares case-sensitively", gitlab: true,
			claims: func(c *Claims) { c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//.GitLab-ci.yml@refs/heads/main" },
			want:   specificMsg("CI config mismatch for policy 'sdk-gitlab': expected '.gitlab-ci.yml', actual '.GitLab-ci.yml'")},
		{name: "gitlab CI config from another project", gitlab: true,
			claims: func(c *Claims) { c.CIConfigRefURI = "gitlab.com/contoso/templates//.gitlab-ci.yml@refs/heads/main" },
			want: specificMsg("CI config mismatch for policy 'sdk-gitlab': expected 'contoso/dotnet/sdk//.gitlab-ci.yml', " +
				"actual 'contoso/templates//.gitlab-ci.yml'")},
		{name: "gitlab CI config from a project whose path ends like ours", gitlab: true,
			claims: func(c *Claims) {
				c.CIConfigRefURI = "gitlab.com/evil/contoso/dotnet/sdk//.gitlab-ci.yml@refs/heads/main"
			},
			want: specificMsg("CI config mismatch for policy 'sdk-gitlab': expected 'contoso/dotnet/sdk//.gitlab-ci.yml', " +
				"actual 'evil/contoso/dotnet/sdk//.gitlab-ci.yml'")},
		{name: "gitlab CI config claim missing", gitlab: true,
			claims: func(c *Claims) { c.CIConfigRefURI = "" },
			want:   specificMsg("CI config mismatch for policy 'sdk-gitlab': expected '.gitlab-ci.yml', actual ''")},
		{name: "gitlab CI config on a branch with @ in its name", gitlab: true,
			policy: func(p *Policy) { p.Ref = "" },
			claims: func(c *Claims) {
				c.Ref = "release@2026"
				c.CIConfigRefURI = "gitlab.com/contoso/dotnet/sdk//.gitlab-ci.yml@refs/heads/release@2026"
			}, want: matched},
		{name: "self-managed gitlab under a relative URL root", gitlab: true,
			policy: func(p *Policy) { p.Issuer = "https://code.contoso.example/gitlab" },
			claims: func(c *Claims) {
				c.Issuer = "https://code.contoso.example/gitlab"
				c.CIConfigRefURI = "code.contoso.example/gitlab/contoso/dotnet/sdk//.gitlab-ci.yml@refs/heads/main"
			}, want: matched},
		{name: "self-managed gitlab whose claim names its host with a port", gitlab: true,
			policy: func(p *Policy) { p.Issuer = "https://gitlab.contoso.example" },
			claims: func(c *Claims) {
				c.Issuer = "https://gitlab.contoso.example"
				c.CIConfigRefURI = "gitlab.contoso.example:8443/contoso/dotnet/sdk//.gitlab-ci.yml@refs/heads/main"
			}, want: matched},
		{name: "gitlab policy without CI config path accepts any", gitlab: true,
			policy: func(p *Policy) { p.CIConfigPath = "" },
			claims: func(c *Claims) { c.CIConfigRefURI = "gitlab.com/contoso/templates//x.yml@refs/heads/main" }, want: matched},
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
			before := *p
			res, err := Match(p, c, testNow, tc.opts)
			if p.RepoOwnerID != before.RepoOwnerID || p.RepositoryID != before.RepositoryID || p.Workflow != before.Workflow {
				t.Errorf("Match changed the policy: %+v", p)
			}
			checkMatch(t, res, err, tc.want)
		})
	}
}

func checkMatch(t *testing.T, res Result, err error, w want) {
	t.Helper()
	if w.ok {
		if err != nil {
			t.Fatalf("Match: %v, want a match", err)
		}
		if res.Bind != w.bind {
			t.Errorf("Bind = %v, want %v", res.Bind, w.bind)
		}
		return
	}
	var me *MatchError
	if !errors.As(err, &me) {
		t.Fatalf("Match = %+v, %v; want a *MatchError", res, err)
	}
	if res.Bind {
		t.Error("a failed match asks to bind")
	}
	if me.Specific != w.specific || me.Expired != w.expired {
		t.Errorf("Specific, Expired = %v, %v; want %v, %v (%q)", me.Specific, me.Expired, w.specific, w.expired, me.Msg)
	}
	switch {
	case w.specific && me.Msg != w.msg:
		t.Errorf("Msg = %q\nwant  %q", me.Msg, w.msg)
	case !w.specific && me.Msg == "":
		t.Error("a generic error without a reason for the logs")
	}
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
