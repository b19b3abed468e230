package trust

import (
	"testing"
	"time"
)

// TestMatchRepositoryGlobs: policies for every repository of an owner
// (owner/*) or a glob of them (owner/sdk-*): read-only and push, bound to
// the owner's ID only, never across owners.
func TestMatchRepositoryGlobs(t *testing.T) {
	runMatchCases(t, []matchCase{
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
		{name: "gitlab push glob policy without a CI config path matches nothing", gitlab: true,
			policy: func(p *Policy) { p.Repository, p.RepositoryID, p.CIConfigPath = "*", AnyRepository, "" }, want: generic},
		{name: "pending glob policy binds",
			policy: func(p *Policy) {
				pending(testNow.Add(-time.Hour))(p)
				p.Repository, p.RepositoryID = "sdk*", AnyRepository
			}, want: bound},
		{name: "gitlab push policy for a group's projects matches with its CI config path", gitlab: true,
			policy: func(p *Policy) { p.Repository, p.RepositoryID = "*", AnyRepository }, want: matched},
	})
}
