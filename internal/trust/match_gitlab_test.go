package trust

import (
	"testing"
	"time"
)

// TestMatchGitLab: GitLab CI tokens (subgroups, environment, branch, CI
// config path) against GitLab policies.
func TestMatchGitLab(t *testing.T) {
	runMatchCases(t, []matchCase{
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
	})
}
