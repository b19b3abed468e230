package trust

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Case rules, decided once here (the reasons are the platforms'):
//
//   - Repository owner and name, GitHub and GitLab: case-insensitive. Both
//     platforms resolve owner/repo and group/project paths regardless of
//     case and refuse two that differ only in case (nuget.org and PyPI
//     compare them the same way).
//   - Owner and repository IDs: exact. They are opaque identifiers.
//   - GitHub workflow file name: exact. It is a path in a git tree, where
//     release.yml and Release.yml are two different files; nuget.org ignores
//     case here, PyPI and crates.io do not, and the mismatch message tells
//     a user who typed the wrong case what to fix.
//   - Reusable workflow pin: owner/repo case-insensitive, file path and ref
//     exact (git paths and refs are case-sensitive).
//   - GitHub environment: case-insensitive, as GitHub treats environment
//     names. GitLab environment: exact, as GitLab does.
//   - GitLab ref (a branch name) and CI config path: exact (git).
//   - Banned GitHub events: case-insensitive (GitHub sends them lower-case).

// MatchOptions tunes Match.
type MatchOptions struct {
	// BannedEvents are the GitHub event_name values refused. nil means
	// DefaultBannedEvents; an empty, non-nil slice bans nothing.
	BannedEvents []string
}

// DefaultBannedEvents are the GitHub events refused unless configured
// otherwise: pull_request_target runs with the base repository's rights on
// behalf of a pull request from anyone.
var DefaultBannedEvents = []string{"pull_request_target"}

// Result is a successful match.
type Result struct {
	// Bind says that the policy was pending and this token binds it: the
	// caller stores the claims' RepoOwnerID and RepositoryID into the
	// policy (once, even when two first uses race).
	Bind bool
}

// MatchError says why a policy did not match.
type MatchError struct {
	// Specific is false for failures that must not disclose anything about
	// the policy (provider, issuer, owner, repository or ID mismatch, or
	// required identity claims missing): the exchange then answers the
	// generic "No matching trust policy owned by user '<name>' was found."
	// and Msg is for the server's logs only. When true, Msg is one of
	// nuget.org's sentences and may be shown to the caller.
	Specific bool
	// Expired marks a pending policy whose binding window has passed.
	Expired bool
	Msg     string
}

// Error returns the sentence (specific errors) or the logged reason.
func (e *MatchError) Error() string {
	if e.Specific {
		return e.Msg
	}
	return "no matching policy: " + e.Msg
}

// Match decides whether claims c satisfy policy p at time now. It is pure:
// it neither changes p nor looks anything up.
//
// The identity checks come first and fail generically: provider and issuer,
// then owner and repository, then the required ID claims and, for a bound
// policy, the IDs themselves (so that a deleted repository re-created by
// someone else under the same name sees only "no match"). Only then are
// errors specific: a pending policy past its window, a banned event, and
// the workflow, environment, ref and CI config checks, in that order.
//
// On success Result.Bind is true when p is pending. On failure the error is
// a *MatchError.
func Match(p *Policy, c *Claims, now time.Time, o MatchOptions) (Result, error) {
	if p == nil || c == nil {
		return Result{}, noMatch("no policy or no claims")
	}
	if RuleKind(p.Provider) {
		return matchRules(p, c, now)
	}
	if err := matchIdentity(p, c); err != nil {
		return Result{}, err
	}
	pending := p.Pending()
	if pending && p.PendingExpired(now) {
		return Result{}, &MatchError{Specific: true, Expired: true,
			Msg: fmt.Sprintf("The policy '%s' has expired. Sign in and renew the trust policy on the Trusted Publishing page.", p.Name)}
	}
	var err *MatchError
	switch p.Provider {
	case GitHub:
		err = matchGitHub(p, c, o)
	case GitLab:
		err = matchGitLab(p, c)
	case Forgejo:
		err = matchForgejo(p, c, o)
	case Azure:
		err = matchAzure(p, c)
	}
	if err != nil {
		return Result{}, err
	}
	return Result{Bind: pending}, nil
}

// matchIdentity checks who the token is for; every failure is generic.
func matchIdentity(p *Policy, c *Claims) *MatchError {
	switch {
	case !KnownProvider(p.Provider):
		return noMatch("unsupported provider %q", p.Provider)
	case c.Provider != p.Provider:
		return noMatch("provider %q is not the policy's %q", c.Provider, p.Provider)
	case c.Issuer != p.Issuer:
		return noMatch("issuer %q is not the policy's %q", c.Issuer, p.Issuer)
	case p.IssuerName != "" && c.IssuerName != "" && c.IssuerName != p.IssuerName:
		return noMatch("the token's issuer is named %q in the settings, not the policy's %q", c.IssuerName, p.IssuerName)
	case p.RepoOwner == "" || p.Repository == "":
		return noMatch("the policy names no repository")
	case p.RepoGlob() && !p.ReadOnly && strings.TrimSpace(p.Workflow) == "" && strings.TrimSpace(p.CIConfigPath) == "":
		return noMatch("a push policy for several repositories must name a workflow or CI config file")
	case !strings.EqualFold(c.RepoOwner, p.RepoOwner):
		return noMatch("repository owner %q is not the policy's %q", c.RepoOwner, p.RepoOwner)
	case !matchRepository(p, c.Repository):
		return noMatch("repository %q is not the policy's %q", c.Repository, p.RepoOwner+"/"+p.Repository)
	case c.RepoOwnerID == "" || c.RepositoryID == "":
		return noMatch("the token lacks the repository owner ID or the repository ID")
	case p.Pending():
		return nil
	case c.RepoOwnerID != p.RepoOwnerID:
		return noMatch("repository owner ID %q is not the bound %q", c.RepoOwnerID, p.RepoOwnerID)
	case c.RepositoryID != p.RepositoryID && p.RepositoryID != AnyRepository:
		return noMatch("repository ID %q is not the bound %q", c.RepositoryID, p.RepositoryID)
	}
	return nil
}

// hasPrefixFold is strings.HasPrefix, case-insensitive.
func hasPrefixFold(s, prefix string) bool {
	return len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// matchGitHub applies the GitHub Actions checks after the identity ones.
func matchGitHub(p *Policy, c *Claims, o MatchOptions) *MatchError {
	if c.EventName == "" {
		return missingClaim("event_name")
	}
	banned := o.BannedEvents
	if banned == nil {
		banned = DefaultBannedEvents
	}
	if slices.ContainsFunc(banned, func(e string) bool { return strings.EqualFold(e, c.EventName) }) {
		return specific("The GitHub Actions event '%s' is not allowed.", c.EventName)
	}
	if err := matchCallerWorkflow(p, c); err != nil {
		return err
	}
	if err := matchReusableWorkflow(p, c); err != nil {
		return err
	}
	if p.Environment != "" && !strings.EqualFold(c.Environment, p.Environment) {
		return mismatch("Environment", p.Name, p.Environment, c.Environment)
	}
	return nil
}

// matchCallerWorkflow checks that the policy's workflow file, in the
// policy's repository, is the caller's workflow (workflow_ref) or the job's
// (job_workflow_ref, when the caller runs a reusable workflow of the same
// repository, as nuget.org matches). The caller may run a reusable workflow
// from any repository: matchReusableWorkflow pins it when the policy asks.
// A read-only policy without a workflow accepts every workflow of its
// repository; a push policy without one matches nothing.
func matchCallerWorkflow(p *Policy, c *Claims) *MatchError {
	if p.ReadOnly && strings.TrimSpace(p.Workflow) == "" {
		return nil // a read-only policy without a workflow: any workflow of the repository
	}
	if p.AnyRepo() && p.ReadOnly {
		return specific("Policy '%s' matches every repository of '%s' and so no one workflow file; remove its workflow.", p.Name, p.RepoOwner)
	}
	want := p.Workflow
	if w, err := NormalizeWorkflow(p.Workflow); err == nil {
		want = w
	}
	repo := p.RepoOwner + "/" + p.Repository
	if p.RepoGlob() {
		repo = c.Repository // matchIdentity checked it matches the glob
	}
	inRepo := func(claim string) (workflowRef, bool) {
		w, ok := parseWorkflowRef(claim, true)
		return w, ok && strings.EqualFold(w.Repo, repo)
	}
	if w, ok := inRepo(c.WorkflowRef); ok && want != "" && w.File == want {
		return nil
	}
	if w, ok := inRepo(c.JobWorkflowRef); ok && want != "" && w.File == want {
		return nil
	}
	claim := c.WorkflowRef
	if claim == "" {
		claim = c.JobWorkflowRef
	}
	if claim == "" {
		return missingClaim("workflow_ref")
	}
	actual := claim
	if w, ok := parseWorkflowRef(claim, true); ok {
		actual = w.Path()
		if strings.EqualFold(w.Repo, repo) {
			actual = w.File
		}
	}
	return mismatch("Workflow", p.Name, want, actual)
}

// matchReusableWorkflow checks the policy's optional pin of the reusable
// workflow that job_workflow_ref must name: owner/repo case-insensitive,
// file exact, and the ref exact when the pin has one (any ref otherwise).
func matchReusableWorkflow(p *Policy, c *Claims) *MatchError {
	if strings.TrimSpace(p.ReusableWorkflow) == "" {
		return nil
	}
	pinText, err := NormalizeReusableWorkflow(p.ReusableWorkflow)
	if err != nil {
		pinText = strings.TrimSpace(p.ReusableWorkflow)
	}
	pin, pinOK := parseWorkflowRef(pinText, false)
	job, jobOK := parseWorkflowRef(c.JobWorkflowRef, true)
	if pinOK && jobOK && strings.EqualFold(job.Repo, pin.Repo) && job.File == pin.File &&
		(pin.Ref == "" || job.Ref == pin.Ref) {
		return nil
	}
	actual := c.JobWorkflowRef
	if jobOK {
		actual = job.Path()
		if pin.Ref != "" {
			actual = job.String()
		}
	}
	return mismatch("Workflow", p.Name, pinText, actual)
}

// matchGitLab applies the GitLab CI checks after the identity ones.
func matchGitLab(p *Policy, c *Claims) *MatchError {
	if p.Environment != "" && c.Environment != p.Environment {
		return mismatch("Environment", p.Name, p.Environment, c.Environment)
	}
	if want := strings.TrimPrefix(p.Ref, "refs/heads/"); want != "" {
		if c.Ref != want {
			return mismatch("Ref", p.Name, want, c.Ref)
		}
		if c.RefType != "branch" {
			return specific("Ref '%s' for policy '%s' must be a branch.", c.Ref, p.Name)
		}
	}
	if want := strings.TrimPrefix(strings.TrimPrefix(p.CIConfigPath, "./"), "/"); want != "" {
		project, path, ok := parseCIConfigRefURI(c.CIConfigRefURI, p.Issuer, c)
		wantProject := p.RepoOwner + "/" + p.Repository
		if p.RepoGlob() {
			wantProject = c.Repository // the config file of the project that runs
		}
		switch {
		case !ok:
			return mismatch("CI config", p.Name, want, c.CIConfigRefURI)
		case !strings.EqualFold(project, wantProject):
			return mismatch("CI config", p.Name, wantProject+"//"+want, project+"//"+path)
		case path != want:
			return mismatch("CI config", p.Name, want, path)
		}
	}
	return nil
}

// parseCIConfigRefURI splits GitLab's ci_config_ref_uri,
// HOST/namespace/project//path/to/file.yml@REF, into the project path and
// the file path. The host part is the issuer's host (and path, for an
// instance under a relative URL root) when it starts with it, else the
// first segment (an instance whose issuer URL carries a port the claim
// leaves out). The ref is cut off as the claims name it
// (refs/heads/<ref>, refs/tags/<ref> or the commit SHA), else at the first
// "@refs/", else at the last "@".
func parseCIConfigRefURI(uri, issuer string, c *Claims) (project, path string, ok bool) {
	uri = strings.TrimPrefix(strings.TrimPrefix(uri, "https://"), "http://")
	left, rest, ok := strings.Cut(uri, "//")
	if !ok {
		return "", "", false
	}
	host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(issuer, "https://"), "http://"), "/")
	if host != "" && len(left) > len(host) && strings.EqualFold(left[:len(host)+1], host+"/") {
		project = left[len(host)+1:]
	} else if _, afterHost, found := strings.Cut(left, "/"); found {
		project = afterHost
	} else {
		return "", "", false
	}
	var refs []string
	switch c.RefType {
	case "branch":
		refs = append(refs, "refs/heads/"+c.Ref)
	case "tag":
		refs = append(refs, "refs/tags/"+c.Ref)
	}
	refs = append(refs, c.CIConfigSHA, c.SHA)
	for _, ref := range refs {
		if ref != "" && !strings.HasSuffix(ref, "/") && strings.HasSuffix(rest, "@"+ref) {
			path = strings.TrimSuffix(rest, "@"+ref)
			break
		}
	}
	if path == "" {
		if i := strings.Index(rest, "@refs/"); i >= 0 {
			path = rest[:i]
		} else if i := strings.LastIndex(rest, "@"); i >= 0 {
			path = rest[:i]
		}
	}
	return project, path, project != "" && path != ""
}

// noMatch is a generic failure; msg is for logs only.
func noMatch(format string, args ...any) *MatchError {
	return &MatchError{Msg: fmt.Sprintf(format, args...)}
}

// specific is a failure whose message may be shown to the caller.
func specific(format string, args ...any) *MatchError {
	return &MatchError{Specific: true, Msg: fmt.Sprintf(format, args...)}
}

// mismatch is nuget.org's "<Kind> mismatch for policy ..." sentence.
func mismatch(kind, policy, want, got string) *MatchError {
	return specific("%s mismatch for policy '%s': expected '%s', actual '%s'", kind, policy, want, got)
}

// missingClaim is nuget.org's sentence for a claim the token lacks.
func missingClaim(claim string) *MatchError {
	return specific("The JSON Web Token is missing the required claim '%s'.", claim)
}
