package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Staged releases as people see them in the web UI: the stage groups of
// every account they act for, approval, promotion and dropping. Only a
// person promotes, with a fresh sign-in (FreshSignIn); an owner may
// require two people (SetTwoPeople): then someone approves the group and
// someone else, who staged none of it, promotes it.

// FreshSignIn is how recent a sign-in must be to promote.
const FreshSignIn = 10 * time.Minute

// FieldFreshSignIn is the Field of the refusal of a promotion whose
// sign-in is too old: the page offers to sign in again.
const FieldFreshSignIn = "fresh-sign-in"

// StageDetail is a stage group with its packages, as its page shows it.
type StageDetail struct {
	Group     StageGroup
	Packages  []StagedPackage
	TwoPeople bool     // the owner requires two people
	Stagers   []string // who staged its packages, by user name
	MayManage bool     // the viewer may approve, promote and drop
}

// stageOwners returns the IDs of the accounts the user acts for: the
// user and the organisations they are a member of.
func (s *Service) stageOwners(ctx context.Context, user *Account) ([]int64, error) {
	ms, err := s.store.Memberships(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	ids := []int64{user.ID}
	for _, m := range ms {
		ids = append(ids, m.User.ID)
	}
	return ids, nil
}

// StagesOf lists the stage groups of every account the user acts for,
// with their owners' names.
func (s *Service) StagesOf(ctx context.Context, user *Account) ([]StageGroup, error) {
	if user == nil {
		return nil, errorf(ErrUnauthenticated, "Sign in to see staged releases.")
	}
	ids, err := s.stageOwners(ctx, user)
	if err != nil {
		return nil, err
	}
	gs, err := s.store.StageGroups(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range gs {
		if err := s.nameGroup(ctx, &gs[i]); err != nil {
			return nil, err
		}
	}
	return gs, nil
}

func (s *Service) nameGroup(ctx context.Context, g *StageGroup) error {
	a, err := s.store.AccountByID(ctx, g.OwnerID)
	if err != nil {
		return err
	}
	g.OwnerName = a.Name
	if g.ApprovedBy != nil {
		if b, err := s.store.AccountByID(ctx, *g.ApprovedBy); err == nil {
			g.ApprovedByName = b.Name
		}
	}
	return nil
}

// personGroup finds a group the user acts for; manage asks for the
// right to approve, promote and drop (the owner, or an admin of the
// owning organisation). Errors: ErrNotFound, ErrForbidden.
func (s *Service) personGroup(ctx context.Context, user *Account, id int64, manage bool) (*StageGroup, error) {
	if user == nil {
		return nil, errorf(ErrUnauthenticated, "Sign in to do this.")
	}
	absent := errorf(ErrNotFound, "There is no stage group %d that you may see.", id)
	g, err := s.store.StageGroup(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, absent
	}
	if err != nil {
		return nil, err
	}
	if ok, err := s.canActFor(ctx, user.ID, g.OwnerID, false); err != nil || !ok {
		if err != nil {
			return nil, err
		}
		return nil, absent
	}
	if manage {
		if ok, err := s.canActFor(ctx, user.ID, g.OwnerID, true); err != nil || !ok {
			if err != nil {
				return nil, err
			}
			return nil, errorf(ErrForbidden, "Only the owner of stage group %s (an admin of the organisation) may approve, promote or drop it.", g.Slug)
		}
	}
	return g, s.nameGroup(ctx, g)
}

// StageDetailOf returns a group the user acts for, with its packages.
func (s *Service) StageDetailOf(ctx context.Context, user *Account, id int64) (*StageDetail, error) {
	g, err := s.personGroup(ctx, user, id, false)
	if err != nil {
		return nil, err
	}
	manage, err := s.canActFor(ctx, user.ID, g.OwnerID, true)
	if err != nil {
		return nil, err
	}
	return s.stageDetail(ctx, g, manage)
}

// OperatorStageDetail is StageDetailOf for the operator's command line,
// which sees every group. Errors: ErrNotFound.
func (s *Service) OperatorStageDetail(ctx context.Context, id int64) (*StageDetail, error) {
	g, err := s.store.StageGroup(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.nameGroup(ctx, g); err != nil {
		return nil, err
	}
	return s.stageDetail(ctx, g, false)
}

func (s *Service) stageDetail(ctx context.Context, g *StageGroup, manage bool) (*StageDetail, error) {
	ps, err := s.store.StagedPackages(ctx, g.ID, nil)
	if err != nil {
		return nil, err
	}
	two, err := s.store.TwoPeople(ctx, g.OwnerID)
	if err != nil {
		return nil, err
	}
	d := &StageDetail{Group: *g, Packages: ps, TwoPeople: two, MayManage: manage}
	for i := range d.Packages {
		p := &d.Packages[i]
		if a, err := s.store.AccountByID(ctx, p.StagedBy); err == nil {
			p.StagedByName = a.Name
			if !slices.Contains(d.Stagers, a.Name) {
				d.Stagers = append(d.Stagers, a.Name)
			}
		}
	}
	return d, nil
}

// ApproveStage records the user's approval of a group (what the two-person
// rule asks before someone else promotes).
func (s *Service) ApproveStage(ctx context.Context, user *Account, id int64) (*StageGroup, error) {
	g, err := s.personGroup(ctx, user, id, true)
	if err != nil {
		return nil, err
	}
	if err := s.requireFresh(user, "approve"); err != nil {
		return nil, err
	}
	if err := s.store.ApproveStageGroup(ctx, g.ID, user.ID, s.now()); err != nil {
		return nil, err
	}
	s.audit(ctx, &AuditEvent{Kind: "stage.approve", Outcome: "done", ActorID: user.ID, Subject: g.Slug,
		Message: fmt.Sprintf("stage group %s of %s approved by %s", g.Slug, g.OwnerName, user.Name)})
	return g, nil
}

// requireFresh refuses a person whose sign-in is older than FreshSignIn.
func (s *Service) requireFresh(user *Account, what string) error {
	if user.SignedInAt.IsZero() || s.now().Sub(user.SignedInAt) > FreshSignIn {
		return fieldErrorf(ErrForbidden, FieldFreshSignIn, "To %s a staged release, sign in again: your last sign-in is more than %d minutes old, and promotion must be done by a person who just proved who they are.", what, int(FreshSignIn.Minutes()))
	}
	return nil
}

// Promotion is what PromoteStage did.
type Promotion struct {
	Group    StageGroup
	Promoted []StagedPackage
}

// PromoteStage makes every package of a group part of its feed, then
// removes the group. The user must manage the group, have signed in
// within FreshSignIn and, when the owner requires two people, not be
// the approver nor anyone who staged a package of it. The group is
// promoted in one transaction: on a failure every package stays staged
// and the error names the one that could not join. Errors: ErrForbidden,
// ErrNotFound, ErrInvalid (nothing staged), ErrConflict (a version
// exists or was deleted for good).
func (s *Service) PromoteStage(ctx context.Context, user *Account, id int64) (*Promotion, error) {
	g, err := s.personGroup(ctx, user, id, true)
	if err != nil {
		return nil, err
	}
	if err := s.requireFresh(user, "promote"); err != nil {
		return nil, err
	}
	ps, err := s.store.StagedPackages(ctx, g.ID, nil)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errorf(ErrInvalid, "Stage group %s holds no package; there is nothing to promote.", g.Slug)
	}
	if err := s.twoPeopleRule(ctx, user, g, ps); err != nil {
		s.audit(ctx, &AuditEvent{Kind: "stage.promote", Outcome: "rejected", ActorID: user.ID, Subject: g.Slug, Message: Message(err)})
		return nil, err
	}
	for _, p := range ps {
		if e, err := s.cat.get(ctx, strings.ToLower(p.Name)); err == nil && e.pkg != nil && e.pkg.Find(p.Version) != nil {
			return nil, errorf(ErrConflict, "%s %s was pushed to the feed after it was staged; drop it from the stage group, then promote.", p.Name, p.Version)
		}
	}
	if err := s.promote(ctx, user, g, ps); err != nil {
		return nil, err
	}
	done := &Promotion{Group: *g, Promoted: ps}
	if _, err := s.store.DeleteStageGroup(ctx, g.ID); err != nil && !errors.Is(err, ErrNotFound) {
		s.log.Warn("removing a promoted stage group", "group", g.ID, "err", err)
	}
	return done, nil
}

// twoPeopleRule refuses a promotion the owner's two-person rule forbids.
func (s *Service) twoPeopleRule(ctx context.Context, user *Account, g *StageGroup, ps []StagedPackage) error {
	two, err := s.store.TwoPeople(ctx, g.OwnerID)
	if err != nil || !two {
		return err
	}
	if g.ApprovedBy == nil {
		return errorf(ErrForbidden, "%s requires two people to promote: someone must approve stage group %s first, and someone else promote it.", g.OwnerName, g.Slug)
	}
	if *g.ApprovedBy == user.ID {
		return errorf(ErrForbidden, "%s requires two people to promote: you approved stage group %s, so someone else must promote it.", g.OwnerName, g.Slug)
	}
	for _, p := range ps {
		if p.StagedBy == user.ID {
			return errorf(ErrForbidden, "%s requires two people to promote: you staged %s %s (your key, or a trust policy you created), so someone else must promote stage group %s.", g.OwnerName, p.Name, p.Version, g.Slug)
		}
	}
	return nil
}

// promote is the one place staged versions join their feed: the rows
// (with their promoted events, for webhooks) in one transaction, then
// the static copy and the audit lines.
func (s *Service) promote(ctx context.Context, user *Account, g *StageGroup, ps []StagedPackage) error {
	now := s.now().UTC()
	vs := make([]*PackageVersion, len(ps))
	for i := range ps {
		vs[i] = ps[i].AsVersion(now)
	}
	failed, err := s.store.PromoteStaged(ctx, ps, g.OwnerID, actorID(user), vs)
	if err != nil {
		if failed < 0 {
			return fmt.Errorf("promote stage group %s: %w", g.Slug, err)
		}
		p := &ps[failed]
		var gone *TombstonedError
		switch {
		case errors.As(err, &gone):
			return deletedRefusal(gone.Tombstone)
		case errors.Is(err, ErrConflict):
			return s.duplicate(p.Name, p.Version)
		case errors.Is(err, ErrForbidden):
			return errorf(ErrForbidden, "%s belongs to other owners now; %s %s cannot be promoted into it.", p.Name, p.Name, p.Version)
		default:
			return fmt.Errorf("promote %s %s: %w", p.Name, p.Version, err)
		}
	}
	for _, p := range ps {
		lowerID := strings.ToLower(p.Name)
		_, _ = s.cat.reload(ctx, lowerID)
		s.PackageChanged(ctx, lowerID)
		s.audit(ctx, &AuditEvent{Kind: "version.promote", Outcome: "done", ActorID: user.ID, Subject: p.Name + " " + p.Version.String(),
			Message: fmt.Sprintf("%s %s promoted from stage group %s of %s by %s", p.Name, p.Version, g.Slug, g.OwnerName, user.Name)})
	}
	return nil
}

// DropStage deletes a group the user manages, its staged packages and
// their files.
func (s *Service) DropStage(ctx context.Context, user *Account, id int64) (*StageGroup, error) {
	g, err := s.personGroup(ctx, user, id, true)
	if err != nil {
		return nil, err
	}
	return g, s.dropGroup(ctx, user.ID, g, user.Name)
}

// SetTwoPeople turns the two-person rule on or off for an owner: the
// user, or an organisation they administer.
func (s *Service) SetTwoPeople(ctx context.Context, user *Account, owner string, on bool) error {
	if user == nil {
		return errorf(ErrUnauthenticated, "Sign in to do this.")
	}
	o, err := s.administeredOwner(ctx, user, owner, "staged releases")
	if err != nil {
		return err
	}
	if err := s.store.SetTwoPeople(ctx, o.ID, on); err != nil {
		return err
	}
	state := "off"
	if on {
		state = "on"
	}
	s.audit(ctx, &AuditEvent{Kind: "stage.two-people", Outcome: "done", ActorID: user.ID, Subject: o.Name,
		Message: "two people required to promote staged releases of " + o.Name + ": " + state})
	return nil
}

// TwoPeopleOf reports whether an owner requires two people to promote.
func (s *Service) TwoPeopleOf(ctx context.Context, ownerID int64) (bool, error) {
	return s.store.TwoPeople(ctx, ownerID)
}

// StageOwnerSetting is an owner's two-person setting.
type StageOwnerSetting struct {
	Name      string
	TwoPeople bool
}

// StageSettingsOf lists the owners whose two-person setting the user may
// change (the user, and organisations they administer) with its state.
func (s *Service) StageSettingsOf(ctx context.Context, user *Account) ([]StageOwnerSetting, error) {
	if user == nil {
		return nil, errorf(ErrUnauthenticated, "Sign in to do this.")
	}
	owners, err := s.administeredAccounts(ctx, user)
	if err != nil {
		return nil, err
	}
	out := make([]StageOwnerSetting, 0, len(owners))
	for _, o := range owners {
		on, err := s.store.TwoPeople(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, StageOwnerSetting{Name: o.Name, TwoPeople: on})
	}
	return out, nil
}

// AllStages lists every owner's stage groups, for the operator's
// command line.
func (s *Service) AllStages(ctx context.Context) ([]StageGroup, error) {
	gs, err := s.store.StageGroups(ctx, nil)
	if err != nil {
		return nil, err
	}
	for i := range gs {
		if err := s.nameGroup(ctx, &gs[i]); err != nil {
			return nil, err
		}
	}
	return gs, nil
}

// OperatorAs returns the named user as the operator's command line acts
// for them: the server's operator runs it where the data lives, so the
// sign-in it stands for counts as fresh; every other rule (who manages
// the group, the two-person rule) holds. Errors: ErrNotFound.
func (s *Service) OperatorAs(ctx context.Context, name string) (*Account, error) {
	u, err := s.user(ctx, name)
	if err != nil {
		return nil, err
	}
	u.SignedInAt = s.now()
	return u, nil
}
