package registry

// Trust policies as code: the use cases behind the JSON policy API and
// 'wharf policy apply'. A PolicyManager is who acts: a signed-in user, or
// an API key with the manage scope. The rights are the web UI's (a user's
// own policies and those of organisations they administer), re-checked on
// every call; a key made for an organisation manages only that
// organisation's policies.

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/trust"
)

// PolicyManager is who manages policies through the API.
type PolicyManager struct {
	User string // the acting user's name
	// OwnerID, when not 0, limits the manager to that account's policies
	// (a manage key made for an organisation).
	OwnerID int64
}

// ManagerOfKey is the policy manager an API key acts as. Errors:
// ErrForbidden (a key without the manage scope, or a trusted-publishing
// key).
func (s *Service) ManagerOfKey(ctx context.Context, key *APIKey) (PolicyManager, error) {
	if key.PolicyID != nil || !key.Scopes.Has(feeds.ScopeManage) {
		return PolicyManager{}, errorf(ErrForbidden, "The API key %s… may not manage trust policies; create a key with --scope manage (or tick Manage on the API keys page).", key.Hint)
	}
	user, err := s.store.AccountByID(ctx, key.UserID)
	if err != nil {
		return PolicyManager{}, fmt.Errorf("manager of key %d: %w", key.ID, err)
	}
	m := PolicyManager{User: user.Name}
	if key.OwnerID != key.UserID {
		m.OwnerID = key.OwnerID
	}
	return m, nil
}

// ManagedPolicies lists the policies the manager sees: as Policies, or
// only its account's for a key made for an organisation.
func (s *Service) ManagedPolicies(ctx context.Context, m PolicyManager) ([]PolicyView, error) {
	ps, err := s.Policies(ctx, m.User)
	if err != nil {
		return nil, err
	}
	if m.OwnerID == 0 {
		return ps, nil
	}
	out := ps[:0]
	for _, p := range ps {
		if p.OwnerID == m.OwnerID {
			out = append(out, p)
		}
	}
	return out, nil
}

// ManagedPolicy reads one policy the manager may change. Errors:
// ErrNotFound, the same for a policy that does not exist and for one the
// manager may not see.
func (s *Service) ManagedPolicy(ctx context.Context, m PolicyManager, id int64) (*PolicyView, error) {
	_, p, err := s.managedPolicy(ctx, m, id)
	if err != nil {
		return nil, err
	}
	v, err := s.policyView(ctx, p)
	if err != nil {
		return nil, err
	}
	v.Editable = true
	return v, nil
}

// managedPolicy loads a policy the manager may change.
func (s *Service) managedPolicy(ctx context.Context, m PolicyManager, id int64) (*Account, *trust.Policy, error) {
	user, p, err := s.ownPolicy(ctx, m.User, id)
	if errors.Is(err, ErrNotFound) {
		// One answer whether the policy is absent or someone else's: the
		// API tells no one that another account's policy exists.
		return nil, nil, errorf(ErrNotFound, "There is no trust policy with ID %d that you may change.", id)
	}
	if err != nil {
		return nil, nil, err
	}
	if m.OwnerID != 0 && p.OwnerID != m.OwnerID {
		return nil, nil, errorf(ErrNotFound, "There is no trust policy with ID %d that you may change.", id)
	}
	return user, p, nil
}

// CreateManagedPolicy creates a policy for the manager (CreatePolicy's
// errors; a key made for an organisation creates only that
// organisation's policies, and its owner defaults to it).
func (s *Service) CreateManagedPolicy(ctx context.Context, m PolicyManager, req NewPolicy) (*PolicyView, error) {
	req.User = m.User
	if m.OwnerID != 0 {
		owner, err := s.store.AccountByID(ctx, m.OwnerID)
		if err != nil {
			return nil, err
		}
		if req.Owner == "" {
			req.Owner = owner.Name
		}
		if !strings.EqualFold(req.Owner, owner.Name) {
			return nil, fieldErrorf(ErrForbidden, "owner", "This API key manages the policies of '%s' only; use a key made for '%s'.", owner.Name, req.Owner)
		}
	}
	return s.CreatePolicy(ctx, req)
}

// UpdateManagedPolicy changes a policy the manager may change
// (UpdatePolicy's errors).
func (s *Service) UpdateManagedPolicy(ctx context.Context, m PolicyManager, id int64, req NewPolicy) (*PolicyView, error) {
	if _, _, err := s.managedPolicy(ctx, m, id); err != nil {
		return nil, err
	}
	return s.UpdatePolicy(ctx, m.User, id, req)
}

// RemoveManagedPolicy deletes a policy the manager may change.
func (s *Service) RemoveManagedPolicy(ctx context.Context, m PolicyManager, id int64) error {
	if _, _, err := s.managedPolicy(ctx, m, id); err != nil {
		return err
	}
	return s.RemovePolicy(ctx, m.User, id)
}
