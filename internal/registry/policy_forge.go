package registry

// The fields of Forgejo Actions and Azure Pipelines policies (see
// trust/provider_forgejo.go and trust/provider_azure.go for what their
// tokens carry). policyFromRequest calls these for the two providers.

import (
	"strings"

	"github.com/wharf-registry/wharf/internal/trust"
)

// forgejoFields reads a Forgejo policy's workflow file (required unless
// read-only) and refuses what Forgejo tokens cannot prove: an environment,
// a reusable workflow, a GitLab ref or CI config path.
func forgejoFields(req NewPolicy, p *trust.Policy) error {
	switch {
	case strings.Count(strings.Trim(strings.TrimSpace(req.Repository), "/"), "/") != 1:
		return fieldErrorf(ErrInvalid, "repository", "'%s' is not a Forgejo repository: write it as owner/repository.", req.Repository)
	case strings.TrimSpace(req.Environment) != "":
		return fieldErrorf(ErrInvalid, "environment", "Forgejo Actions tokens name no environment: leave the environment out.")
	case strings.TrimSpace(req.ReusableWorkflow) != "":
		return fieldErrorf(ErrInvalid, "reusable workflow", "Forgejo Actions tokens name no reusable workflow: leave it out.")
	case req.Ref != "" || req.CIConfigPath != "":
		return fieldErrorf(ErrInvalid, "ref", "Ref and CI config path apply to GitLab policies only (Azure Pipelines policies take a branch).")
	}
	if !req.ReadOnly || strings.TrimSpace(req.Workflow) != "" {
		wf, err := trust.NormalizeForgejoWorkflow(req.Workflow)
		if err != nil {
			return fieldErrorf(ErrInvalid, "workflow", "%s", err.Error())
		}
		p.Workflow = wf
	}
	return nil
}

// azurePipeline reads an Azure Pipelines policy's "repository": the
// project name and the pipeline's definition ID, "Contoso SDK/12". Project
// names may hold spaces; the ID is the number in the pipeline's URL
// (definitionId=12). Known IDs (project ID, source repository ID) make the
// policy active at once; else the first token binds them.
func azurePipeline(req NewPolicy, p *trust.Policy) error {
	in := strings.Trim(strings.TrimSpace(req.Repository), "/")
	i := strings.LastIndex(in, "/")
	project, def := "", ""
	if i > 0 {
		project, def = strings.TrimSpace(in[:i]), strings.TrimSpace(in[i+1:])
	}
	switch {
	case project == "" || strings.Contains(project, "/") || strings.ContainsAny(project, "*?"):
		return fieldErrorf(ErrInvalid, "repository", "'%s' is not an Azure Pipelines pipeline: write it as project/definition-ID, e.g. Contoso SDK/12 (the number is definitionId in the pipeline's URL).", req.Repository)
	case !trust.IsDefinitionID(def):
		return fieldErrorf(ErrInvalid, "repository", "'%s' does not end in a pipeline definition ID: write project/definition-ID, e.g. %s/12 (the number is definitionId in the pipeline's URL).", req.Repository, project)
	}
	if (req.RepoOwnerID == "") != (req.RepositoryID == "") {
		return errorf(ErrInvalid, "Give both the project ID and the repository ID, or neither (they are then bound on first use).")
	}
	p.RepoOwner, p.Repository = project, def
	p.RepoOwnerID, p.RepositoryID = strings.TrimSpace(req.RepoOwnerID), strings.TrimSpace(req.RepositoryID)
	return nil
}

// azureFields reads an Azure Pipelines policy's branch (required for a
// push policy, as nuget.org requires the ref) and refuses the fields of
// other providers.
func azureFields(req NewPolicy, p *trust.Policy) error {
	switch {
	case req.Workflow != "" || req.ReusableWorkflow != "":
		return fieldErrorf(ErrInvalid, "workflow", "Workflows apply to GitHub and Forgejo policies; an Azure Pipelines policy names its pipeline and branch.")
	case strings.TrimSpace(req.Environment) != "":
		return fieldErrorf(ErrInvalid, "environment", "Azure Pipelines tokens name no environment: leave the environment out.")
	case req.CIConfigPath != "":
		return fieldErrorf(ErrInvalid, "CI config path", "The CI config path applies to GitLab policies only.")
	}
	ref := strings.TrimPrefix(strings.TrimSpace(req.Ref), "refs/heads/")
	if ref == "" && !req.ReadOnly {
		return fieldErrorf(ErrInvalid, "ref", "An Azure Pipelines push policy must name the branch it publishes from, e.g. main: without one, pull-request builds would match.")
	}
	if strings.ContainsAny(ref, " \t*?") {
		return fieldErrorf(ErrInvalid, "ref", "'%s' is not a branch name.", req.Ref)
	}
	p.Ref = ref
	return nil
}
