package trust

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Explain says, claim by claim, why a token's claims match a policy or
// not. Its verdict is Match's, always: Explanation.Matches and Bind come
// from Match itself, and each Check re-runs one of Match's tests on its
// own, so that every test is reported, not only the first that fails.
// For every provider Wharf supports, a failing Match has at least one
// failing Check and a successful one none (the tests hold every Match case
// of every provider to that); should a provider lack its checks, Match's
// reason is added as a last Check named "policy".
//
// An Explanation names what the policy wants, so it is for the policy's
// owners and for administrators: the CI job that sent the token learns
// only Refusal, and only when Specific.

// Check is one test of a token's claim against a policy.
type Check struct {
	Claim string // the claim tested, as the token names it, e.g. "repository", "workflow_ref"
	Want  string // what the policy asks for
	Got   string // what the token has ("" when it lacks the claim)
	OK    bool
	Why   string // a sentence saying why the check passes or fails
}

// Explanation is Explain's answer for one policy.
type Explanation struct {
	PolicyID int64
	Policy   string // the policy's name
	Matches  bool   // Match's verdict
	Bind     bool   // the token would bind the pending policy
	Checks   []Check
	// Refusal is what the exchange would tell the CI job were this the
	// only policy: Match's sentence when Specific, else the generic
	// refusal (and then Reason, Match's logged reason, is not shown to it).
	Refusal  string
	Reason   string
	Specific bool
}

// Failing returns the checks that failed, in order.
func (e Explanation) Failing() []Check {
	var out []Check
	for _, c := range e.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// GenericRefusal is what a CI job is told when no policy matches and no
// failing policy may say why (nuget.org's sentence).
func GenericRefusal(username string) string {
	return fmt.Sprintf("No matching trust policy owned by user '%s' was found.", username)
}

// Explain compares claims c with policy p at time now, with Match's
// options o. It is pure, as Match is. p and c must not be nil.
func Explain(p *Policy, c *Claims, now time.Time, o MatchOptions) Explanation {
	e := Explanation{PolicyID: p.ID, Policy: p.Name}
	res, err := Match(p, c, now, o)
	e.Matches, e.Bind = err == nil, res.Bind
	var me *MatchError
	if errors.As(err, &me) {
		e.Reason, e.Specific = me.Msg, me.Specific
		if me.Specific {
			e.Refusal = me.Msg
		}
	}
	if RuleKind(p.Provider) {
		e.Checks = ruleChecks(p, c, now)
	} else {
		e.Checks = identityChecks(p, c, now)
	}
	switch p.Provider {
	case GitHub:
		e.Checks = append(e.Checks, githubChecks(p, c, o)...)
	case GitLab:
		e.Checks = append(e.Checks, gitlabChecks(p, c)...)
	case Forgejo:
		e.Checks = append(e.Checks, forgejoChecks(p, c, o)...)
	case Azure:
		e.Checks = append(e.Checks, azureChecks(p, c)...)
	}
	if !e.Matches && len(e.Failing()) == 0 {
		e.Checks = append(e.Checks, Check{Claim: "policy", OK: false, Why: me.Msg})
	}
	return e
}

// claimNames are the token's names of the repository identity claims.
func claimNames(p Provider) (owner, ownerID, repo, repoID string) {
	switch p {
	case GitLab:
		return "namespace_path", "namespace_id", "project_path", "project_id"
	case Azure:
		return "sub (project)", "prj_id", "def_id", "rpo_id"
	}
	return "repository_owner", "repository_owner_id", "repository", "repository_id"
}

// identityChecks are matchIdentity's tests, and the pending window's.
func identityChecks(p *Policy, c *Claims, now time.Time) []Check {
	ownerClaim, ownerIDClaim, repoClaim, repoIDClaim := claimNames(p.Provider)
	var out []Check
	out = append(out, issuerCheck(p, c))

	owner := Check{Claim: ownerClaim, Want: p.RepoOwner, Got: c.RepoOwner, OK: p.RepoOwner != "" && strings.EqualFold(c.RepoOwner, p.RepoOwner)}
	owner.Why = pick(owner.OK, "The repository owner is the policy's (compared ignoring case).",
		"The repository owner is not the policy's.")
	out = append(out, owner)

	want := p.RepoOwner + "/" + p.Repository
	repo := Check{Claim: repoClaim, Want: want, Got: c.Repository}
	switch {
	case p.RepoOwner == "" || p.Repository == "":
		repo.Why = "The policy names no repository, so it matches nothing."
	case p.RepoGlob() && !p.ReadOnly && strings.TrimSpace(p.Workflow) == "" && strings.TrimSpace(p.CIConfigPath) == "":
		repo.Why = "A push policy for several repositories must name a workflow or CI config file; this one names none, so it matches nothing."
	case !matchRepository(p, c.Repository):
		repo.Why = pick(p.RepoGlob(), "The repository is not one of the owner's repositories the policy's pattern names.",
			"The repository is not the policy's.")
	default:
		repo.OK = true
		repo.Why = pick(p.RepoGlob(), "The repository is one the policy's pattern names.", "The repository is the policy's (compared ignoring case).")
	}
	out = append(out, repo)

	ownerID := Check{Claim: ownerIDClaim, Want: p.RepoOwnerID, Got: c.RepoOwnerID}
	repoID := Check{Claim: repoIDClaim, Want: p.RepositoryID, Got: c.RepositoryID}
	pending := p.Pending()
	for _, id := range []*Check{&ownerID, &repoID} {
		switch {
		case id.Got == "":
			id.Why = "The token lacks this ID claim; every token must carry it."
		case pending && id.Want == "":
			id.OK, id.Want = true, "(bound on first use)"
			id.Why = "The policy is pending: a matching token binds it to this ID."
		case id == &repoID && id.Want == AnyRepository:
			id.OK, id.Want = true, "(any repository of the owner)"
			id.Why = "The policy covers every repository of its owner; only the owner's ID is bound."
		case pending:
			id.OK = true
			id.Why = "The policy is pending; this ID was given when it was created and is bound with the other on first use."
		case id.Got == id.Want:
			id.OK, id.Why = true, "The ID is the one the policy is bound to."
		default:
			id.Why = "The ID is not the one the policy is bound to: the repository or its owner was deleted and created again, or this is another one with the same name."
		}
	}
	// Match compares given IDs only once the policy is bound: a pending
	// policy created with known IDs still binds whatever IDs match.
	out = append(out, ownerID, repoID)

	if pending {
		out = append(out, pendingCheck(p, now))
	}
	return out
}

// githubChecks are matchGitHub's tests, each on its own.
func githubChecks(p *Policy, c *Claims, o MatchOptions) []Check {
	banned := o.BannedEvents
	if banned == nil {
		banned = DefaultBannedEvents
	}
	ev := Check{Claim: "event_name", Want: "not " + orNone(strings.Join(banned, ", ")), Got: c.EventName}
	switch {
	case c.EventName == "":
		ev.Why = "The token lacks the event_name claim."
	case slices.ContainsFunc(banned, func(b string) bool { return strings.EqualFold(b, c.EventName) }):
		ev.Why = fmt.Sprintf("The event '%s' is not allowed on this server.", c.EventName)
	default:
		ev.OK, ev.Why = true, "The event is allowed."
	}
	out := []Check{ev}

	wf := Check{Claim: "workflow_ref", Want: p.Workflow, Got: c.WorkflowRef}
	if w, err := NormalizeWorkflow(p.Workflow); err == nil {
		wf.Want = w
	}
	if p.ReadOnly && strings.TrimSpace(p.Workflow) == "" {
		wf.Want = "(any workflow of the repository)"
	}
	if err := matchCallerWorkflow(p, c); err != nil {
		wf.Why = err.Msg
	} else {
		wf.OK, wf.Why = true, "The workflow is the policy's (its file name compared exactly)."
		if wf.Want == "(any workflow of the repository)" {
			wf.Why = "A read-only policy without a workflow accepts every workflow of its repository."
		}
	}
	out = append(out, wf)

	reuse := Check{Claim: "job_workflow_ref", Want: "(any)", Got: c.JobWorkflowRef, OK: true,
		Why: "The policy pins no reusable workflow."}
	if strings.TrimSpace(p.ReusableWorkflow) != "" {
		reuse.Want = strings.TrimSpace(p.ReusableWorkflow)
		if n, err := NormalizeReusableWorkflow(p.ReusableWorkflow); err == nil {
			reuse.Want = n
		}
		if err := matchReusableWorkflow(p, c); err != nil {
			reuse.OK, reuse.Why = false, err.Msg
		} else {
			reuse.Why = "The job runs the reusable workflow the policy pins."
		}
	}
	out = append(out, reuse)

	env := Check{Claim: "environment", Want: orAny(p.Environment), Got: c.Environment,
		OK: p.Environment == "" || strings.EqualFold(c.Environment, p.Environment)}
	env.Why = envWhy(p, env.OK, "compared ignoring case, as GitHub names environments")
	return append(out, env)
}

// gitlabChecks are matchGitLab's tests, each on its own: matchGitLab runs
// on copies of the policy that keep one test each.
func gitlabChecks(p *Policy, c *Claims) []Check {
	only := func(keep func(q *Policy)) *MatchError {
		q := *p
		q.Environment, q.Ref, q.CIConfigPath = "", "", ""
		keep(&q)
		return matchGitLab(&q, c)
	}
	env := Check{Claim: "environment", Want: orAny(p.Environment), Got: c.Environment}
	env.OK = only(func(q *Policy) { q.Environment = p.Environment }) == nil
	env.Why = envWhy(p, env.OK, "compared exactly, as GitLab names environments")

	ref := Check{Claim: "ref", Want: orAny(strings.TrimPrefix(p.Ref, "refs/heads/")), Got: c.Ref, OK: true,
		Why: "The policy accepts any branch or tag."}
	if ref.Want != "(any)" {
		ref.Want += " (a branch)"
		ref.Got = strings.TrimSpace(c.Ref + " (ref_type " + orNone(c.RefType) + ")")
		if err := only(func(q *Policy) { q.Ref = p.Ref }); err != nil {
			ref.OK, ref.Why = false, err.Msg
		} else {
			ref.Why = "The pipeline runs on the policy's branch."
		}
	}

	cfg := Check{Claim: "ci_config_ref_uri", Want: orAny(p.CIConfigPath), Got: c.CIConfigRefURI, OK: true,
		Why: "The policy accepts any CI config file."}
	if strings.TrimSpace(p.CIConfigPath) != "" {
		if err := only(func(q *Policy) { q.CIConfigPath = p.CIConfigPath }); err != nil {
			cfg.OK, cfg.Why = false, err.Msg
		} else {
			cfg.Why = "The pipeline runs the policy's CI config file of the project."
		}
	}
	return []Check{env, ref, cfg}
}

func envWhy(p *Policy, ok bool, how string) string {
	switch {
	case p.Environment == "":
		return "The policy accepts any environment."
	case ok:
		return "The job runs in the policy's environment (" + how + ")."
	}
	return "The job does not run in the policy's environment (" + how + ")."
}

func pick(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

func orAny(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(any)"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Closest returns the index of the explanation that came closest to
// matching, -1 for none: the one with the fewest failing checks; on a tie,
// the one whose first failing check comes latest (identity is checked
// first, so a policy for the token's own repository beats one for another
// repository); then the first in es (the exchange's order of policies).
func Closest(es []Explanation) int {
	best, bestFailing, bestFirst := -1, 0, 0
	for i, e := range es {
		failing, first := 0, len(e.Checks)
		for j, c := range e.Checks {
			if !c.OK {
				failing++
				first = min(first, j)
			}
		}
		if best < 0 || failing < bestFailing || (failing == bestFailing && first > bestFirst) {
			best, bestFailing, bestFirst = i, failing, first
		}
	}
	return best
}
