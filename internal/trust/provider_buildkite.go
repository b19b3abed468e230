package trust

// Buildkite agents' OIDC tokens (buildkite-agent oidc request-token). One
// issuer for every organisation, https://agent.buildkite.com; sub is
// organization:ORG:pipeline:PIPELINE:ref:REF:commit:SHA:step:KEY. A policy
// names the organisation and pipeline slugs (identity) and optionally a
// branch (build_branch, a glob allowed). Slugs can be renamed and reused,
// so the policy binds organization_id and pipeline_id (UUIDs), which a
// token carries only when the job asks for them with
// --claim organization_id,pipeline_id: a token without them is refused
// with a sentence that says so.

// BuildkiteIssuer is Buildkite's issuer.
const BuildkiteIssuer = "https://agent.buildkite.com"

// BuildkiteIDClaims is the --claim value a Buildkite job passes so that
// its token carries the IDs a policy binds.
const BuildkiteIDClaims = "organization_id,pipeline_id"

var buildkiteProfile = Profile{
	Provider: Buildkite,
	Fields: []ClaimField{
		{Key: "organization", Claim: "organization_slug", Label: "organization slug", Required: true, Identity: true, Lower: true,
			Hint: "the slug in the organisation's Buildkite URL, e.g. acme-inc."},
		{Key: "pipeline", Claim: "pipeline_slug", Label: "pipeline slug", Required: true, Identity: true, Lower: true,
			Hint: "the slug in the pipeline's Buildkite URL, e.g. sdk-release."},
		{Key: "branch", Claim: "build_branch", Label: "Branch", Glob: true,
			Hint: "the build's branch, e.g. main or release/*; a push policy must name one (read-only: empty is any)."},
	},
	Bind:   []string{"organization_id", "pipeline_id"},
	IDHint: "Buildkite puts the organisation and pipeline IDs that the policy binds into a token only when the job asks: request the token with buildkite-agent oidc request-token --claim " + BuildkiteIDClaims + ".",
}

// buildkite maps Buildkite claims and returns the required ones.
func (r *reader) buildkite(c *Claims) []string {
	org, pipeline := r.str("organization_slug"), r.str("pipeline_slug")
	c.RepoOwner, c.Repository = org, org+"/"+pipeline
	c.RepoOwnerID, c.RepositoryID = r.str("organization_id"), r.str("pipeline_id")
	c.Ref, c.SHA = r.str("build_branch"), r.str("build_commit")
	c.RefType = "branch"
	if r.str("build_tag") != "" {
		c.RefType = "tag"
	}
	c.RunID, c.JobID = r.str("build_number"), r.str("job_id")
	c.EventName, c.RunnerEnvironment = r.str("build_source"), r.str("runner_environment")
	return []string{"organization_slug", "pipeline_slug"}
}

// buildkiteIDs refuses a Buildkite token without the ID claims, saying how
// to ask for them.
func buildkiteIDs(c *Claims) error {
	if c.RepoOwnerID == "" || c.RepositoryID == "" {
		return tokenError("The JSON web token must have organization_id and pipeline_id claims: request it with buildkite-agent oidc request-token --claim "+BuildkiteIDClaims+".", nil)
	}
	return nil
}
