package web

import (
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

const testSHA = "5e1f3c9a7b2d4e6f8091a2b3c4d5e6f708192a3b"

func githubProvenance(issuer string) registry.Provenance {
	return registry.Provenance{
		Provider: "github", Issuer: issuer, Repository: "contoso/sdk", Workflow: "Release",
		WorkflowRef:    "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.2.3",
		JobWorkflowRef: "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.2.3",
		Commit:         testSHA, Ref: "refs/tags/v1.2.3", RunID: "9876543210", RunAttempt: "2", Environment: "prod", Event: "push",
	}
}

func gitlabProvenance(issuer, configRef string) registry.Provenance {
	return registry.Provenance{
		Provider: "gitlab", Issuer: issuer, Repository: "contoso/tools/sdk", Commit: testSHA,
		Ref: "main", RunID: "1100223", Environment: "production", Event: "push", CIConfigRefURI: configRef,
	}
}

func TestProvenanceLinks(t *testing.T) {
	type links struct{ repo, workflow, commit, run, reusable string }
	with := func(p registry.Provenance, change func(*registry.Provenance)) registry.Provenance {
		change(&p)
		return p
	}
	gh := githubProvenance(trust.GitHubActionsIssuer)
	tests := []struct {
		name string
		prov registry.Provenance
		want links
	}{
		{"github.com", gh, links{
			repo:     "https://github.com/contoso/sdk",
			workflow: "https://github.com/contoso/sdk/blob/" + testSHA + "/.github/workflows/release.yml",
			commit:   "https://github.com/contoso/sdk/commit/" + testSHA,
			run:      "https://github.com/contoso/sdk/actions/runs/9876543210/attempts/2",
		}},
		{"GitHub Enterprise Server", githubProvenance("https://ghe.example.com/_services/token"), links{
			repo:     "https://ghe.example.com/contoso/sdk",
			workflow: "https://ghe.example.com/contoso/sdk/blob/" + testSHA + "/.github/workflows/release.yml",
			commit:   "https://ghe.example.com/contoso/sdk/commit/" + testSHA,
			run:      "https://ghe.example.com/contoso/sdk/actions/runs/9876543210/attempts/2",
		}},
		{"reusable workflow", with(gh, func(p *registry.Provenance) {
			p.JobWorkflowRef = "contoso/shared/.github/workflows/nuget.yml@refs/heads/main"
		}), links{
			repo:     "https://github.com/contoso/sdk",
			workflow: "https://github.com/contoso/sdk/blob/" + testSHA + "/.github/workflows/release.yml",
			commit:   "https://github.com/contoso/sdk/commit/" + testSHA,
			run:      "https://github.com/contoso/sdk/actions/runs/9876543210/attempts/2",
			reusable: "https://github.com/contoso/shared/blob/main/.github/workflows/nuget.yml",
		}},
		{"gitlab.com", gitlabProvenance(trust.GitLabComIssuer, "gitlab.com/contoso/tools/sdk//.gitlab-ci.yml@refs/heads/main"), links{
			repo:     "https://gitlab.com/contoso/tools/sdk",
			workflow: "https://gitlab.com/contoso/tools/sdk/-/blob/" + testSHA + "/.gitlab-ci.yml",
			commit:   "https://gitlab.com/contoso/tools/sdk/-/commit/" + testSHA,
			run:      "https://gitlab.com/contoso/tools/sdk/-/pipelines/1100223",
		}},
		{"self-managed GitLab, config from another project", gitlabProvenance("https://git.example.com", "git.example.com/ci/templates//nuget/publish.yml@refs/tags/v2"), links{
			repo:     "https://git.example.com/contoso/tools/sdk",
			workflow: "https://git.example.com/ci/templates/-/blob/v2/nuget/publish.yml",
			commit:   "https://git.example.com/contoso/tools/sdk/-/commit/" + testSHA,
			run:      "https://git.example.com/contoso/tools/sdk/-/pipelines/1100223",
		}},
		{"plain http issuer: no links", githubProvenance("http://127.0.0.1:8080"), links{}},
		{"unknown GitHub issuer shape: no links", githubProvenance("https://tokens.example.com/oidc"), links{}},
		{"odd claims are not linked", with(gh, func(p *registry.Provenance) {
			p.Commit, p.RunID, p.RunAttempt = "not-a-sha", "12/../../evil", "x"
		}), links{repo: "https://github.com/contoso/sdk"}},
		{"a path-like repository is not linked", with(gh, func(p *registry.Provenance) { p.Repository = "../contoso" }), links{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := provenanceView(&tc.prov, "https://wharf.test/v3/provenance/x/1.0.0.json")
			got := links{v.Repository.URL, v.Workflow.URL, v.Commit.URL, v.Run.URL, v.Reusable.URL}
			if got != tc.want {
				t.Errorf("links:\n got %+v\nwant %+v", got, tc.want)
			}
			if v.Repository.Text != tc.prov.Repository || v.Commit.Text != tc.prov.Commit || v.JSONURL == "" {
				t.Errorf("texts: %+v", v)
			}
		})
	}
}
