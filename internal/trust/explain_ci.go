package trust

// Explain's checks for the CI systems beyond GitHub and GitLab: Forgejo
// and Azure Pipelines (repository policies, after identityChecks) and the
// claim-rule kinds (Buildkite, CircleCI, generic OIDC), whose policies are
// a list of claims. As for GitHub and GitLab, each check re-runs one of
// Match's own tests on its own.

import (
	"fmt"
	"strings"
	"time"
)

// forgejoChecks are matchForgejo's tests, each on its own: matchForgejo
// runs on copies of the claims that pass every test but one.
func forgejoChecks(p *Policy, c *Claims, o MatchOptions) []Check {
	banned := o.BannedEvents
	if banned == nil {
		banned = DefaultBannedEvents
	}
	ev := Check{Claim: "event_name", Want: "not " + orNone(strings.Join(banned, ", ")), Got: c.EventName, OK: true, Why: "The event is allowed."}
	if err := matchEvent(c, o, "Forgejo Actions"); err != nil {
		ev.OK, ev.Why = false, err.Msg
	}
	ref := Check{Claim: "ref", Want: "a branch or tag", Got: c.Ref, OK: true, Why: "The job does not run for a pull request."}
	if p.ReadOnly {
		ref.Want, ref.Why = "(any)", "A read-only policy also accepts pull-request jobs."
	} else if strings.HasPrefix(c.Ref, "refs/pull/") {
		ref.OK, ref.Why = false, fmt.Sprintf("Policy '%s' publishes from branches and tags only, not from pull-request jobs.", p.Name)
	}
	wf := Check{Claim: "workflow_ref", Want: orAny(p.Workflow), Got: c.WorkflowRef, OK: true,
		Why: "The workflow is the policy's (its file name compared exactly)."}
	if w, err := NormalizeForgejoWorkflow(p.Workflow); err == nil {
		wf.Want = w
	}
	if c.WorkflowRef == "" {
		wf.Got = c.Workflow
	}
	only := *c
	only.EventName, only.Ref = "push", "refs/heads/main"
	if err := matchForgejo(p, &only, MatchOptions{BannedEvents: []string{}}); err != nil {
		wf.OK, wf.Why = false, err.Msg
	} else if p.ReadOnly && strings.TrimSpace(p.Workflow) == "" {
		wf.Want, wf.Why = "(any workflow of the repository)", "A read-only policy without a workflow accepts every workflow of its repository."
	}
	return []Check{ev, ref, wf}
}

// azureChecks are matchAzure's tests: the organisation, then the branch.
func azureChecks(p *Policy, c *Claims) []Check {
	org := azureOrgID(p.Issuer)
	orgCheck := Check{Claim: "org_id", Want: org, Got: c.OrganizationID, OK: org != "" && strings.EqualFold(c.OrganizationID, org)}
	orgCheck.Why = pick(orgCheck.OK, "The pipeline belongs to the organisation the issuer stands for.",
		"The token's organisation is not the one its issuer stands for.")
	ref := Check{Claim: "rpo_ref", Want: orAny(strings.TrimPrefix(strings.TrimSpace(p.Ref), "refs/heads/")), Got: c.Ref, OK: true,
		Why: "A read-only policy without a branch accepts every branch."}
	only := *c
	only.OrganizationID = org
	if err := matchAzure(p, &only); err != nil {
		ref.OK, ref.Why = false, err.Msg
	} else if ref.Want != "(any)" {
		ref.Want = "refs/heads/" + ref.Want
		ref.Why = "The pipeline runs on the policy's branch."
	}
	return []Check{orgCheck, ref}
}

// ruleChecks are matchRules' tests for a claim-rule policy: the issuer,
// each claim the policy names, the ID claims and the bound IDs, the
// pending window and CircleCI's SSH rerun.
func ruleChecks(p *Policy, c *Claims, now time.Time) []Check {
	prof, _ := ProfileOf(Issuer{Provider: p.Provider})
	out := []Check{issuerCheck(p, c)}
	if len(p.Rules.Match) == 0 {
		out = append(out, Check{Claim: "policy", Why: "The policy names no claims, so it matches nothing."})
	}
	for _, r := range p.Rules.Match {
		f, known := prof.field(r.Claim)
		glob := known && f.Glob && !f.Identity
		ch := Check{Claim: r.Claim, Want: r.Value, Got: claimText(c.Raw[r.Claim]), OK: claimMatches(c.Raw[r.Claim], r.Value, glob)}
		how := "compared exactly"
		if glob {
			how = "as a pattern where * is any run of characters"
		}
		ch.Why = pick(ch.OK, "The token's claim is the policy's ("+how+").", "The token's claim is not the policy's ("+how+").")
		if ch.Got == "" {
			ch.Why = "The token lacks this claim."
		}
		out = append(out, ch)
	}
	for _, name := range p.Rules.Bind {
		ch := Check{Claim: name, Want: "(present)", Got: claimText(c.Raw[name]), OK: len(claimValues(c.Raw[name])) > 0}
		ch.Why = pick(ch.OK, "The token carries this ID claim.", "The token lacks this ID claim, which every token must carry.")
		if !ch.OK && prof.IDHint != "" {
			ch.Why += " " + prof.IDHint
		}
		out = append(out, ch)
	}
	ids := Check{Claim: "ids", Want: p.RepoOwnerID + " / " + p.RepositoryID, Got: c.RepoOwnerID + " / " + c.RepositoryID}
	switch {
	case c.RepoOwnerID == "" || c.RepositoryID == "":
		ids.Why = "The token lacks the IDs the policy binds."
	case p.Pending():
		ids.OK, ids.Want = true, "(bound on first use)"
		ids.Why = "The policy is pending: a matching token binds it to these IDs."
	case c.RepoOwnerID == p.RepoOwnerID && c.RepositoryID == p.RepositoryID:
		ids.OK, ids.Why = true, "The IDs are the ones the policy is bound to."
	default:
		ids.Why = "The IDs are not the ones the policy is bound to: the organisation, pipeline or project was created again, or this is another one with the same name."
	}
	out = append(out, ids)
	if p.Pending() {
		out = append(out, pendingCheck(p, now))
	}
	if p.Provider == CircleCI {
		ssh := Check{Claim: circleSSHRerun, Want: "not true", Got: claimText(c.Raw[circleSSHRerun]), OK: claimText(c.Raw[circleSSHRerun]) != "true"}
		ssh.Why = pick(ssh.OK, "The job was not rerun with SSH.", "The job was rerun with SSH, so anyone with SSH access could use its token.")
		out = append(out, ssh)
	}
	return out
}

// issuerCheck compares the token's issuer, and its name in the settings,
// with the policy's.
func issuerCheck(p *Policy, c *Claims) Check {
	iss := Check{Claim: "iss", Want: p.Issuer, Got: c.Issuer}
	switch {
	case c.Provider != p.Provider:
		iss.Why = fmt.Sprintf("The token is from a %s issuer; the policy is for %s.", c.Provider, p.Provider)
	case c.Issuer != p.Issuer:
		iss.Why = "The token comes from another issuer than the one the policy trusts."
	case p.IssuerName != "" && c.IssuerName != "" && c.IssuerName != p.IssuerName:
		iss.Want, iss.Got = p.IssuerName+" ("+p.Issuer+")", c.IssuerName+" ("+c.Issuer+")"
		iss.Why = "The server's settings now give the token's issuer another name than the policy's."
	default:
		iss.OK, iss.Why = true, "The token comes from the issuer the policy trusts."
	}
	return iss
}

// pendingCheck is the pending window of a policy waiting for its first use.
func pendingCheck(p *Policy, now time.Time) Check {
	deadline := p.PendingSince.Add(PendingWindow)
	w := Check{Claim: "pending", Want: "first use before " + deadline.UTC().Format(time.RFC3339), Got: now.UTC().Format(time.RFC3339),
		OK: !p.PendingExpired(now)}
	w.Why = pick(w.OK, "The policy is pending and its 7-day window for the first use is open: this token would bind it.",
		"The policy's 7-day window for its first use has passed; renew it on the Trusted Publishing page or with 'wharf policy renew'.")
	return w
}
