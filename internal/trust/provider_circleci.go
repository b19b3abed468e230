package trust

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"path"
	"strings"
)

// CircleCI's OIDC tokens ($CIRCLE_OIDC_TOKEN_V2, or circleci run oidc get).
// Each organisation has its own issuer, https://oidc.circleci.com/org/ORG_ID,
// so the organisation's ID comes from the issuer URL the operator trusts.
// sub is org/ORG_ID/project/PROJECT_ID/user/USER_ID (V2 appends
// vcs-origin and vcs-ref). A policy names the project ID (identity; a UUID
// that never changes, so the policy is bound when created) and optionally
// the vcs-ref (a glob allowed) and a context ID the job must use. The
// tokens carry no jti: the exchange uses a digest of the token's payload
// as its ID, so each token still buys one key. A job rerun with SSH is
// refused (someone at the shell holds its token).

// The CircleCI claims Wharf reads.
const (
	circleProjectID  = "oidc.circleci.com/project-id"
	circleVCSRef     = "oidc.circleci.com/vcs-ref"
	circleVCSOrigin  = "oidc.circleci.com/vcs-origin"
	circleContextIDs = "oidc.circleci.com/context-ids"
	circleSSHRerun   = "oidc.circleci.com/ssh-rerun"
)

var circleCIProfile = Profile{
	Provider: CircleCI,
	Fields: []ClaimField{
		{Key: "project", Claim: circleProjectID, Label: "project ID", Required: true, Identity: true, Lower: true,
			Hint: "the project's ID (a UUID) from Project Settings → Overview."},
		{Key: "ref", Claim: circleVCSRef, Label: "Ref", Glob: true,
			Hint: "the ref that triggered the pipeline, e.g. refs/heads/main or refs/tags/v*; a push policy must name one (read-only: empty is any)."},
		{Key: "context", Claim: circleContextIDs, Label: "Context", Lower: true,
			Hint: "optional: the ID of a context the job must use (restricted by security groups)."},
	},
}

// CircleCIOrgID is the organisation ID in a CircleCI issuer URL (its last
// path segment after /org/), or "".
func CircleCIOrgID(issuer string) string {
	u, err := url.Parse(issuer)
	if err != nil {
		return ""
	}
	dir, id := path.Split(u.Path)
	if path.Base(strings.TrimSuffix(dir, "/")) != "org" {
		return ""
	}
	return id
}

// circleci maps CircleCI claims and returns the required ones.
func (r *reader) circleci(iss Issuer, c *Claims) []string {
	org, project := CircleCIOrgID(iss.URL), r.str(circleProjectID)
	c.RepoOwner, c.RepoOwnerID = org, org
	c.Repository, c.RepositoryID = org+"/"+project, project
	c.Ref = r.str(circleVCSRef)
	if strings.HasPrefix(c.Ref, "refs/tags/") {
		c.RefType = "tag"
	} else if strings.HasPrefix(c.Ref, "refs/heads/") {
		c.RefType = "branch"
	}
	if rest, ok := strings.CutPrefix(c.Subject, "org/"+org+"/project/"+project+"/user/"); ok {
		c.ActorID, _, _ = strings.Cut(rest, "/")
	}
	r.str(circleVCSOrigin) // must be a string when present
	return []string{circleProjectID}
}

// circleSubject refuses a CircleCI token whose sub does not name the
// issuer's organisation and the token's project.
func circleSubject(iss Issuer, c *Claims) error {
	if !strings.HasPrefix(c.Subject, "org/"+CircleCIOrgID(iss.URL)+"/project/"+c.RepositoryID+"/") {
		return tokenError("The JSON web token's sub claim does not name its organisation and project.", nil)
	}
	return nil
}

// payloadID is the ID of a token without a jti: a digest of its payload.
func payloadID(payload []byte) string {
	sum := sha256.Sum256(payload)
	return "sha256:" + hex.EncodeToString(sum[:16])
}

// ruleKindChecks are the checks of claim-rule kinds after their required
// claims.
func ruleKindChecks(iss Issuer, c *Claims) error {
	switch iss.Provider {
	case Buildkite:
		return buildkiteIDs(c)
	case CircleCI:
		return circleSubject(iss, c)
	}
	return nil
}
