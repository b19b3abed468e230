package registry

// Reading a policy request for a claim-rule issuer (Buildkite, CircleCI,
// a generic OpenID Connect issuer): its claim values checked against the
// issuer's profile (trust.Profile) into the policy's rules, and the
// repository columns filled in for lists and the binding.

import (
	"errors"
	"strings"

	"github.com/wharf-registry/wharf/internal/trust"
)

// ClaimFieldPrefix starts the Field of an error about one claim value:
// "claim:" followed by the profile field's key.
const ClaimFieldPrefix = "claim:"

// issuerByURL returns a trusted issuer with its settings, or one with
// only the URL and provider when the operator no longer lists it.
func (s *Service) issuerByURL(url string, provider trust.Provider) trust.Issuer {
	for _, iss := range s.issuers {
		if iss.URL == url {
			return iss
		}
	}
	return trust.Issuer{URL: url, Provider: provider}
}

// ProfileOf returns the claim-rule profile of a trusted issuer (ok false
// for GitHub and GitLab issuers).
func (s *Service) ProfileOf(issuerURL string, provider trust.Provider) (trust.Profile, bool) {
	return trust.ProfileOf(s.issuerByURL(issuerURL, provider))
}

// rulePolicy fills p (provider, issuer and flags already set) from a
// claim-rule request. Buildkite takes repository as organization/pipeline
// and ref as the branch; CircleCI repository as the project ID and ref as
// the vcs-ref; every kind takes req.Claims by field key.
func (s *Service) rulePolicy(req NewPolicy, p *trust.Policy) (*trust.Policy, error) {
	iss := s.issuerByURL(p.Issuer, p.Provider)
	prof, _ := trust.ProfileOf(iss)
	values := map[string]string{}
	for k, v := range req.Claims {
		if err := checkText("claim "+k, v); err != nil {
			return nil, err
		}
		values[k] = v
	}
	repo, ref := strings.TrimSpace(req.Repository), strings.TrimSpace(req.Ref)
	switch p.Provider {
	case trust.Buildkite:
		if repo != "" {
			org, pipeline, ok := strings.Cut(strings.Trim(repo, "/"), "/")
			if !ok || strings.Contains(pipeline, "/") {
				return nil, fieldErrorf(ErrInvalid, "repository", "'%s' is not a Buildkite pipeline: write it as organization-slug/pipeline-slug.", req.Repository)
			}
			values["organization"], values["pipeline"] = org, pipeline
		}
		if ref != "" {
			values["branch"] = strings.TrimPrefix(ref, "refs/heads/")
		}
	case trust.CircleCI:
		if org, project, ok := strings.Cut(repo, "/"); ok { // ORG_ID/PROJECT_ID, as lists show it
			if !strings.EqualFold(org, trust.CircleCIOrgID(p.Issuer)) || strings.Contains(project, "/") {
				return nil, fieldErrorf(ErrInvalid, "repository", "'%s' is not a project of the CircleCI organisation %s: give the project ID alone.", req.Repository, trust.CircleCIOrgID(p.Issuer))
			}
			repo = project
		}
		if repo != "" {
			values["project"] = repo
		}
		if ref != "" {
			values["ref"] = ref
		}
	default:
		if repo != "" || ref != "" {
			return nil, fieldErrorf(ErrInvalid, "repository", "Policies for %s name the claims the operator chose (%s), not a repository or ref.", iss.Name, strings.Join(iss.MatchClaims(), ", "))
		}
	}
	if req.Workflow != "" || req.ReusableWorkflow != "" || req.CIConfigPath != "" || strings.TrimSpace(req.Environment) != "" {
		return nil, fieldErrorf(ErrInvalid, "workflow", "Workflows, environments and CI config paths apply to GitHub and GitLab policies only; a %s policy names its claims.", p.Provider)
	}
	rules, err := prof.Rules(values)
	var re *trust.RuleError
	if errors.As(err, &re) {
		return nil, fieldErrorf(ErrInvalid, ClaimFieldPrefix+re.Field, "%s", re.Msg)
	}
	if err != nil {
		return nil, err
	}
	p.Rules = rules
	if err := pushNamesRef(p); err != nil {
		return nil, err
	}
	ownerID, repoID := strings.TrimSpace(req.RepoOwnerID), strings.TrimSpace(req.RepositoryID)
	switch p.Provider {
	case trust.Buildkite:
		p.RepoOwner, p.Repository = rules.Value("organization_slug"), rules.Value("pipeline_slug")
		if (ownerID == "") != (repoID == "") {
			return nil, errorf(ErrInvalid, "Give both the organisation ID and the pipeline ID, or neither (they are then bound on first use).")
		}
		p.RepoOwnerID, p.RepositoryID = strings.ToLower(ownerID), strings.ToLower(repoID)
	case trust.CircleCI:
		// The organisation is the issuer's; the project ID is immutable:
		// the policy is bound when created.
		org := trust.CircleCIOrgID(p.Issuer)
		p.RepoOwner, p.Repository = org, rules.Value("oidc.circleci.com/project-id")
		p.RepoOwnerID, p.RepositoryID = org, p.Repository
	default:
		p.RepoOwner, p.Repository = iss.URL, ruleSummary(rules)
		if i := strings.Index(iss.URL, "://"); i >= 0 {
			p.RepoOwner = iss.URL[i+3:]
		}
		if len(rules.Bind) == 0 {
			p.RepoOwnerID, p.RepositoryID = trust.OIDCIDs()
		}
	}
	if p.Globs, err = normalizeGlobs(req.Globs); err != nil {
		return nil, err
	}
	if p.ReadOnly && len(p.Globs) > 0 {
		return nil, fieldErrorf(ErrInvalid, "package glob", "Package globs narrow what a policy may push; a read-only policy restores from every feed its owner may read, so leave the packages out.")
	}
	p.Name = strings.TrimSpace(req.Name)
	if p.Name == "" {
		p.Name = string(p.Provider) + ":" + p.RepoOwner + "/" + p.Repository
		if p.ReadOnly {
			p.Name += " (read-only)"
		}
		if len(p.Name) > maxPolicyText {
			p.Name = p.Name[:maxPolicyText]
		}
	}
	return p, nil
}

// ruleSummary writes a generic policy's rules as claim=value,... (its
// Repository column: changing them is a change of identity).
func ruleSummary(r trust.ClaimRules) string {
	parts := make([]string, len(r.Match))
	for i, m := range r.Match {
		parts[i] = m.Claim + "=" + m.Value
	}
	return strings.Join(parts, ",")
}

// pushNamesRef refuses a Buildkite or CircleCI push policy that names no
// branch or ref (or only "*"), as an Azure Pipelines one is refused: the
// pipeline's identity is the same for builds of pull requests, forks'
// included, so only the branch keeps them from publishing. Read-only
// policies may leave it out.
func pushNamesRef(p *trust.Policy) error {
	if p.ReadOnly {
		return nil
	}
	switch {
	case p.Provider == trust.Buildkite && anyRef(p.Rules.Value("build_branch")):
		return fieldErrorf(ErrInvalid, ClaimFieldPrefix+"branch", "A Buildkite push policy must name the branch it publishes from (a pattern such as release/* is fine): without one, builds of pull requests, forks' included, could publish.")
	case p.Provider == trust.CircleCI && anyRef(p.Rules.Value("oidc.circleci.com/vcs-ref")):
		return fieldErrorf(ErrInvalid, ClaimFieldPrefix+"ref", "A CircleCI push policy must name the ref it publishes from, such as refs/heads/main or refs/tags/v*: without one, builds of pull requests could publish.")
	}
	return nil
}

// anyRef reports whether a branch or ref rule lets every branch through.
func anyRef(v string) bool { return strings.Trim(strings.TrimSpace(v), "*") == "" }
