package registry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/retention"
)

// The leases (schemaV18) that keep retention to one replica at a time:
// leaseRun is held during a run, leaseSchedule until the next scheduled
// run is due.
const (
	leaseRun      = "retention-run"
	leaseSchedule = "retention-schedule"
	// leaseRunTTL bounds a run's hold on leaseRun if its replica dies;
	// a live run renews it before every step.
	leaseRunTTL = 10 * time.Minute
	// DefaultRetentionEvery is how often the schedule runs retention.
	DefaultRetentionEvery = time.Hour
)

// RetentionPlan is what a retention run would do now: every version the
// rules remove, and why.
type RetentionPlan struct {
	Feed   string // the feed planned, "" for every feed
	At     time.Time
	Rules  []retention.Rule
	Steps  []retention.Step
	Digest string // identifies Steps; a run given it refuses another plan
	// Kept are the versions a rule selects but that are protected (the
	// latest stable version, pinned...): never steps, listed to explain.
	Kept []retention.Step
}

// RetentionReport is what a run did: the plan it applied, the steps it
// applied, and those it skipped with why (a version pinned or gone since
// the plan was made, a failure).
type RetentionReport struct {
	Plan    *RetentionPlan
	Applied []retention.Step
	Skipped []SkippedStep
}

// SkippedStep is a step a run did not apply, and why.
type SkippedStep struct {
	Step   retention.Step
	Reason string
}

// RetentionPlan plans retention of a feed ("" for every feed) for the
// operator. Errors: ErrNotFound (the feed).
func (s *Service) RetentionPlan(ctx context.Context, feed string) (*RetentionPlan, error) {
	f, err := s.optionalFeed(ctx, feed)
	if err != nil {
		return nil, err
	}
	return s.retentionPlan(ctx, f)
}

// RetentionPlanAs plans retention of a feed for its admins. Errors:
// ErrNotFound (see ManagedFeed).
func (s *Service) RetentionPlanAs(ctx context.Context, actor *Account, feed string) (*RetentionPlan, error) {
	f, err := s.adminFeed(ctx, actor, feed)
	if err != nil {
		return nil, err
	}
	return s.retentionPlan(ctx, f)
}

// RunRetention applies retention to a feed ("" for every feed) for the
// operator; see runRetention. Errors: ErrNotFound (the feed), ErrConflict.
func (s *Service) RunRetention(ctx context.Context, feed, digest string) (*RetentionReport, error) {
	f, err := s.optionalFeed(ctx, feed)
	if err != nil {
		return nil, err
	}
	return s.runRetention(ctx, nil, f, digest, false)
}

// RunRetentionAs applies retention to a feed for its admins. Errors:
// ErrNotFound (see ManagedFeed), ErrConflict.
func (s *Service) RunRetentionAs(ctx context.Context, actor *Account, feed, digest string) (*RetentionReport, error) {
	f, err := s.adminFeed(ctx, actor, feed)
	if err != nil {
		return nil, err
	}
	return s.runRetention(ctx, actor, f, digest, false)
}

func (s *Service) optionalFeed(ctx context.Context, name string) (*feeds.Feed, error) {
	if name == "" {
		return nil, nil
	}
	return s.feeds.Find(ctx, name)
}

// retentionPlan plans one feed (nil: every feed) from the database, not
// from this replica's cache.
func (s *Service) retentionPlan(ctx context.Context, f *feeds.Feed) (*RetentionPlan, error) {
	plan := &RetentionPlan{At: s.now().UTC()}
	var feedID int64
	if f != nil {
		plan.Feed, feedID = f.Name, f.ID
	}
	rules, err := s.store.RetentionRules(ctx, feedID)
	if err != nil {
		return nil, err
	}
	plan.Rules = rules
	byFeed := map[int64][]retention.Rule{}
	for _, r := range rules {
		byFeed[r.FeedID] = append(byFeed[r.FeedID], r)
	}
	if len(rules) > 0 {
		all, err := s.store.AllPackages(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range all {
			fr := byFeed[p.FeedID]
			if len(fr) == 0 || p.UpstreamCheckedAt != nil {
				continue
			}
			steps, kept := retention.PlanPackage(fr[0].Feed, p.Name, fr, retentionVersions(p), plan.At)
			plan.Steps, plan.Kept = append(plan.Steps, steps...), append(plan.Kept, kept...)
		}
	}
	plan.Digest = retention.Digest(plan.Steps)
	return plan, nil
}

// retentionVersions is what package retention needs of p's versions.
func retentionVersions(p *Package) []retention.Version {
	out := make([]retention.Version, len(p.Versions))
	for i := range p.Versions {
		pv := &p.Versions[i]
		out[i] = retention.Version{Version: pv.Version, Listed: pv.Listed, Published: pv.Published,
			LastDownload: pv.LastDownload, Protected: retentionProtection(p, pv)}
	}
	return out
}

// runRetention takes the run lease (ErrConflict when another run holds
// it, on any replica), plans, and, when digest is not "" and names
// another plan, refuses (ErrConflict) without changing anything.
// Otherwise it applies the plan's steps in order, each through the final
// delete or the unlist with its rule as the reason, renewing the lease
// before each; a version pinned or changed since the plan is skipped.
// The run is audited, except a scheduled one (scheduled) that found
// nothing to do, which would fill the log every hour.
func (s *Service) runRetention(ctx context.Context, actor *Account, f *feeds.Feed, digest string, scheduled bool) (*RetentionReport, error) {
	holder := newHolder()
	now := s.now()
	ok, err := s.store.AcquireLease(ctx, leaseRun, holder, now, now.Add(leaseRunTTL))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errorf(ErrConflict, "A retention run is already under way, on this or another replica; nothing was applied. Wait for it to finish and look at the plan again.")
	}
	defer func() {
		if err := s.store.ReleaseLease(context.WithoutCancel(ctx), leaseRun, holder); err != nil {
			s.log.Warn("releasing the retention lease failed; it expires by itself", "err", err)
		}
	}()
	plan, err := s.retentionPlan(ctx, f)
	if err != nil {
		return nil, err
	}
	if digest != "" && digest != plan.Digest {
		return nil, errorf(ErrConflict, "The retention plan changed since it was shown (a push, a download, a pin or a rule changed it); nothing was applied. Review the new plan and run it again.")
	}
	rep := &RetentionReport{Plan: plan}
	for _, st := range plan.Steps {
		now := s.now()
		if ok, err := s.store.AcquireLease(ctx, leaseRun, holder, now, now.Add(leaseRunTTL)); err != nil || !ok {
			rep.Skipped = append(rep.Skipped, SkippedStep{st, "the run lost its lease; the next run continues"})
			continue
		}
		if why := s.applyRetentionStep(ctx, actor, st); why != "" {
			rep.Skipped = append(rep.Skipped, SkippedStep{st, why})
			continue
		}
		rep.Applied = append(rep.Applied, st)
	}
	if scheduled && len(plan.Steps) == 0 {
		return rep, nil
	}
	s.audit(ctx, &AuditEvent{Kind: "retention.run", Outcome: "done", ActorID: actorID(actor), Subject: map[bool]string{true: "every feed", false: plan.Feed}[plan.Feed == ""],
		Message: planSummary(rep)})
	return rep, nil
}

// applyRetentionStep applies one step and returns "" or why it did not.
func (s *Service) applyRetentionStep(ctx context.Context, actor *Account, st retention.Step) string {
	p, pv, err := s.freshVersion(ctx, st.Package, st.Version)
	if err != nil {
		return "gone since the plan was made"
	}
	if why := retentionProtection(p, pv); why != "" {
		return "kept: now " + why
	}
	reason := "retention " + st.Why
	switch st.Action {
	case retention.ActionDelete:
		if _, err := s.deleteVersion(ctx, actor, p, pv, reason); err != nil {
			s.log.Warn("retention could not delete a version", "id", EscapeText(p.Name), "version", pv.Version.String(), "err", err)
			return "not deleted: " + errorText(err)
		}
	case retention.ActionUnlist:
		if !pv.Listed {
			return "already unlisted"
		}
		lowerID := strings.ToLower(p.Name)
		if err := s.store.SetListed(ctx, lowerID, pv.Version.Lower(), 0, false, s.now()); err != nil {
			return "not unlisted: " + errorText(err)
		}
		s.audit(ctx, &AuditEvent{Kind: "version.unlist", Outcome: "done", ActorID: actorID(actor), Subject: p.Name + " " + pv.Version.String(),
			Message: "unlisted by " + actorName(actor) + ": " + reason})
		if _, err := s.cat.reload(ctx, lowerID); err != nil {
			s.log.Warn("reload after a retention unlist", "id", EscapeText(p.Name), "err", err)
		}
		s.PackageChanged(ctx, lowerID)
	}
	return ""
}

// errorText is the user-facing sentence of err, or "internal error".
func errorText(err error) string {
	if m := Message(err); m != "" {
		return m
	}
	return "internal error (see the server's log)"
}

func planSummary(rep *RetentionReport) string {
	var d, u int
	for _, st := range rep.Applied {
		if st.Action == retention.ActionDelete {
			d++
		} else {
			u++
		}
	}
	return fmt.Sprintf("%d deleted, %d unlisted, %d skipped (plan %s)", d, u, len(rep.Skipped), rep.Plan.Digest)
}

// retentionTick runs retention when the schedule is due: the replica
// that takes leaseSchedule (until the next run is due) runs it; the
// others find it taken and wait.
func (s *Service) retentionTick(ctx context.Context) {
	if s.retentionEvery <= 0 {
		return
	}
	now := s.now()
	if now.Before(s.nextRetentionCheck) {
		return
	}
	s.nextRetentionCheck = now.Add(time.Minute)
	ok, err := s.store.AcquireLease(ctx, leaseSchedule, newHolder(), now, now.Add(s.retentionEvery))
	if err != nil {
		s.warnBackground("taking the retention schedule lease failed", err)
		return
	}
	if !ok {
		return
	}
	// In the background: Run goes on flushing and syncing meanwhile.
	go func() {
		rep, err := s.runRetention(ctx, nil, nil, "", true)
		if err != nil {
			s.log.Warn("scheduled retention run", "err", err)
			return
		}
		if len(rep.Applied)+len(rep.Skipped) > 0 {
			s.log.Info("scheduled retention run", "summary", planSummary(rep))
		}
	}()
}

// newHolder names one lease holder: a random token.
func newHolder() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
