package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/retention"
)

// Retention (docs/lifecycle.md, "Retention"): a feed's rules say which
// versions go; package retention plans it, this file and retention_run.go
// load the versions, protect those no rule may touch, and apply the plan
// through the final delete and the unlist every other path uses. Rules
// are changed by the operator (the command line) or, in the UI, by the
// feed's admins and the registry's (adminFeed: anyone else finds no feed).

// RetentionRules lists the rules of a feed, or of every feed for "", for
// the operator. Errors: ErrNotFound (the feed).
func (s *Service) RetentionRules(ctx context.Context, feed string) ([]retention.Rule, error) {
	var id int64
	if feed != "" {
		f, err := s.feeds.Find(ctx, feed)
		if err != nil {
			return nil, err
		}
		id = f.ID
	}
	return s.store.RetentionRules(ctx, id)
}

// RetentionRulesAs lists a feed's rules for its admins. Errors:
// ErrNotFound (see ManagedFeed).
func (s *Service) RetentionRulesAs(ctx context.Context, actor *Account, feed string) ([]retention.Rule, error) {
	f, err := s.adminFeed(ctx, actor, feed)
	if err != nil {
		return nil, err
	}
	return s.store.RetentionRules(ctx, f.ID)
}

// AddRetentionRule adds a rule to a feed for the operator. Errors:
// ErrNotFound (the feed), ErrInvalid (the rule, an upstream feed).
func (s *Service) AddRetentionRule(ctx context.Context, feed string, r retention.Rule) (*retention.Rule, error) {
	f, err := s.feeds.Find(ctx, feed)
	if err != nil {
		return nil, err
	}
	return s.addRetentionRule(ctx, nil, f, r)
}

// AddRetentionRuleAs adds a rule to a feed for its admins. Errors:
// ErrNotFound (see ManagedFeed), ErrInvalid.
func (s *Service) AddRetentionRuleAs(ctx context.Context, actor *Account, feed string, r retention.Rule) (*retention.Rule, error) {
	f, err := s.adminFeed(ctx, actor, feed)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		return nil, err // the rule's own mistakes first
	}
	if r.Action == retention.ActionDelete && (actor == nil || !actor.IsAdmin) {
		// Administering a feed is not owning its packages: only those
		// who may delete any version (administrators, see delete.go)
		// may make a rule that does.
		return nil, fieldErrorf(ErrInvalid, "action", "Only a registry administrator can add a rule that deletes versions: a delete is final, and the rule would delete other owners' packages. Choose unlist, or ask an administrator.")
	}
	return s.addRetentionRule(ctx, actor, f, r)
}

func (s *Service) addRetentionRule(ctx context.Context, actor *Account, f *feeds.Feed, r retention.Rule) (*retention.Rule, error) {
	if f.Upstream != nil {
		return nil, errorf(ErrInvalid, "Feed %s mirrors an upstream source: its versions are a cache of that source, and retention rules apply to local feeds only.", f.Name)
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.ID, r.FeedID, r.Feed, r.CreatedAt, r.CreatedBy = 0, f.ID, f.Name, s.now().UTC(), actorName(actor)
	if err := s.store.AddRetentionRule(ctx, &r); err != nil {
		return nil, err
	}
	s.audit(ctx, &AuditEvent{Kind: "retention.rule.add", Outcome: "done", ActorID: actorID(actor), Subject: f.Name, Message: r.String()})
	return &r, nil
}

// RemoveRetentionRule removes a rule, by ID, for the operator. Errors:
// ErrNotFound.
func (s *Service) RemoveRetentionRule(ctx context.Context, id int64) error {
	return s.removeRetentionRule(ctx, nil, 0, id)
}

// RemoveRetentionRuleAs removes a rule of a feed for its admins. Errors:
// ErrNotFound (the feed, see ManagedFeed; the rule).
func (s *Service) RemoveRetentionRuleAs(ctx context.Context, actor *Account, feed string, id int64) error {
	f, err := s.adminFeed(ctx, actor, feed)
	if err != nil {
		return err
	}
	return s.removeRetentionRule(ctx, actor, f.ID, id)
}

func (s *Service) removeRetentionRule(ctx context.Context, actor *Account, feedID, id int64) error {
	if err := s.store.RemoveRetentionRule(ctx, feedID, id); err != nil {
		return notFound(err, "There is no retention rule %d here.", id)
	}
	s.audit(ctx, &AuditEvent{Kind: "retention.rule.remove", Outcome: "done", ActorID: actorID(actor), Subject: fmt.Sprintf("rule %d", id)})
	return nil
}

// PinVersion pins (pin) or unpins a version for the operator: no
// retention rule touches a pinned version. Errors: ErrNotFound.
func (s *Service) PinVersion(ctx context.Context, id, version string, pin bool) (*PackageVersion, error) {
	p, pv, err := s.freshVersion(ctx, id, version)
	if err != nil {
		return nil, err
	}
	return s.setPinned(ctx, nil, p, pv, pin)
}

// PinVersionAs pins or unpins a version for a signed-in user who may
// change its versions (an owner, or a member of an owning organisation).
// Errors: ErrNotFound, ErrForbidden.
func (s *Service) PinVersionAs(ctx context.Context, actor *Account, id, version string, pin bool) (*PackageVersion, error) {
	p, pv, err := s.freshVersion(ctx, id, version)
	if err != nil {
		return nil, err
	}
	if ok, _, err := s.PackageRights(ctx, actor, p); err != nil || !ok {
		if err == nil {
			err = errorf(ErrForbidden, "You do not own '%s' and do not belong to an organisation that does, so you cannot pin its versions.", p.Name)
		}
		return nil, err
	}
	return s.setPinned(ctx, actor, p, pv, pin)
}

func (s *Service) setPinned(ctx context.Context, actor *Account, p *Package, pv *PackageVersion, pin bool) (*PackageVersion, error) {
	if p.UpstreamCheckedAt != nil {
		return nil, errorf(ErrInvalid, "'%s' is mirrored from an upstream source; retention never touches it, so there is nothing to pin.", p.Name)
	}
	if (pv.PinnedBy != "") == pin {
		return pv, nil
	}
	by := ""
	if pin {
		by = actorName(actor)
	}
	lowerID := strings.ToLower(p.Name)
	if err := s.store.SetPinned(ctx, lowerID, pv.Version.Lower(), by, s.now()); err != nil {
		return nil, notFound(err, "There is no version '%s' of '%s' on this feed.", pv.Version, p.Name)
	}
	kind := map[bool]string{true: "version.pin", false: "version.unpin"}[pin]
	s.audit(ctx, &AuditEvent{Kind: kind, Outcome: "done", ActorID: actorID(actor), Subject: p.Name + " " + pv.Version.String()})
	if _, err := s.cat.reload(ctx, lowerID); err != nil {
		return nil, err
	}
	_, fresh, err := s.Version(ctx, p.Name, pv.Version.String())
	return fresh, err
}

// retentionProtection says why no retention rule may touch pv, "" when
// rules may: the package's latest stable version (listed or not, and the
// latest listed one), its latest version when it has no stable one (so
// retention never empties a package), a pinned version, and a held or
// staged one.
func retentionProtection(p *Package, pv *PackageVersion) string {
	switch {
	case pv.PinnedBy != "":
		return "pinned by " + pv.PinnedBy
	case heldOrStaged(pv):
		return "held or staged"
	}
	stable := func(listedOnly bool) *PackageVersion {
		return p.Latest(VersionFilter{IncludeUnlisted: !listedOnly, IncludeSemVer2: true})
	}
	if l := stable(false); l != nil {
		if l == pv || stable(true) == pv {
			return "the latest stable version"
		}
		return ""
	}
	if len(p.Versions) > 0 && &p.Versions[len(p.Versions)-1] == pv {
		return "the latest version (the package has no stable version)"
	}
	return ""
}

// heldOrStaged reports whether a version waits for a person (held by the
// provenance guard, or staged and not yet promoted): retention never
// touches it. Neither kind is a PackageVersion of a feed: a staged
// version lives in staged_packages until promoted (stage_model.go), a
// held one in held_versions until released (held_model.go), and
// retention plans over a feed's versions only, so both are out of its
// reach by construction and this answers false for every version it
// reads. It stays as the one place that would say otherwise, should
// either ever become a version of the feed with a flag;
// TestRetentionLeavesHeldVersions holds the behaviour. IsStaged and
// IsHeld answer for an ID and version.
func heldOrStaged(*PackageVersion) bool { return false }

// IsHeld reports whether a version of a package ID is held by the
// provenance guard (and so not in any feed yet).
func (s *Service) IsHeld(ctx context.Context, id, version string) (bool, error) {
	v, err := nuget.ParseVersion(version)
	if err != nil {
		return false, nil
	}
	_, err = s.store.HeldVersion(ctx, strings.ToLower(id), v.Lower())
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// actorName is how a change's author is recorded: the account's name, or
// "operator" for the command line and the schedule.
func actorName(a *Account) string {
	if a == nil {
		return "operator"
	}
	return a.Name
}
