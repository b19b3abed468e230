package trust

// Forgejo Actions (Codeberg runs Forgejo). A job whose workflow sets
// "enable-openid-connect: true" gets ACTIONS_ID_TOKEN_REQUEST_URL and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN, as on GitHub, and the token Forgejo
// signs carries GitHub's claim names with these differences (Forgejo's
// routers/api/actions/id_token.go and services/actions/auth.go):
//
//   - iss is the instance's URL + "/api/actions" (https://codeberg.org/api/actions).
//   - repository_owner_id and repository_id exist only since Forgejo PR
//     #12355 ("expose immutable identifiers in Forgejo Actions JWTs");
//     tokens from older instances are refused, since without the IDs a
//     renamed-and-recreated repository could not be told apart.
//   - no jti: Forgejo sets none, so the replay key is a digest of the
//     signed payload (forgejoJTI).
//   - no environment, job_workflow_ref or job_workflow_sha claims:
//     Forgejo policies name no environment and no reusable workflow.
//   - workflow_ref names the file in .forgejo/workflows or .github/workflows
//     (Forgejo reads both); workflow is the file name.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// CodebergIssuer is the issuer of Codeberg's Forgejo Actions tokens.
const CodebergIssuer = "https://codeberg.org/api/actions"

// forgejoIssuerPath is the path Forgejo serves its Actions issuer under.
const forgejoIssuerPath = "/api/actions"

// forgejoWorkflowDirs are the folders Forgejo Actions reads workflows from.
var forgejoWorkflowDirs = []string{".forgejo/workflows/", ".github/workflows/"}

// forgejo maps Forgejo Actions claims and returns the required ones.
func (r *reader) forgejo(c *Claims) []string {
	c.RepoOwner, c.RepoOwnerID = r.str("repository_owner"), r.str("repository_owner_id")
	c.Repository, c.RepositoryID = r.str("repository"), r.str("repository_id")
	c.Workflow, c.WorkflowRef = r.str("workflow"), r.str("workflow_ref")
	c.RunID, c.RunNumber, c.RunAttempt = r.str("run_id"), r.str("run_number"), r.str("run_attempt")
	c.Ref, c.RefType, c.SHA = r.str("ref"), r.str("ref_type"), r.str("sha")
	c.Actor, c.ActorID = r.str("actor"), r.str("actor_id")
	c.EventName = r.str("event_name")
	return []string{"repository", "repository_owner", "repository_owner_id", "repository_id", "event_name"}
}

// forgejoJTI is the replay key of a Forgejo token, which has no jti: a
// digest of its signed payload. Two tokens with the same payload (one job
// asking twice within a second) are then one token, used once.
func forgejoJTI(payload []byte) string {
	sum := sha256.Sum256(payload)
	return "forgejo-sha256:" + hex.EncodeToString(sum[:])
}

// NormalizeForgejoWorkflow turns what a user typed as a Forgejo policy's
// workflow into the bare file name: "release.yml",
// ".forgejo/workflows/release.yml" and ".github/workflows/release.yml" all
// give "release.yml". The error is a sentence fit to show the user.
func NormalizeForgejoWorkflow(s string) (string, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return "", errors.New("The Forgejo Actions workflow file is required, e.g. release.yml.")
	}
	name := strings.TrimPrefix(strings.TrimPrefix(strings.ReplaceAll(in, `\`, "/"), "./"), "/")
	for _, dir := range forgejoWorkflowDirs {
		name = strings.TrimPrefix(name, dir)
	}
	if strings.Contains(name, "://") || strings.Contains(name, "/") {
		return "", fmt.Errorf("The workflow '%s' is not in .forgejo/workflows: give the file name, e.g. release.yml.", in)
	}
	return NormalizeWorkflow(name)
}

// matchForgejo applies the Forgejo Actions checks after the identity ones:
// the banned events, no pull-request ref for a push policy, then the
// workflow file, from workflow_ref (the file
// in the policy's repository, in either workflow folder) or, on instances
// that leave workflow_ref empty, from workflow (the file name).
func matchForgejo(p *Policy, c *Claims, o MatchOptions) *MatchError {
	if err := matchEvent(c, o, "Forgejo Actions"); err != nil {
		return err
	}
	if !p.ReadOnly && strings.HasPrefix(c.Ref, "refs/pull/") {
		// Whether Forgejo withholds ID tokens from pull requests of forks
		// is not documented; a push policy does not depend on it.
		return specific("Policy '%s' publishes from branches and tags only, not from pull-request jobs (ref '%s').", p.Name, c.Ref)
	}
	if p.ReadOnly && strings.TrimSpace(p.Workflow) == "" {
		return nil
	}
	want := p.Workflow
	if w, err := NormalizeForgejoWorkflow(p.Workflow); err == nil {
		want = w
	}
	repo := p.RepoOwner + "/" + p.Repository
	if p.RepoGlob() {
		repo = c.Repository // matchIdentity checked it matches the glob
	}
	if c.WorkflowRef == "" {
		if c.Workflow == "" {
			return missingClaim("workflow_ref")
		}
		if want != "" && c.Workflow == want {
			return nil
		}
		return mismatch("Workflow", p.Name, want, c.Workflow)
	}
	path, _, _ := strings.Cut(c.WorkflowRef, "@")
	actual := path
	for _, dir := range forgejoWorkflowDirs {
		prefix := repo + "/" + dir
		if len(path) > len(prefix) && strings.EqualFold(path[:len(prefix)], prefix) {
			file := path[len(prefix):]
			if want != "" && file == want {
				return nil
			}
			actual = file
		}
	}
	return mismatch("Workflow", p.Name, want, actual)
}

// matchEvent refuses the banned events (GitHub's and Forgejo's
// event_name), case-insensitively; ci names the CI system in the sentence.
func matchEvent(c *Claims, o MatchOptions, ci string) *MatchError {
	if c.EventName == "" {
		return missingClaim("event_name")
	}
	banned := o.BannedEvents
	if banned == nil {
		banned = DefaultBannedEvents
	}
	for _, e := range banned {
		if strings.EqualFold(e, c.EventName) {
			return specific("The %s event '%s' is not allowed.", ci, c.EventName)
		}
	}
	return nil
}
