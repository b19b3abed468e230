package registry

import (
	"reflect"
	"testing"
)

func TestProvenanceChanges(t *testing.T) {
	gh := func(change func(*Provenance)) *Provenance {
		p := &Provenance{Provider: "github", Issuer: "https://token.actions.githubusercontent.com", Repository: "contoso/sdk", RepositoryID: "123",
			WorkflowRef: "contoso/sdk/.github/workflows/release.yml@refs/tags/v1", JobWorkflowRef: "contoso/sdk/.github/workflows/release.yml@refs/tags/v1",
			Ref: "refs/tags/v1", Environment: "prod", Commit: "a", RunID: "1", PolicyID: 1, PolicyName: "release"}
		if change != nil {
			change(p)
		}
		return p
	}
	gl := func(change func(*Provenance)) *Provenance {
		p := &Provenance{Provider: "gitlab", Issuer: "https://gitlab.com", Repository: "contoso/tools", RepositoryID: "77",
			CIConfigRefURI: "gitlab.com/contoso/tools//.gitlab-ci.yml@refs/heads/main", Ref: "main"}
		if change != nil {
			change(p)
		}
		return p
	}
	az := func(repo string) *Provenance {
		return &Provenance{Provider: "azure", Issuer: "https://vstoken.dev.azure.com/org-guid", Repository: repo, RepositoryID: "rpo-guid", Ref: "refs/heads/main"}
	}
	// A generic OIDC issuer whose oidc_claims name no ID claim: every
	// token has the stand-in ID "-", and the policy's claims name the job.
	oidc := func(sub string, policy int64) *Provenance {
		return &Provenance{Provider: "oidc", Issuer: "https://ci.example.com", Repository: sub, RepositoryID: "-", RepositoryOwnerID: "-", PolicyID: policy}
	}
	tests := []struct {
		name     string
		est, now *Provenance
		want     []string // the What of each change
	}{
		{"nothing established", nil, nil, nil},
		{"same build, next release", gh(nil), gh(func(p *Provenance) {
			p.Ref, p.Environment, p.Commit, p.RunID, p.PolicyID, p.PolicyName = "refs/heads/main", "staging", "b", "2", 2, "other"
			p.WorkflowRef, p.JobWorkflowRef = "contoso/sdk/.github/workflows/release.yml@refs/heads/main", "contoso/sdk/.github/workflows/release.yml@refs/heads/main"
		}), nil},
		{"renamed repository, same ID", gh(nil), gh(func(p *Provenance) {
			p.Repository = "contoso/sdk-next"
			p.WorkflowRef = "contoso/sdk-next/.github/workflows/release.yml@refs/tags/v1"
			p.JobWorkflowRef = p.WorkflowRef
		}), nil},
		{"long-lived key", gh(nil), nil, []string{"publisher"}},
		{"another repository", gh(nil), gh(func(p *Provenance) {
			p.Repository, p.RepositoryID = "mallory/sdk", "999"
			p.WorkflowRef = "mallory/sdk/.github/workflows/release.yml@refs/tags/v1"
			p.JobWorkflowRef = p.WorkflowRef
		}), []string{"repository"}},
		{"same name, re-created repository", gh(nil), gh(func(p *Provenance) { p.RepositoryID = "124" }), []string{"repository"}},
		{"another workflow", gh(nil), gh(func(p *Provenance) {
			p.WorkflowRef = "contoso/sdk/.github/workflows/nightly.yml@refs/heads/main"
			p.JobWorkflowRef = p.WorkflowRef
		}), []string{"workflow"}},
		{"another reusable workflow", gh(nil), gh(func(p *Provenance) {
			p.JobWorkflowRef = "evil/shared/.github/workflows/publish.yml@refs/heads/main"
		}), []string{"reusable workflow"}},
		{"another issuer", gh(nil), gh(func(p *Provenance) { p.Issuer = "https://ghe.example.com/_services/token" }), []string{"issuer"}},
		{"everything", gh(nil), gl(nil), []string{"issuer", "repository", "workflow"}},
		{"GitLab, another CI file", gl(nil), gl(func(p *Provenance) {
			p.CIConfigRefURI = "gitlab.com/contoso/tools//ci/other.yml@refs/heads/main"
		}), []string{"workflow"}},
		{"Azure Pipelines, another definition in the same repository", az("contoso-app/12"), az("contoso-app/13"), []string{"workflow"}},
		{"Azure Pipelines, the same definition", az("contoso-app/12"), az("contoso-app/12"), nil},
		{"generic OIDC without IDs, another policy's job", oidc("job:alpha", 1), oidc("job:beta", 2), []string{"repository"}},
		{"generic OIDC without IDs, the same policy", oidc("job:alpha run 1", 1), oidc("job:alpha run 2", 1), nil},
		{"GitLab, another branch", gl(nil), gl(func(p *Provenance) {
			p.CIConfigRefURI, p.Ref = "gitlab.com/contoso/tools//.gitlab-ci.yml@refs/heads/release", "release"
		}), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range ProvenanceChanges(tc.est, tc.now) {
				got = append(got, c.What)
				if c.Was == c.Now {
					t.Errorf("%s: was and now are the same: %q", c.What, c.Was)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("changes %v, want %v", got, tc.want)
			}
		})
	}
}
