package trust

import (
	"testing"
	"time"
)

const (
	codebergIssuer = "https://codeberg.org/api/actions"
	azureIssuer    = "https://vstoken.dev.azure.com/0ca3ddd9-f0b0-4635-a98c-5866526961b6"
	azureProject   = "271ef6f7-5998-4b0f-86fb-4b54d9129990"
	azureRepo      = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
)

// forgejoClaims is a token as Codeberg issues it to the release workflow
// of contoso/sdk on a tag push.
func forgejoClaims() *Claims {
	return &Claims{
		Issuer: codebergIssuer, Provider: Forgejo, Subject: "repo:contoso-1717/sdk-2323:ref:refs/tags/v1.0.0",
		Audience: "https://nuget.contoso.example", JTI: "forgejo-sha256:00", IssuedAt: testNow.Add(-time.Minute), Expiry: testNow.Add(4 * time.Minute),
		RepoOwner: "contoso", RepoOwnerID: "1717", Repository: "contoso/sdk", RepositoryID: "2323",
		Workflow: "release.yml", WorkflowRef: "contoso/sdk/.forgejo/workflows/release.yml@refs/tags/v1.0.0",
		Ref: "refs/tags/v1.0.0", RefType: "tag", SHA: commitSHA, EventName: "push", RunID: "4711",
	}
}

func forgejoPolicy() *Policy {
	b := testNow.Add(-30 * 24 * time.Hour)
	return &Policy{ID: 9, Name: "sdk-release", Provider: Forgejo, Issuer: codebergIssuer, CreatedBy: 1, OwnerID: 2,
		RepoOwner: "contoso", Repository: "sdk", RepoOwnerID: "1717", RepositoryID: "2323", Workflow: "release.yml",
		CreatedAt: b, PendingSince: b, BoundAt: &b}
}

// azureClaims is a token as Azure DevOps issues it to run 57 of pipeline
// 12 of project Contoso SDK, building main of an Azure Repos repository.
func azureClaims() *Claims {
	return &Claims{
		Issuer: azureIssuer, Provider: Azure, Subject: "p://contoso/Contoso SDK/sdk-release", Audience: AzureDevOpsAudience,
		JTI: "90b75b0a-61b6-4b71-ba6f-11107d95f4c5", IssuedAt: testNow.Add(-time.Minute), Expiry: testNow.Add(4 * time.Minute),
		OrganizationID: "0ca3ddd9-f0b0-4635-a98c-5866526961b6", DefinitionID: "12",
		RepoOwner: "Contoso SDK", RepoOwnerID: azureProject, Repository: "Contoso SDK/12", RepositoryID: azureRepo,
		Ref: "refs/heads/main", SHA: commitSHA, RunID: "57",
	}
}

func azurePolicy() *Policy {
	b := testNow.Add(-30 * 24 * time.Hour)
	return &Policy{ID: 10, Name: "sdk-release", Provider: Azure, Issuer: azureIssuer, CreatedBy: 1, OwnerID: 2,
		RepoOwner: "Contoso SDK", Repository: "12", RepoOwnerID: azureProject, RepositoryID: azureRepo, Ref: "main",
		CreatedAt: b, PendingSince: b, BoundAt: &b}
}

// forgeCase is a Match table row over the Forgejo or Azure fixtures.
type forgeCase struct {
	name   string
	policy func(*Policy)
	claims func(*Claims)
	want   want
}

func runForgeCases(t *testing.T, base func() (*Policy, *Claims), tests []forgeCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, c := base()
			if tc.policy != nil {
				tc.policy(p)
			}
			if tc.claims != nil {
				tc.claims(c)
			}
			before := *p
			res, err := Match(p, c, testNow, MatchOptions{})
			if p.RepoOwnerID != before.RepoOwnerID || p.RepositoryID != before.RepositoryID {
				t.Errorf("Match changed the policy: %+v", p)
			}
			checkMatch(t, res, err, tc.want)
			checkExplainAgrees(t, p, c, MatchOptions{}, res, err)
		})
	}
}

func TestMatchForgejo(t *testing.T) {
	wf := "Workflow mismatch for policy 'sdk-release': "
	runForgeCases(t, func() (*Policy, *Claims) { return forgejoPolicy(), forgejoClaims() }, []forgeCase{
		{name: "bound policy matches", want: matched},
		{name: "pending policy binds", policy: pending(testNow.Add(-time.Hour)), want: bound},
		{name: "workflow in .github/workflows matches", want: matched,
			claims: func(c *Claims) { c.WorkflowRef = "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.0.0" }},
		{name: "owner and repository in another case match", want: matched,
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "Contoso", "Contoso/SDK" }},
		{name: "look-alike owner", want: generic,
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "contoso-evil", "contoso-evil/sdk" }},
		{name: "look-alike repository", want: generic,
			claims: func(c *Claims) { c.Repository = "contoso/sdk-evil" }},
		{name: "owner ID rebound (owner renamed, name re-registered)", want: generic,
			claims: func(c *Claims) { c.RepoOwnerID = "9999" }},
		{name: "repository ID rebound (repository deleted and re-created)", want: generic,
			claims: func(c *Claims) { c.RepositoryID = "9999" }},
		{name: "pending policy with a token from before the IDs", policy: pending(testNow.Add(-time.Hour)), want: generic,
			claims: func(c *Claims) { c.RepoOwnerID, c.RepositoryID = "", "" }},
		{name: "another Forgejo instance (self-hosted) with the same names", want: generic,
			claims: func(c *Claims) { c.Issuer = "https://git.example.com/api/actions" }},
		{name: "self-hosted instance policy matches its own tokens", want: matched,
			policy: func(p *Policy) { p.Issuer = "https://git.example.com/api/actions" },
			claims: func(c *Claims) { c.Issuer = "https://git.example.com/api/actions" }},
		{name: "GitHub token for a Forgejo policy", want: generic,
			claims: func(c *Claims) { c.Provider = GitHub }},
		{name: "another workflow", want: specificMsg(wf + "expected 'release.yml', actual 'ci.yml'"),
			claims: func(c *Claims) { c.WorkflowRef = "contoso/sdk/.forgejo/workflows/ci.yml@refs/heads/main" }},
		{name: "workflow file of the same name in another repository",
			want:   specificMsg(wf + "expected 'release.yml', actual 'evil/x/.forgejo/workflows/release.yml'"),
			claims: func(c *Claims) { c.WorkflowRef = "evil/x/.forgejo/workflows/release.yml@refs/heads/main" }},
		{name: "workflow file in a subfolder", want: specificMsg(wf + "expected 'release.yml', actual 'sub/release.yml'"),
			claims: func(c *Claims) { c.WorkflowRef = "contoso/sdk/.forgejo/workflows/sub/release.yml@refs/heads/main" }},
		{name: "no workflow_ref: the workflow file name", want: matched,
			claims: func(c *Claims) { c.WorkflowRef = "" }},
		{name: "no workflow_ref and another workflow", want: specificMsg(wf + "expected 'release.yml', actual 'ci.yml'"),
			claims: func(c *Claims) { c.WorkflowRef, c.Workflow = "", "ci.yml" }},
		{name: "no workflow claims", want: specificMsg("The JSON Web Token is missing the required claim 'workflow_ref'."),
			claims: func(c *Claims) { c.WorkflowRef, c.Workflow = "", "" }},
		{name: "workflow name case differs", want: specificMsg(wf + "expected 'Release.yml', actual 'release.yml'"),
			policy: func(p *Policy) { p.Workflow = "Release.yml" }},
		{name: "banned event", want: specificMsg("The Forgejo Actions event 'pull_request_target' is not allowed."),
			claims: func(c *Claims) { c.EventName = "pull_request_target" }},
		{name: "pull-request job of a push policy", want: specificMsg("Policy 'sdk-release' publishes from branches and tags only, not from pull-request jobs (ref 'refs/pull/3/head')."),
			claims: func(c *Claims) { c.EventName, c.Ref = "pull_request", "refs/pull/3/head" }},
		{name: "pull-request job of a read-only policy", want: matched,
			policy: func(p *Policy) { p.ReadOnly = true },
			claims: func(c *Claims) { c.EventName, c.Ref = "pull_request", "refs/pull/3/head" }},
		{name: "read-only policy without a workflow", want: matched,
			policy: func(p *Policy) { p.ReadOnly, p.Workflow = true, "" },
			claims: func(c *Claims) { c.WorkflowRef = "contoso/sdk/.forgejo/workflows/ci.yml@refs/heads/main" }},
		{name: "glob policy: workflow in the matching repository", want: matched,
			policy: func(p *Policy) { p.Repository, p.RepositoryID = "sdk-*", AnyRepository },
			claims: func(c *Claims) {
				c.Repository, c.RepositoryID = "contoso/sdk-core", "3434"
				c.WorkflowRef = "contoso/sdk-core/.forgejo/workflows/release.yml@refs/tags/v1.0.0"
			}},
	})
}

func TestMatchAzure(t *testing.T) {
	runForgeCases(t, func() (*Policy, *Claims) { return azurePolicy(), azureClaims() }, []forgeCase{
		{name: "bound policy matches", want: matched},
		{name: "pending policy binds", policy: pending(testNow.Add(-time.Hour)), want: bound},
		{name: "project name in another case matches", want: matched,
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "contoso sdk", "contoso sdk/12" }},
		{name: "look-alike project", want: generic,
			claims: func(c *Claims) { c.RepoOwner, c.Repository = "Contoso SDK2", "Contoso SDK2/12" }},
		{name: "another pipeline of the project", want: generic,
			claims: func(c *Claims) { c.DefinitionID, c.Repository = "13", "Contoso SDK/13" }},
		{name: "project ID rebound (project renamed, name re-used)", want: generic,
			claims: func(c *Claims) { c.RepoOwnerID = "11111111-2222-3333-4444-555555555555" }},
		{name: "repository ID rebound (pipeline now builds another repository)", want: generic,
			claims: func(c *Claims) { c.RepositoryID = "11111111-2222-3333-4444-555555555555" }},
		{name: "another organisation's token, same names", want: generic,
			claims: func(c *Claims) { c.OrganizationID = "11111111-2222-3333-4444-555555555555" }},
		{name: "another organisation's issuer", want: generic,
			claims: func(c *Claims) { c.Issuer = "https://vstoken.dev.azure.com/11111111-2222-3333-4444-555555555555" }},
		{name: "token without repository ID", want: generic,
			claims: func(c *Claims) { c.RepositoryID = "" }},
		{name: "another branch", want: specificMsg("Ref mismatch for policy 'sdk-release': expected 'refs/heads/main', actual 'refs/heads/dev'"),
			claims: func(c *Claims) { c.Ref = "refs/heads/dev" }},
		{name: "pull request build", want: specificMsg("Ref mismatch for policy 'sdk-release': expected 'refs/heads/main', actual 'refs/pull/7/merge'"),
			claims: func(c *Claims) { c.Ref = "refs/pull/7/merge" }},
		{name: "push policy without a branch", want: specificMsg("Policy 'sdk-release' names no branch; an Azure Pipelines push policy must name the branch it publishes from."),
			policy: func(p *Policy) { p.Ref = "" }},
		{name: "read-only policy without a branch", want: matched,
			policy: func(p *Policy) { p.Ref, p.ReadOnly = "", true }, claims: func(c *Claims) { c.Ref = "refs/pull/7/merge" }},
		{name: "policy branch written as a full ref", want: matched,
			policy: func(p *Policy) { p.Ref = "refs/heads/main" }},
	})
}
