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
	// Claims, for Buildkite, CircleCI and generic OIDC issuers, are the
	// claim values by the issuer profile's field keys (trust.Profile).
	Claims map[string]string
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
	// StagingOnly makes the policy mint keys that stage packages and
	// never push straight to a feed (see trust.Policy.StagingOnly).
	StagingOnly bool
	// KeepStagingOnly, on update, keeps the stored StagingOnly.
	KeepStagingOnly bool
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
	// RepoUses, for a glob policy (owner/*, owner/sdk-*), are the first
	// uses of each repository ID, oldest first.
	RepoUses []RepoUse

	// IssuerTitle is the human title of the policy's trusted issuer
	// ("GitHub Enterprise Server (ghe.example.com)"); "" when its issuer
	// is no longer trusted as it was (Status says why).
	IssuerTitle string
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
	if p.StagingOnly {
		what = "staging only"
	}
	s.audit(ctx, &AuditEvent{Kind: "policy.create", Outcome: "done", ActorID: user.ID, PolicyID: p.ID, Subject: p.Name,
		Message: fmt.Sprintf("%s policy for %s/%s on issuer %s %s for %s", p.Provider, p.RepoOwner, p.Repository, p.IssuerName, what, owner.Name)})
	return s.policyView(ctx, p)
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
	if p.RepoGlob() {
		uses, err := s.store.PolicyRepoUses(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		v.RepoUses = uses
	}
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
	iss, issuerWhy := trust.PolicyIssuer(p, s.issuers)
	v.IssuerTitle = iss.Title
	switch {
	case !ok:
		v.Status = PolicyStatus{State: "inactive", Reason: fmt.Sprintf("%s is no longer a member of %s", v.CreatorName, v.OwnerName)}
	case issuerWhy != "":
		v.Status = PolicyStatus{State: "inactive", Reason: issuerWhy}
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
	if req.KeepStagingOnly {
		req.StagingOnly = old.StagingOnly
	}
	p, err := s.policyFromRequest(req, trust.Issuer{Name: old.IssuerName, URL: old.Issuer, Provider: old.Provider})
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
	if old.StagingOnly && !p.StagingOnly && !req.ConfirmRebind {
		return nil, errorf(ErrInvalid, "Policy '%s' is limited to staging; lifting the limit lets every job it matches publish straight to the feed, with no person promoting. "+
			"Confirm the change (the form's 'Change the repository or issuer' box, or --rebind), or keep it limited to staging.", old.Name)
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
