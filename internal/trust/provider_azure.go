package trust

// Azure Pipelines (Azure DevOps Services). A pipeline job asks for its
// OIDC token with a POST to $(System.OidcRequestUri) authorised by
// $(System.AccessToken). The token:
//
//	iss     https://vstoken.dev.azure.com/<organisation ID>   (one issuer per organisation)
//	aud     api://AzureADTokenExchange                        (fixed: the job cannot choose it)
//	sub     p://<organisation>/<project>/<pipeline name>
//	org_id  organisation ID (GUID)      prj_id  project ID (GUID)
//	def_id  pipeline definition ID      rpo_id  source repository ID
//	rpo_ref ref built (refs/heads/main) rpo_ver commit   rpo_uri repository URL
//	run_id, jti, iat, nbf, exp (five minutes)
//
// The uniform fields: RepoOwner is the project name (from sub), RepoOwnerID
// the project ID; Repository is "<project>/<definition ID>", RepositoryID
// the source repository's ID. A policy names the project and the pipeline
// definition ID, and binds the project ID and repository ID on first use;
// the organisation is its issuer, and org_id must equal the issuer's ID.
// That is what nuget.org's Azure Pipelines policies match (organisation,
// project, definition and repository IDs, and the ref), bound by names
// first as Wharf's other providers are.
//
// The fixed audience means a token shown to any other service that trusts
// Azure DevOps tokens could be replayed here within its five minutes:
// every token is still accepted once (jti), and the docs say so.

import (
	"fmt"
	"regexp"
	"strings"
)

// AzureDevOpsAudience is the only aud Azure DevOps puts in pipeline tokens.
const AzureDevOpsAudience = "api://AzureADTokenExchange"

// AzureDevOpsIssuerPrefix starts every Azure DevOps issuer URL; the
// organisation's ID follows.
const AzureDevOpsIssuerPrefix = "https://vstoken.dev.azure.com/"

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// azureOrgID is the organisation ID an Azure DevOps issuer URL ends with,
// or "" when the URL is not one (a loopback test issuer's last segment
// counts, so tests can stand in for vstoken.dev.azure.com).
func azureOrgID(issuer string) string {
	i := strings.LastIndex(issuer, "/")
	if i < 0 || !guidRE.MatchString(issuer[i+1:]) {
		return ""
	}
	return issuer[i+1:]
}

// azure maps Azure Pipelines claims and returns the required ones. A token
// whose org_id is not its issuer's organisation, or whose sub is not a
// pipeline's, is refused here.
func (r *reader) azure(c *Claims, issuer string) []string {
	c.OrganizationID, c.RepoOwnerID = r.str("org_id"), r.str("prj_id")
	c.DefinitionID, c.RepositoryID = r.str("def_id"), r.str("rpo_id")
	c.Ref, c.SHA, c.RepositoryURI = r.str("rpo_ref"), r.str("rpo_ver"), r.str("rpo_uri")
	c.RunID = r.str("run_id")
	required := []string{"org_id", "prj_id", "def_id", "rpo_id", "rpo_ref"}
	if r.err != nil {
		return required
	}
	rest, ok := strings.CutPrefix(c.Subject, "p://")
	parts := strings.SplitN(rest, "/", 3)
	if !ok || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		r.err = tokenError("The JSON web token's sub claim is not an Azure Pipelines subject (p://organisation/project/pipeline).", nil)
		return required
	}
	c.RepoOwner = parts[1]
	if c.DefinitionID != "" {
		c.Repository = parts[1] + "/" + c.DefinitionID
	}
	if c.OrganizationID != "" && !strings.EqualFold(c.OrganizationID, azureOrgID(issuer)) {
		r.err = tokenError(fmt.Sprintf("The JSON web token's org_id claim is not the organisation of its issuer %s.", issuer), nil)
	}
	return required
}

// expectedAudience is the aud a provider's tokens must carry: Wharf's
// configured audience, except for Azure Pipelines, whose jobs cannot
// choose theirs.
func expectedAudience(p Provider, configured string) string {
	if p == Azure {
		return AzureDevOpsAudience
	}
	return configured
}

// IsDefinitionID reports whether s is an Azure Pipelines definition ID:
// the number in the pipeline's URL (definitionId=12).
func IsDefinitionID(s string) bool {
	if s == "" || len(s) > 10 || s[0] == '0' {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// matchAzure applies the Azure Pipelines checks after the identity ones:
// the organisation (again: the issuer names it), then the branch. A push
// policy must name its branch (nuget.org requires the ref too): without
// one, pull-request validation builds, whose rpo_ref is refs/pull/N/merge,
// would match.
func matchAzure(p *Policy, c *Claims) *MatchError {
	if org := azureOrgID(p.Issuer); org == "" || !strings.EqualFold(c.OrganizationID, org) {
		return noMatch("organisation %q is not the issuer's %q", c.OrganizationID, org)
	}
	want := strings.TrimPrefix(strings.TrimSpace(p.Ref), "refs/heads/")
	if want == "" {
		if p.ReadOnly {
			return nil
		}
		return specific("Policy '%s' names no branch; an Azure Pipelines push policy must name the branch it publishes from.", p.Name)
	}
	if c.Ref != "refs/heads/"+want {
		return mismatch("Ref", p.Name, "refs/heads/"+want, c.Ref)
	}
	return nil
}

// checkProviderIssuer refuses an issuer URL that no issuer of the provider
// puts in its tokens, where the provider's URLs have a known shape:
// Forgejo's end in /api/actions; Azure DevOps' are
// https://vstoken.dev.azure.com/ORGANISATION_ID (on a loopback host any
// URL ending in an ID, for tests). The errors are sentences.
func checkProviderIssuer(p Provider, u string) error {
	switch p {
	case CircleCI:
		if CircleCIOrgID(u) == "" {
			return fmt.Errorf("CircleCI has one issuer per organisation: https://oidc.circleci.com/org/ORG_ID with your organisation's ID")
		}
	case Forgejo:
		if !strings.HasSuffix(u, forgejoIssuerPath) {
			return fmt.Errorf("a Forgejo Actions issuer is the instance's URL followed by %s, e.g. %s", forgejoIssuerPath, CodebergIssuer)
		}
	case Azure:
		org := azureOrgID(u)
		if org == "" || (!strings.HasPrefix(u, AzureDevOpsIssuerPrefix) && !strings.HasPrefix(u, "http://")) ||
			(strings.HasPrefix(u, AzureDevOpsIssuerPrefix) && u != AzureDevOpsIssuerPrefix+org) {
			return fmt.Errorf("an Azure Pipelines issuer is %sORGANISATION_ID, the organisation's ID (a GUID, shown when you create a workload identity service connection)", AzureDevOpsIssuerPrefix)
		}
	}
	return nil
}
