package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The trusted-publishing-only switches: per package (its owners, or an
// admin of an owning organisation, set it) and per owner for all its
// packages (the user, or an admin of the organisation).

// RequireTrustedOf reads the switches that cover a package.
func (s *Service) RequireTrustedOf(ctx context.Context, p *Package) (TrustedOnly, error) {
	ids := make([]int64, len(p.Owners))
	for i, o := range p.Owners {
		ids[i] = o.ID
	}
	return s.store.RequireTrusted(ctx, strings.ToLower(p.Name), ids)
}

// OwnerRequiresTrusted reads an owner's switch for all its packages.
func (s *Service) OwnerRequiresTrusted(ctx context.Context, ownerID int64) (bool, error) {
	t, err := s.store.RequireTrusted(ctx, "", []int64{ownerID})
	return len(t.Owners) > 0, err
}

// SetPackageRequireTrustedAs sets a package's switch for an owner (or an
// admin of an owning organisation, or a registry administrator). Errors:
// ErrNotFound, ErrForbidden.
func (s *Service) SetPackageRequireTrustedAs(ctx context.Context, actor *Account, id string, on bool) error {
	p, err := s.Package(ctx, id)
	if err != nil {
		return err
	}
	if actor == nil || !actor.IsAdmin {
		if _, owners, err := s.PackageRights(ctx, actor, p); err != nil || !owners {
			if err == nil {
				err = errorf(ErrForbidden, "Only an owner of '%s', or an admin of an owning organisation, can change whether it accepts only trusted publishing.", p.Name)
			}
			return err
		}
	}
	return s.setPackageRequireTrusted(ctx, actor, p, on)
}

// SetPackageRequireTrusted sets a package's switch for the operator.
// Errors: ErrNotFound.
func (s *Service) SetPackageRequireTrusted(ctx context.Context, id string, on bool) error {
	lowerID := strings.ToLower(id)
	if _, err := s.cat.reload(ctx, lowerID); err != nil {
		return err
	}
	e, err := s.cat.get(ctx, lowerID)
	if err != nil {
		return err
	}
	if e.pkg == nil {
		return errorf(ErrNotFound, "There is no package '%s' on this feed.", id)
	}
	return s.setPackageRequireTrusted(ctx, nil, e.pkg, on)
}

func (s *Service) setPackageRequireTrusted(ctx context.Context, actor *Account, p *Package, on bool) error {
	if err := s.store.SetPackageRequireTrusted(ctx, strings.ToLower(p.Name), on); err != nil {
		return notFound(err, "There is no package '%s' on this feed.", p.Name)
	}
	s.audit(ctx, &AuditEvent{Kind: "package.require-trusted", Outcome: "done", ActorID: actorID(actor), Subject: p.Name,
		Message: fmt.Sprintf("trusted publishing only for %s turned %s by %s", p.Name, onOff(on), actorName(actor))})
	return nil
}

// SetOwnerRequireTrustedAs sets an owner's switch for all its packages,
// for the user themself or an admin of the organisation (or a registry
// administrator). Errors: ErrUnauthenticated, ErrNotFound (no such
// owner that the actor administers).
func (s *Service) SetOwnerRequireTrustedAs(ctx context.Context, actor *Account, owner string, on bool) error {
	if actor == nil {
		return errorf(ErrUnauthenticated, "Sign in to do this.")
	}
	a := actor
	if owner != "" && !strings.EqualFold(owner, actor.Name) {
		var err error
		if a, err = s.store.AccountByName(ctx, owner); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		ok := err == nil && actor.IsAdmin
		if err == nil && !ok && a.Kind == KindOrganization {
			if ok, err = s.canActFor(ctx, actor.ID, a.ID, true); err != nil {
				return err
			}
		}
		if !ok {
			return errorf(ErrNotFound, "There is no organisation named '%s' that you administer.", owner)
		}
	}
	return s.setOwnerRequireTrusted(ctx, actor, a, on)
}

// OwnerSetting is an owner's trusted-publishing-only switch.
type OwnerSetting struct {
	Name string
	On   bool
}

// TrustedOnlySettingsOf lists the owners whose switch the user may change
// (the user, and organisations they administer) with its state.
func (s *Service) TrustedOnlySettingsOf(ctx context.Context, user *Account) ([]OwnerSetting, error) {
	if user == nil {
		return nil, errorf(ErrUnauthenticated, "Sign in to do this.")
	}
	owners, err := s.administeredAccounts(ctx, user)
	if err != nil {
		return nil, err
	}
	out := make([]OwnerSetting, 0, len(owners))
	for _, o := range owners {
		on, err := s.OwnerRequiresTrusted(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, OwnerSetting{Name: o.Name, On: on})
	}
	return out, nil
}

// SetOwnerRequireTrusted sets an owner's switch for the operator.
// Errors: ErrNotFound.
func (s *Service) SetOwnerRequireTrusted(ctx context.Context, owner string, on bool) error {
	a, err := s.store.AccountByName(ctx, owner)
	if err != nil {
		return notFound(err, "There is no user or organisation '%s'.", owner)
	}
	return s.setOwnerRequireTrusted(ctx, nil, a, on)
}

func (s *Service) setOwnerRequireTrusted(ctx context.Context, actor *Account, a *Account, on bool) error {
	if err := s.store.SetOwnerRequireTrusted(ctx, a.ID, on); err != nil {
		return err
	}
	s.audit(ctx, &AuditEvent{Kind: "owner.require-trusted", Outcome: "done", ActorID: actorID(actor), Subject: a.Name,
		Message: fmt.Sprintf("trusted publishing only for every package of %s turned %s by %s", a.Name, onOff(on), actorName(actor))})
	return nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
