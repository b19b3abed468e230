package registry

// Reading a policy request: its fields validated and normalised, the
// issuer chosen, the owner/* form checked. The use cases that store
// policies are in policies.go.

import (
	"strings"

	"github.com/wharf-registry/wharf/internal/trust"
)

// policyFromRequest validates and normalises the request's fields. The
// issuer is named by its name in the server's trusted_issuers (see
// policyIssuer); the stored issuer (an updated policy's own), asked for by
// its URL, is kept even if the operator no longer lists it.
func (s *Service) policyFromRequest(req NewPolicy, stored trust.Issuer) (*trust.Policy, error) {
	if err := checkTexts("policy name", req.Name, "repository", req.Repository, "owner ID", req.RepoOwnerID,
		"repository ID", req.RepositoryID, "workflow", req.Workflow, "reusable workflow", req.ReusableWorkflow,
		"environment", req.Environment, "ref", req.Ref, "CI config path", req.CIConfigPath, "issuer", req.Issuer); err != nil {
		return nil, err
	}
	if err := checkLengths(maxPolicyText, "policy name", req.Name, "environment", req.Environment, "workflow", req.Workflow,
		"reusable workflow", req.ReusableWorkflow, "ref", req.Ref, "CI config path", req.CIConfigPath); err != nil {
		return nil, err
	}
	for _, g := range req.Globs {
		if err := checkText("package glob", g); err != nil {
			return nil, err
		}
	}
	iss, err := s.policyIssuer(req, stored)
	if err != nil {
		return nil, err
	}
	provider := iss.Provider
	p := &trust.Policy{Provider: provider, Issuer: iss.URL, Environment: strings.TrimSpace(req.Environment), ReadOnly: req.ReadOnly, StagingOnly: req.StagingOnly}
	p.IssuerName = iss.Name
	if p.ReadOnly && p.StagingOnly {
		return nil, fieldErrorf(ErrInvalid, "staging only", "A policy is either read-only (its keys only restore) or limited to staging (its keys stage packages); choose one.")
	}
	req.Provider = provider
	if trust.RuleKind(provider) {
		return s.rulePolicy(req, p)
	}
	if len(req.Claims) > 0 {
		return nil, fieldErrorf(ErrInvalid, "claims", "Claims apply to Buildkite, CircleCI and generic OIDC policies; a %s policy names its repository, workflow and environment.", provider)
	}
	repo := strings.Trim(strings.TrimSpace(req.Repository), "/")
	i := strings.LastIndex(repo, "/")
	if req.Provider == trust.Azure {
		if err := azurePipeline(req, p); err != nil {
			return nil, err
		}
	} else if i <= 0 || i == len(repo)-1 || strings.ContainsAny(repo, " \t@:") {
		return nil, fieldErrorf(ErrInvalid, "repository", "'%s' is not a repository: write it as owner/repository (GitLab: namespace/project).", req.Repository)
	}
	if req.Provider == trust.GitHub && strings.Count(repo, "/") != 1 {
		return nil, fieldErrorf(ErrInvalid, "repository", "'%s' is not a GitHub repository: write it as owner/repository.", req.Repository)
	}
	if req.Provider != trust.Azure {
		p.RepoOwner, p.Repository = repo[:i], repo[i+1:]
	}
	if req.Provider == trust.Azure {
		// azurePipeline set the names and IDs
	} else if p.RepoGlob() {
		if err := globRepoPolicy(req, p); err != nil {
			return nil, err
		}
	} else {
		if (req.RepoOwnerID == "") != (req.RepositoryID == "") {
			return nil, errorf(ErrInvalid, "Give both the owner ID and the repository ID, or neither (they are then bound on first use).")
		}
		if strings.TrimSpace(req.RepositoryID) == trust.AnyRepository {
			return nil, fieldErrorf(ErrInvalid, "repository", "'%s' is not a repository ID: '%s' would bind the policy to the owner only, which only a read-only owner/* policy may; give the repository's numeric ID, or leave both IDs out to bind them on first use.",
				req.RepositoryID, trust.AnyRepository)
		}
		p.RepoOwnerID, p.RepositoryID = strings.TrimSpace(req.RepoOwnerID), strings.TrimSpace(req.RepositoryID)
	}
	switch req.Provider {
	case trust.GitHub:
		if !req.ReadOnly || strings.TrimSpace(req.Workflow) != "" {
			wf, err := trust.NormalizeWorkflow(req.Workflow)
			if err != nil {
				return nil, fieldErrorf(ErrInvalid, "workflow", "%s", err.Error())
			}
			p.Workflow = wf
		}
		if strings.TrimSpace(req.ReusableWorkflow) != "" {
			if p.ReusableWorkflow, err = trust.NormalizeReusableWorkflow(req.ReusableWorkflow); err != nil {
				return nil, fieldErrorf(ErrInvalid, "reusable workflow", "%s", err.Error())
			}
		}
		if req.Ref != "" || req.CIConfigPath != "" {
			return nil, fieldErrorf(ErrInvalid, "ref", "Ref and CI config path apply to GitLab policies only.")
		}
	case trust.GitLab:
		p.Ref, p.CIConfigPath = strings.TrimSpace(req.Ref), strings.TrimSpace(req.CIConfigPath)
		if req.Workflow != "" || req.ReusableWorkflow != "" {
			return nil, fieldErrorf(ErrInvalid, "workflow", "Workflows apply to GitHub policies only; GitLab policies may name a CI config path.")
		}
	case trust.Forgejo:
		if err := forgejoFields(req, p); err != nil {
			return nil, err
		}
	case trust.Azure:
		if err := azureFields(req, p); err != nil {
			return nil, err
		}
	}
	if p.Globs, err = normalizeGlobs(req.Globs); err != nil {
		return nil, err
	}
	if p.ReadOnly && len(p.Globs) > 0 {
		return nil, fieldErrorf(ErrInvalid, "package glob", "Package globs narrow what a policy may push; a read-only policy restores from every feed its owner may read, so leave the packages out.")
	}
	p.Name = strings.TrimSpace(req.Name)
	derived := p.Name == ""
	if derived {
		p.Name = repo
		if p.Workflow != "" {
			p.Name += "/" + p.Workflow
		}
		if p.Environment != "" {
			p.Name += "@" + p.Environment
		}
		if p.ReadOnly {
			p.Name += " (read-only)"
		}
	}
	if derived && len(p.Name) > maxPolicyText {
		return nil, fieldErrorf(ErrInvalid, "policy name", "The name Wharf derives from the repository, workflow and environment is longer than %d characters: give the policy a shorter name.", maxPolicyText)
	}
	return p, nil
}

// maxPolicyText is the most characters a policy's name, environment,
// workflow, ref or CI config path may have.
const maxPolicyText = 200

// checkLengths refuses the first of the (label, value) pairs whose trimmed
// value is longer than max, with a sentence naming that field, so that a
// form can show the error beside it.
func checkLengths(max int, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if len(strings.TrimSpace(pairs[i+1])) > max {
			return fieldErrorf(ErrInvalid, pairs[i], "The %s is longer than %d characters: shorten it.", pairs[i], max)
		}
	}
	return nil
}

// IssuersOf lists the trusted issuers of a provider, or all when provider
// is "", in the operator's order.
func (s *Service) IssuersOf(provider trust.Provider) []trust.Issuer {
	var out []trust.Issuer
	for _, iss := range s.issuers {
		if provider == "" || iss.Provider == provider {
			out = append(out, iss)
		}
	}
	return out
}
