package registry

// 'wharf policy apply': make the policies of some owners equal to a
// declarative list. PlanPolicies compares and validates everything first
// and changes nothing; ApplyPlan then makes the changes, one transaction
// per policy. Every entry is checked before the first change (owners,
// fields, rebinds, duplicates), so an invalid file changes nothing; a
// change can still fail midway only for a reason outside the file (a
// concurrent edit or a database failure), and then the changes already
// made stay and a second apply finishes the rest (apply is idempotent).

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wharf-registry/wharf/internal/trust"
)

// DesiredPolicy is one entry of a policy file: a policy as its owner
// wants it, keyed by Owner and Name.
type DesiredPolicy struct {
	Entry string // how errors name the entry, e.g. "policies[2]"
	NewPolicy
}

// PolicyAction is what applying does to one policy.
type PolicyAction string

// The actions of a plan.
const (
	ActionCreate    PolicyAction = "create"
	ActionUpdate    PolicyAction = "update"
	ActionDelete    PolicyAction = "delete"
	ActionUnchanged PolicyAction = "unchanged"
)

// PolicyChange is one step of a plan.
type PolicyChange struct {
	Action  PolicyAction
	Owner   string
	Name    string
	ID      int64    // the existing policy's ID (update, delete, unchanged)
	Changes []string // update: "field: old → new"
	Rebinds bool     // update: drops the binding to the repository's IDs
	req     NewPolicy
}

// PolicyPlan is what applying a file does, in order.
type PolicyPlan struct {
	User    string
	Owners  []string // the owners whose policies the file manages
	Changes []PolicyChange
}

// Empty reports whether applying the plan changes nothing.
func (p *PolicyPlan) Empty() bool {
	for _, c := range p.Changes {
		if c.Action != ActionUnchanged {
			return false
		}
	}
	return true
}

// PlanPolicies compares the policies that userName manages for owners
// (plus every owner the entries name) with want, validating every entry,
// and changes nothing. Policies of those owners that no entry names are
// deleted; a change that drops a policy's binding needs rebind. Errors:
// ErrInvalid naming the entry and field, ErrNotFound (an owner the user
// does not administer).
func (s *Service) PlanPolicies(ctx context.Context, userName string, owners []string, want []DesiredPolicy, rebind bool) (*PolicyPlan, error) {
	user, err := s.user(ctx, userName)
	if err != nil {
		return nil, err
	}
	plan := &PolicyPlan{User: user.Name}
	ownerOf := map[string]*Account{} // lower-cased name → account
	addOwner := func(name, entry string) (*Account, error) {
		if name == "" {
			name = user.Name
		}
		if a := ownerOf[strings.ToLower(name)]; a != nil {
			return a, nil
		}
		a, err := s.administeredOwner(ctx, user, name, "trust policies")
		if err != nil {
			return nil, entryError(entry, "owner", err)
		}
		ownerOf[strings.ToLower(a.Name)] = a
		plan.Owners = append(plan.Owners, a.Name)
		return a, nil
	}
	for _, o := range owners {
		if _, err := addOwner(o, "owners"); err != nil {
			return nil, err
		}
	}
	seen := map[string]string{}
	for i := range want {
		d := &want[i]
		o, err := addOwner(d.Owner, d.Entry)
		if err != nil {
			return nil, err
		}
		d.Owner, d.Name = o.Name, strings.TrimSpace(d.Name)
		if d.Name == "" {
			return nil, entryError(d.Entry, "name", errorf(ErrInvalid, "Give every policy a name: the file and the registry match policies by owner and name."))
		}
		key := policyKey(o.Name, d.Name)
		if prev, dup := seen[key]; dup {
			return nil, entryError(d.Entry, "name", errorf(ErrInvalid, "%s already names a policy '%s' of %s: names are unique per owner.", prev, d.Name, o.Name))
		}
		seen[key] = d.Entry
	}
	current, err := s.Policies(ctx, user.Name)
	if err != nil {
		return nil, err
	}
	existing := map[string]*PolicyView{}
	for i := range current {
		p := &current[i]
		if ownerOf[strings.ToLower(p.OwnerName)] == nil || !p.Editable {
			continue
		}
		key := policyKey(p.OwnerName, p.Name)
		if prev := existing[key]; prev != nil {
			return nil, errorf(ErrInvalid, "%s has two policies named '%s' (IDs %d and %d): rename or delete one ('wharf policy update' or the web UI) before applying a file.", p.OwnerName, p.Name, prev.ID, p.ID)
		}
		existing[key] = p
	}
	for _, d := range want {
		key := policyKey(d.Owner, d.Name)
		d.NewPolicy.User = user.Name
		old := existing[key]
		delete(existing, key)
		if old == nil {
			if _, err := s.policyFromRequest(d.NewPolicy, trust.Issuer{}); err != nil {
				return nil, entryError(d.Entry, "", err)
			}
			plan.Changes = append(plan.Changes, PolicyChange{Action: ActionCreate, Owner: d.Owner, Name: d.Name, req: d.NewPolicy})
			continue
		}
		ch, err := s.comparePolicy(d, old, rebind)
		if err != nil {
			return nil, err
		}
		plan.Changes = append(plan.Changes, ch)
	}
	var gone []*PolicyView
	for _, p := range existing {
		gone = append(gone, p)
	}
	slices.SortFunc(gone, func(a, b *PolicyView) int { return int(a.ID - b.ID) })
	for _, p := range gone {
		plan.Changes = append(plan.Changes, PolicyChange{Action: ActionDelete, Owner: p.OwnerName, Name: p.Name, ID: p.ID})
	}
	return plan, nil
}

// policyKey is how a file and the registry name one policy: its owner
// (case-insensitive) and its name.
func policyKey(owner, name string) string { return strings.ToLower(owner) + "\x00" + name }

// comparePolicy plans one entry against the policy of its owner and name.
func (s *Service) comparePolicy(d DesiredPolicy, old *PolicyView, rebind bool) (PolicyChange, error) {
	req := d.NewPolicy
	if strings.TrimSpace(req.Issuer) == "" && (req.Provider == "" || req.Provider == old.Provider) {
		req.Provider, req.Issuer = old.Provider, old.Issuer
	}
	p, err := s.policyFromRequest(req, trust.Issuer{Name: old.IssuerName, URL: old.Issuer, Provider: old.Provider})
	if err != nil {
		return PolicyChange{}, entryError(d.Entry, "", err)
	}
	ch := PolicyChange{Action: ActionUnchanged, Owner: d.Owner, Name: d.Name, ID: old.ID, req: req}
	diff := func(field, was, now string) {
		if was != now {
			ch.Changes = append(ch.Changes, fmt.Sprintf("%s: %q → %q", field, was, now))
		}
	}
	oldRepo, newRepo := old.RepoOwner+"/"+old.Repository, p.RepoOwner+"/"+p.Repository
	diff("repository", oldRepo, newRepo)
	ch.Rebinds = !strings.EqualFold(oldRepo, newRepo) // a change of case alone keeps the binding
	if p.Provider != old.Provider || p.Issuer != old.Issuer {
		diff("issuer", old.Issuer, p.Issuer)
		ch.Rebinds = true
	}
	diff("issuer name", old.IssuerName, p.IssuerName)
	if strings.TrimSpace(req.RepoOwnerID) != "" && p.RepoOwnerID != old.RepoOwnerID ||
		strings.TrimSpace(req.RepositoryID) != "" && p.RepositoryID != old.RepositoryID && !p.RepoGlob() {
		diff("ownerId/repositoryId", old.RepoOwnerID+"/"+old.RepositoryID, p.RepoOwnerID+"/"+p.RepositoryID)
		ch.Rebinds = true
	}
	diff("workflow", old.Workflow, p.Workflow)
	diff("reusableWorkflow", old.ReusableWorkflow, p.ReusableWorkflow)
	diff("environment", old.Environment, p.Environment)
	diff("ref", old.Ref, p.Ref)
	diff("ciConfigPath", old.CIConfigPath, p.CIConfigPath)
	diff("claims", ruleSummary(old.Rules), ruleSummary(p.Rules))
	diff("packages", strings.Join(old.Globs, ","), strings.Join(p.Globs, ","))
	diff("readOnly", fmt.Sprint(old.ReadOnly), fmt.Sprint(p.ReadOnly))
	diff("stagingOnly", fmt.Sprint(old.StagingOnly), fmt.Sprint(p.StagingOnly))
	if old.ReadOnly && !p.ReadOnly || old.StagingOnly && !p.StagingOnly {
		ch.Rebinds = true // widens what the policy's keys may do: confirmed as a rebind is
	}
	if len(ch.Changes) > 0 {
		ch.Action = ActionUpdate
	}
	if ch.Rebinds && !rebind {
		return PolicyChange{}, entryError(d.Entry, "repository", errorf(ErrInvalid,
			"This changes policy '%s' of %s (%s) in a way that drops its binding to the repository's IDs or lets its keys do more; run apply with --rebind to confirm, or keep those fields as they are.",
			d.Name, d.Owner, strings.Join(ch.Changes, "; ")))
	}
	ch.req.ConfirmRebind = ch.Rebinds
	return ch, nil
}

// ApplyPlan makes a plan's changes: updates, then creates, then deletes,
// one transaction each. It returns the changes made; on an error the
// changes before it stay made (a second apply finishes the rest).
func (s *Service) ApplyPlan(ctx context.Context, plan *PolicyPlan) ([]PolicyChange, error) {
	var done []PolicyChange
	for _, action := range []PolicyAction{ActionUpdate, ActionCreate, ActionDelete} {
		for _, c := range plan.Changes {
			if c.Action != action {
				continue
			}
			var err error
			switch action {
			case ActionUpdate:
				_, err = s.UpdatePolicy(ctx, plan.User, c.ID, c.req)
			case ActionCreate:
				var v *PolicyView
				if v, err = s.CreatePolicy(ctx, c.req); err == nil {
					c.ID = v.ID
				}
			case ActionDelete:
				err = s.RemovePolicy(ctx, plan.User, c.ID)
			}
			if err != nil {
				return done, fmt.Errorf("%s policy '%s' of %s: %w", action, c.Name, c.Owner, err)
			}
			done = append(done, c)
		}
	}
	return done, nil
}

// entryError names the file's entry (and field) in a use case's error,
// keeping its kind.
func entryError(entry, field string, err error) error {
	if f := Field(err); f != "" {
		field = f
	}
	msg := Message(err)
	if msg == "" {
		return err
	}
	where := entry
	if field != "" {
		where += ", field '" + field + "'"
	}
	var kind error = ErrInvalid
	for _, k := range []error{ErrNotFound, ErrForbidden, ErrInvalid} {
		if errors.Is(err, k) {
			kind = k
			break
		}
	}
	return fieldErrorf(kind, field, "%s: %s", where, msg)
}
