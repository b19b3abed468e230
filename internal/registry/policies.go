package registry

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
)

// NewPolicy asks for a trust policy.
type NewPolicy struct {
	User     string         // the creating user
	Owner    string         // the package owner: the user (default) or an organisation they administer
	Name     string         // default: derived from the repository and workflow
	Provider trust.Provider // default: the provider of Issuer; on update, the stored one
	// Issuer is the issuer URL. On create it may be left out only when the
	// server trusts one issuer of the provider; on update, leaving it out
	// keeps the stored one.
	Issuer string

	Repository       string // GitHub: owner/repo; GitLab: namespace/project (namespace may have subgroups)
	RepoOwnerID      string // optional, known IDs make the policy active at once
	RepositoryID     string
	Workflow         string // GitHub: workflow file
	ReusableWorkflow string // GitHub, optional
	Environment      string // optional
	Ref              string // GitLab, optional branch
	CIConfigPath     string // GitLab, optional
	Globs            []string
	// ConfirmRebind confirms, on update, a change of repository, issuer or
	// bound IDs (it drops the policy's binding), or of a read-only policy
	// into a push policy (every job it matches could then publish): it is
	// never implied.
	ConfirmRebind bool
	// KeepReadOnly, on update, keeps the stored ReadOnly and ignores the
	// request's: the command line sets it when --read-only is not given.
	KeepReadOnly bool
	// ReadOnly makes the policy mint keys that only restore: no push,
	// unlist or relist. A read-only GitHub policy's workflow is optional
	// (empty: every workflow of the repository).
	ReadOnly bool
}

// PolicyStatus is what a policy's owner sees of its state.
type PolicyStatus struct {
	State    string // "active", "pending", "expired" or "inactive"
	DaysLeft int    // for pending policies
	Reason   string // for inactive policies
}

// PolicyView is a policy with its status and names resolved.
type PolicyView struct {
	trust.Policy
	CreatorName, OwnerName string
	Status                 PolicyStatus
	// Editable says whether the user who listed the policy may change it
	// now: its owner, or an admin of its organisation. A creator who was
	// demoted or left still sees it (inactive when they left) but may
	// not change it.
	Editable bool
}

// CreatePolicy creates a trust policy. Errors: ErrNotFound (no such user,
// or an owner that is neither the user nor an organisation they
// administer, whether or not it exists), ErrInvalid.
func (s *Service) CreatePolicy(ctx context.Context, req NewPolicy) (*PolicyView, error) {
	user, err := s.user(ctx, req.User)
	if err != nil {
		return nil, err
	}
	owner, err := s.administeredOwner(ctx, user, req.Owner, "trust policies")
	if err != nil {
		return nil, err
	}
	p, err := s.policyFromRequest(req, trust.Issuer{})
	if err != nil {
		return nil, err
	}
	now := s.now()
	p.CreatedBy, p.OwnerID, p.CreatedAt, p.PendingSince = user.ID, owner.ID, now, now
	if !p.Pending() {
		p.BoundAt = &now
	}
	if err := s.store.CreatePolicy(ctx, p); err != nil {
		return nil, fmt.Errorf("create policy: %w", err)
	}
	what := "publishing"
	if p.ReadOnly {
		what = "read-only, restoring"
	}
	s.audit(ctx, &AuditEvent{Kind: "policy.create", Outcome: "done", ActorID: user.ID, PolicyID: p.ID, Subject: p.Name,
		Message: fmt.Sprintf("%s policy for %s/%s %s for %s", p.Provider, p.RepoOwner, p.Repository, what, owner.Name)})
	return s.policyView(ctx, p)
}

// policyFromRequest validates and normalises the request's fields. The
// stored issuer (an updated policy's own) is kept even if the operator no
// longer lists it.
func (s *Service) policyFromRequest(req NewPolicy, stored trust.Issuer) (*trust.Policy, error) {
	if err := checkTexts("policy name", req.Name, "repository", req.Repository, "owner ID", req.RepoOwnerID,
		"repository ID", req.RepositoryID, "workflow", req.Workflow, "reusable workflow", req.ReusableWorkflow,
		"environment", req.Environment, "ref", req.Ref, "CI config path", req.CIConfigPath, "issuer", req.Issuer); err != nil {
		return nil, err
	}
	for _, g := range req.Globs {
		if err := checkText("package glob", g); err != nil {
			return nil, err
		}
	}
	provider, issuer := req.Provider, strings.TrimRight(strings.TrimSpace(req.Issuer), "/")
	if issuer != "" && issuer == stored.URL {
		if provider != "" && provider != stored.Provider {
			return nil, errorf(ErrInvalid, "'%s' is a %s issuer, not a %s one: choose an issuer of the policy's provider.", issuer, stored.Provider, provider)
		}
		provider = stored.Provider
	} else {
		iss, err := s.issuerFor(provider, issuer)
		if err != nil {
			return nil, err
		}
		provider, issuer = iss.Provider, iss.URL
	}
	p := &trust.Policy{Provider: provider, Issuer: issuer, Environment: strings.TrimSpace(req.Environment), ReadOnly: req.ReadOnly}
	req.Provider = provider
	var err error
	repo := strings.Trim(strings.TrimSpace(req.Repository), "/")
	i := strings.LastIndex(repo, "/")
	if i <= 0 || i == len(repo)-1 || strings.ContainsAny(repo, " \t@:") {
		return nil, errorf(ErrInvalid, "'%s' is not a repository: write it as owner/repository (GitLab: namespace/project).", req.Repository)
	}
	if req.Provider == trust.GitHub && strings.Count(repo, "/") != 1 {
		return nil, errorf(ErrInvalid, "'%s' is not a GitHub repository: write it as owner/repository.", req.Repository)
	}
	p.RepoOwner, p.Repository = repo[:i], repo[i+1:]
	if p.AnyRepo() {
		if err := anyRepoPolicy(req, p); err != nil {
			return nil, err
		}
	} else {
		if strings.Contains(p.Repository, "*") {
			return nil, errorf(ErrInvalid, "'%s' is not a repository: a policy names one repository, or every repository of an owner as owner/* (read-only policies only).", req.Repository)
		}
		if (req.RepoOwnerID == "") != (req.RepositoryID == "") {
			return nil, errorf(ErrInvalid, "Give both the owner ID and the repository ID, or neither (they are then bound on first use).")
		}
		if strings.TrimSpace(req.RepositoryID) == trust.AnyRepository {
			return nil, errorf(ErrInvalid, "'%s' is not a repository ID: '%s' would bind the policy to the owner only, which only a read-only owner/* policy may; give the repository's numeric ID, or leave both IDs out to bind them on first use.",
				req.RepositoryID, trust.AnyRepository)
		}
		p.RepoOwnerID, p.RepositoryID = strings.TrimSpace(req.RepoOwnerID), strings.TrimSpace(req.RepositoryID)
	}
	switch req.Provider {
	case trust.GitHub:
		if !req.ReadOnly || strings.TrimSpace(req.Workflow) != "" {
			wf, err := trust.NormalizeWorkflow(req.Workflow)
			if err != nil {
				return nil, errorf(ErrInvalid, "%s", err.Error())
			}
			p.Workflow = wf
		}
		if strings.TrimSpace(req.ReusableWorkflow) != "" {
			if p.ReusableWorkflow, err = trust.NormalizeReusableWorkflow(req.ReusableWorkflow); err != nil {
				return nil, errorf(ErrInvalid, "%s", err.Error())
			}
		}
		if req.Ref != "" || req.CIConfigPath != "" {
			return nil, errorf(ErrInvalid, "Ref and CI config path apply to GitLab policies only.")
		}
	case trust.GitLab:
		p.Ref, p.CIConfigPath = strings.TrimSpace(req.Ref), strings.TrimSpace(req.CIConfigPath)
		if req.Workflow != "" || req.ReusableWorkflow != "" {
			return nil, errorf(ErrInvalid, "Workflows apply to GitHub policies only; GitLab policies may name a CI config path.")
		}
	}
	if p.Globs, err = normalizeGlobs(req.Globs); err != nil {
		return nil, err
	}
	if p.ReadOnly && len(p.Globs) > 0 {
		return nil, errorf(ErrInvalid, "Package globs narrow what a policy may push; a read-only policy restores from every feed its owner may read, so leave the packages out.")
	}
	p.Name = strings.TrimSpace(req.Name)
	if p.Name == "" {
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
	if len(p.Name) > 200 {
		return nil, errorf(ErrInvalid, "The policy name is longer than 200 characters.")
	}
	return p, nil
}

// anyRepoPolicy checks a policy for every repository of an owner (owner/*)
// and sets its IDs: only read-only policies may be one, they name no
// workflow or CI config file, and they bind only the owner's ID (the
// repository ID is trust.AnyRepository).
func anyRepoPolicy(req NewPolicy, p *trust.Policy) error {
	switch {
	case !req.ReadOnly:
		return errorf(ErrInvalid, "'%s' names every repository of '%s': only a read-only policy may (add --read-only, or name one repository to publish from).", req.Repository, p.RepoOwner)
	case strings.TrimSpace(req.Workflow) != "" || strings.TrimSpace(req.ReusableWorkflow) != "" || strings.TrimSpace(req.CIConfigPath) != "":
		return errorf(ErrInvalid, "A policy for every repository of '%s' matches any workflow: leave the workflow and CI config path out.", p.RepoOwner)
	case strings.TrimSpace(req.RepositoryID) != "" && strings.TrimSpace(req.RepositoryID) != trust.AnyRepository:
		return errorf(ErrInvalid, "A policy for every repository of '%s' binds only the owner ID: leave the repository ID out.", p.RepoOwner)
	}
	p.RepoOwnerID, p.RepositoryID = strings.TrimSpace(req.RepoOwnerID), trust.AnyRepository
	return nil
}

// issuerFor picks a policy's issuer: the named one if configured (its
// provider must be the given one, when given), else the only configured
// issuer of the provider. It never guesses between two issuers of one
// provider: a policy on the wrong one would trust another instance's
// repositories of the same name.
func (s *Service) issuerFor(provider trust.Provider, want string) (trust.Issuer, error) {
	if want != "" {
		for _, iss := range s.issuers {
			if strings.TrimRight(want, "/") != strings.TrimRight(iss.URL, "/") {
				continue
			}
			if provider != "" && iss.Provider != provider {
				return trust.Issuer{}, errorf(ErrInvalid, "'%s' is a %s issuer, not a %s one: choose an issuer of the policy's provider.", want, iss.Provider, provider)
			}
			return iss, nil
		}
		return trust.Issuer{}, errorf(ErrInvalid, "'%s' is not a trusted issuer of this server; the operator lists them in WHARF_TRUSTED_ISSUERS.", want)
	}
	if provider != trust.GitHub && provider != trust.GitLab {
		return trust.Issuer{}, errorf(ErrInvalid, "'%s' is not a provider: use github or gitlab.", provider)
	}
	var found []trust.Issuer
	for _, iss := range s.issuers {
		if iss.Provider == provider {
			found = append(found, iss)
		}
	}
	switch len(found) {
	case 0:
		return trust.Issuer{}, errorf(ErrInvalid, "This server trusts no %s issuer; the operator adds one to WHARF_TRUSTED_ISSUERS.", provider)
	case 1:
		return found[0], nil
	}
	urls := make([]string, len(found))
	for i, iss := range found {
		urls[i] = iss.URL
	}
	return trust.Issuer{}, errorf(ErrInvalid, "This server trusts several %s issuers (%s): choose the one the repository is on.", provider, strings.Join(urls, ", "))
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

// Policies lists the policies a user created and those of organisations
// they administer, oldest first, with their status. Errors: ErrNotFound.
func (s *Service) Policies(ctx context.Context, userName string) ([]PolicyView, error) {
	user, err := s.user(ctx, userName)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.Policies(ctx, user.ID, 0)
	if err != nil {
		return nil, err
	}
	orgs, err := s.store.Memberships(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for _, p := range ps {
		seen[p.ID] = true
	}
	for _, m := range orgs {
		if m.Role != RoleAdmin {
			continue
		}
		more, err := s.store.Policies(ctx, 0, m.User.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range more {
			if !seen[p.ID] {
				seen[p.ID] = true
				ps = append(ps, p)
			}
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	out := make([]PolicyView, 0, len(ps))
	for i := range ps {
		v, err := s.policyView(ctx, &ps[i])
		if err != nil {
			return nil, err
		}
		if v.Editable, err = s.canActFor(ctx, user.ID, v.OwnerID, true); err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// policyView resolves names and computes the status of a policy.
func (s *Service) policyView(ctx context.Context, p *trust.Policy) (*PolicyView, error) {
	v := &PolicyView{Policy: *p}
	if a, err := s.store.AccountByID(ctx, p.CreatedBy); err == nil {
		v.CreatorName = a.Name
	}
	if a, err := s.store.AccountByID(ctx, p.OwnerID); err == nil {
		v.OwnerName = a.Name
	}
	now := s.now()
	ok, err := s.canActFor(ctx, p.CreatedBy, p.OwnerID, false)
	if err != nil {
		return nil, err
	}
	switch {
	case !ok:
		v.Status = PolicyStatus{State: "inactive", Reason: fmt.Sprintf("%s is no longer a member of %s", v.CreatorName, v.OwnerName)}
	case p.PendingExpired(now):
		v.Status = PolicyStatus{State: "expired"}
	case p.Pending():
		left := p.PendingSince.Add(trust.PendingWindow).Sub(now)
		v.Status = PolicyStatus{State: "pending", DaysLeft: int((left + 24*time.Hour - 1) / (24 * time.Hour))}
	default:
		v.Status = PolicyStatus{State: "active"}
	}
	return v, nil
}

// RenewPolicy restarts the 7-day binding window of a pending policy.
// Errors: ErrNotFound, ErrForbidden, ErrConflict (already bound).
func (s *Service) RenewPolicy(ctx context.Context, userName string, id int64) (*PolicyView, error) {
	user, p, err := s.ownPolicy(ctx, userName, id)
	if err != nil {
		return nil, err
	}
	if !p.Pending() {
		return nil, errorf(ErrConflict, "Policy '%s' is already active; only pending policies are renewed.", p.Name)
	}
	p.PendingSince = s.now()
	if err := s.store.UpdatePolicy(ctx, p, s.now()); err != nil {
		return nil, policyChanged(err, id)
	}
	s.audit(ctx, &AuditEvent{Kind: "policy.renew", Outcome: "done", ActorID: user.ID, PolicyID: p.ID, Subject: p.Name})
	return s.policyView(ctx, p)
}

// RemovePolicy deletes a policy and revokes the keys it minted.
// Errors: ErrNotFound, ErrForbidden.
func (s *Service) RemovePolicy(ctx context.Context, userName string, id int64) error {
	user, p, err := s.ownPolicy(ctx, userName, id)
	if err != nil {
		return err
	}
	if err := s.store.DeletePolicy(ctx, id, s.now()); err != nil {
		return notFound(err, "There is no trust policy with ID %d.", id)
	}
	s.audit(ctx, &AuditEvent{Kind: "policy.delete", Outcome: "done", ActorID: user.ID, PolicyID: p.ID, Subject: p.Name})
	return nil
}

// ownPolicy loads a policy that userName created or administers.
func (s *Service) ownPolicy(ctx context.Context, userName string, id int64) (*Account, *trust.Policy, error) {
	user, err := s.user(ctx, userName)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.store.Policy(ctx, id)
	if err != nil {
		return nil, nil, notFound(err, "There is no trust policy with ID %d.", id)
	}
	// Changing a policy takes the right to create it now: being its owner,
	// or an admin of its organisation; having created it is not enough.
	ok, err := s.canActFor(ctx, user.ID, p.OwnerID, true)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, errorf(ErrNotFound, "There is no trust policy with ID %d that you may change.", id)
	}
	return user, p, nil
}

// audit records an event; a failure to record is logged, never fatal to
// the action that happened.
func (s *Service) audit(ctx context.Context, e *AuditEvent) {
	if e.At.IsZero() {
		e.At = s.now()
	}
	if err := s.store.Audit(ctx, e); err != nil {
		s.log.Error("writing the audit log failed", "kind", e.Kind, "err", err)
	}
}

// AuditLog lists the newest audit events. Errors: ErrForbidden for
// non-admins (when asked for a user; the command line passes "").
func (s *Service) AuditLog(ctx context.Context, limit int) ([]AuditEvent, error) {
	if limit <= 0 || limit > 10000 {
		limit = 100
	}
	return s.store.AuditEvents(ctx, limit)
}

// UpdatePolicy changes a policy's fields and revokes every key it minted.
// The package owner stays. A request that leaves out the provider and
// issuer keeps the stored ones. The binding (the repository's owner and
// repository IDs) stays unless the repository, provider, issuer or bound
// IDs change, which must be confirmed (req.ConfirmRebind): the policy then
// takes the new IDs, or is pending again with a window from now. IDs the
// request leaves out are kept while the repository and issuer stay.
// Turning a read-only policy into a push policy needs the same
// confirmation. Errors: ErrNotFound, ErrInvalid (including an unconfirmed
// rebind), ErrConflict.
func (s *Service) UpdatePolicy(ctx context.Context, userName string, id int64, req NewPolicy) (*PolicyView, error) {
	user, old, err := s.ownPolicy(ctx, userName, id)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Issuer) == "" && (req.Provider == "" || req.Provider == old.Provider) {
		req.Provider, req.Issuer = old.Provider, old.Issuer
	}
	if req.KeepReadOnly {
		req.ReadOnly = old.ReadOnly
	}
	p, err := s.policyFromRequest(req, trust.Issuer{URL: old.Issuer, Provider: old.Provider})
	if err != nil {
		return nil, err
	}
	sameRepo := strings.EqualFold(p.RepoOwner, old.RepoOwner) && strings.EqualFold(p.Repository, old.Repository) &&
		p.Provider == old.Provider && p.Issuer == old.Issuer
	if sameRepo && strings.TrimSpace(req.RepoOwnerID) == "" && (strings.TrimSpace(req.RepositoryID) == "" || p.RepositoryID == old.RepositoryID) {
		// The request leaves the IDs out (the web form has no owner-ID
		// field; an owner/* policy's repository ID is always '*'): keep
		// the stored ones rather than read the gap as a change.
		p.RepoOwnerID, p.RepositoryID = old.RepoOwnerID, old.RepositoryID
	}
	sameIDs := p.RepositoryID == "" || old.RepositoryID == "" || p.RepositoryID == old.RepositoryID && p.RepoOwnerID == old.RepoOwnerID
	if (!sameRepo || !sameIDs) && !req.ConfirmRebind {
		return nil, errorf(ErrInvalid, "Policy '%s' trusts %s/%s on %s; changing its repository, issuer or IDs drops its binding to that repository's IDs. "+
			"Confirm the change (the form's 'Change the repository or issuer' box, or --rebind), or keep them as they are.", old.Name, old.RepoOwner, old.Repository, old.Issuer)
	}
	if old.ReadOnly && !p.ReadOnly && !req.ConfirmRebind {
		return nil, errorf(ErrInvalid, "Policy '%s' is read-only; making it a push policy lets every job it matches publish packages for its owner, not only restore. "+
			"Confirm the change (the form's 'Change the repository or issuer' box, or --rebind), or keep it read-only.", old.Name)
	}
	now := s.now()
	p.ID, p.CreatedBy, p.OwnerID, p.CreatedAt, p.Revision = old.ID, old.CreatedBy, old.OwnerID, old.CreatedAt, old.Revision
	switch {
	case sameRepo && sameIDs && old.RepositoryID != "":
		p.RepoOwnerID, p.RepositoryID, p.BoundAt, p.PendingSince = old.RepoOwnerID, old.RepositoryID, old.BoundAt, old.PendingSince
	case !p.Pending():
		p.BoundAt, p.PendingSince = &now, old.PendingSince
	case sameRepo && old.Pending():
		// Still waiting for the same repository: the window goes on
		// (RenewPolicy restarts it).
		p.PendingSince = old.PendingSince
	default:
		// A confirmed rebind: the policy waits for a first use from now,
		// never inheriting a window that may have run out long ago.
		p.PendingSince = now
	}
	if err := s.store.UpdatePolicy(ctx, p, now); err != nil {
		return nil, policyChanged(err, id)
	}
	msg := "policy changed; keys it minted were revoked"
	if !sameRepo || !sameIDs {
		msg = fmt.Sprintf("policy moved from %s/%s on %s (IDs %s/%s) to %s/%s on %s; keys it minted were revoked",
			old.RepoOwner, old.Repository, old.Issuer, dashIfEmpty(old.RepoOwnerID), dashIfEmpty(old.RepositoryID), p.RepoOwner, p.Repository, p.Issuer)
	}
	s.audit(ctx, &AuditEvent{Kind: "policy.update", Outcome: "done", ActorID: user.ID, PolicyID: p.ID, Subject: p.Name, Message: msg})
	return s.policyView(ctx, p)
}

// dashIfEmpty writes an empty value as "-".
func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// policyChanged explains a store error of a policy update.
func policyChanged(err error, id int64) error {
	if errors.Is(err, ErrConflict) {
		return errorf(ErrConflict, "Trust policy %d changed meanwhile (perhaps its first use just bound it); reload it and try again.", id)
	}
	return notFound(err, "There is no trust policy with ID %d.", id)
}
