package registry_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/retention"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// retentionSetup pushes Contoso.Lib as alice: a stable 1.0.0 and 1.1.0,
// four 1.1.0 betas and two 2.0.0 alphas, each a day apart.
func retentionSetup(t *testing.T, s *registry.Service, now *time.Time) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.AddUser(ctx, registry.NewUser{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.CreateKey(ctx, registry.NewKey{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := s.Authenticate(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"1.0.0", "1.1.0-beta.1", "1.1.0-beta.2", "1.1.0-beta.3", "1.1.0-beta.4", "1.1.0", "2.0.0-alpha.1", "2.0.0-alpha.2"} {
		if now != nil {
			*now = now.Add(24 * time.Hour)
		}
		if _, err := s.Push(ctx, key, upload(nugettest.Spec{ID: "Contoso.Lib", Version: v}.Build())); err != nil {
			t.Fatal(err)
		}
	}
}

func steps(list []retention.Step) string {
	var out []string
	for _, s := range list {
		out = append(out, string(s.Action)+" "+s.Version)
	}
	return strings.Join(out, ", ")
}

func versionsOf(t *testing.T, s *registry.Service, id string) string {
	t.Helper()
	p, err := s.Package(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range p.Versions {
		tag := v.Version.String()
		if !v.Listed {
			tag += "(unlisted)"
		}
		out = append(out, tag)
	}
	return strings.Join(out, " ")
}

// TestRetentionPlanAndRunAgree: the run applies exactly the plan shown
// just before, through the final delete (tombstone with the rule as the
// reason, files gone) and the unlist; the latest stable version, a pinned
// version and a recently downloaded one survive; a run given the digest
// of another plan changes nothing.
func TestRetentionPlanAndRunAgree(t *testing.T) {
	ctx := context.Background()
	d, blobs := openStores(t)
	clock := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	now := &clock
	s, err := registry.New(d, blobs, registry.Options{Now: func() time.Time { return *now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	retentionSetup(t, s, now)
	if _, err := s.PinVersion(ctx, "contoso.lib", "1.1.0-BETA.1", true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRetentionRule(ctx, "default", retention.Rule{Kind: retention.KindPrereleases, Keep: 1, Action: retention.ActionDelete}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRetentionRule(ctx, "default", retention.Rule{Glob: "Contoso.*", Kind: retention.KindIdle, OlderThanDays: 30, IdleDays: 20, Action: retention.ActionUnlist}); err != nil {
		t.Fatal(err)
	}
	// 1.0.0 is downloaded on day 25 after the pushes; on day 40 it was
	// downloaded 15 days ago, the rest never.
	*now = now.Add(25 * 24 * time.Hour)
	_, v100, err := s.Version(ctx, "Contoso.Lib", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	s.CountDownload(v100)
	s.Flush(ctx)
	*now = now.Add(15 * 24 * time.Hour)

	plan, err := s.RetentionPlan(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := "delete 1.1.0-beta.2, delete 1.1.0-beta.3, unlist 1.1.0-beta.4, delete 2.0.0-alpha.1, unlist 2.0.0-alpha.2"
	if got := steps(plan.Steps); got != want {
		t.Fatalf("plan:\n got %s\nwant %s", got, want)
	}
	if got := steps(plan.Kept); got != "delete 1.1.0-beta.1, unlist 1.1.0" ||
		!strings.HasSuffix(plan.Kept[0].Why, "kept: pinned by operator") || !strings.HasSuffix(plan.Kept[1].Why, "kept: the latest stable version") {
		t.Errorf("kept: %s (%v)", got, plan.Kept)
	}
	for _, st := range plan.Steps {
		if !strings.HasPrefix(st.Why, "rule ") {
			t.Errorf("step %s gives no rule: %q", st, st.Why)
		}
	}
	if _, err := s.RunRetention(ctx, "", "0000000000000000"); !errors.Is(err, registry.ErrConflict) {
		t.Fatalf("run with the digest of another plan: %v, want ErrConflict", err)
	}
	if got := versionsOf(t, s, "Contoso.Lib"); strings.Contains(got, "unlisted") || strings.Count(got, " ") != 7 {
		t.Fatalf("a refused run changed versions: %s", got)
	}
	rep, err := s.RunRetention(ctx, "", plan.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if got := steps(rep.Applied); got != want || len(rep.Skipped) != 0 {
		t.Errorf("run applied %s (skipped %v), want the plan: %s", got, rep.Skipped, want)
	}
	if got, want := versionsOf(t, s, "Contoso.Lib"), "1.0.0 1.1.0-beta.1 1.1.0-beta.4(unlisted) 1.1.0 2.0.0-alpha.2(unlisted)"; got != want {
		t.Errorf("versions after the run: %s, want %s", got, want)
	}
	ts, err := d.Tombstones(ctx, "contoso.lib")
	if err != nil || len(ts) != 3 {
		t.Fatalf("tombstones: %d (%v), want 3", len(ts), err)
	}
	for _, ts := range ts {
		if !strings.HasPrefix(ts.Reason, "retention rule 1: prerelease number") {
			t.Errorf("tombstone of %s: reason %q", ts.Version, ts.Reason)
		}
	}
	for _, k := range storedKeys(t, blobs) {
		if strings.Contains(k, "1.1.0-beta.2") || strings.Contains(k, "2.0.0-alpha.1") {
			t.Errorf("file of a deleted version left in the store: %s", k)
		}
	}
	if again, err := s.RetentionPlan(ctx, "default"); err != nil || len(again.Steps) != 0 {
		t.Errorf("plan after the run: %v (%v), want nothing", again.Steps, err)
	}
}

// TestRetentionNeverEmptiesOrTouchesLatestStable: rules that select every
// version leave the latest stable version, and a package without stable
// versions keeps its newest.
func TestRetentionNeverEmptiesOrTouchesLatestStable(t *testing.T) {
	ctx := context.Background()
	s, now := newService(t)
	retentionSetup(t, s, now)
	*now = now.Add(400 * 24 * time.Hour)
	if _, err := s.AddRetentionRule(ctx, "default", retention.Rule{Kind: retention.KindIdle, OlderThanDays: 1, IdleDays: 1, Action: retention.ActionDelete}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddRetentionRule(ctx, "default", retention.Rule{Kind: retention.KindPrereleases, Keep: 0, Action: retention.ActionDelete}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunRetention(ctx, "default", ""); err != nil {
		t.Fatal(err)
	}
	if got := versionsOf(t, s, "Contoso.Lib"); got != "1.1.0" {
		t.Errorf("versions left: %s, want the latest stable 1.1.0 alone", got)
	}
}

// TestRetentionRunsOneAtATime: while another replica holds the run lease
// a run is refused and changes nothing; then two services on one database
// (two replicas) run retention at once: the lease lets one apply the plan
// and the other is refused or finds nothing left, so each version is
// deleted once.
func TestRetentionRunsOneAtATime(t *testing.T) {
	ctx := context.Background()
	d, blobs := openStores(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var svc [2]*registry.Service
	for i := range svc {
		s, err := registry.New(d, blobs, registry.Options{Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		svc[i] = s
	}
	retentionSetup(t, svc[0], nil)
	if _, err := svc[0].AddRetentionRule(ctx, "default", retention.Rule{Kind: retention.KindPrereleases, Keep: 0, Action: retention.ActionDelete}); err != nil {
		t.Fatal(err)
	}
	// A run under way elsewhere (its lease held): refused, nothing changes.
	if ok, err := d.AcquireLease(ctx, "retention-run", "another replica", time.Now(), time.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("taking the lease: %v %v", ok, err)
	}
	if _, err := svc[1].RunRetention(ctx, "", ""); !errors.Is(err, registry.ErrConflict) || !strings.Contains(registry.Message(err), "already under way") {
		t.Errorf("run while another holds the lease: %v, want ErrConflict", err)
	}
	if got := versionsOf(t, svc[1], "Contoso.Lib"); strings.Count(got, " ") != 7 {
		t.Fatalf("a refused run changed versions: %s", got)
	}
	if err := d.ReleaseLease(ctx, "retention-run", "another replica"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var reps [2]*registry.RetentionReport
	var errs [2]error
	for i := range svc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reps[i], errs[i] = svc[i].RunRetention(ctx, "", "")
		}()
	}
	wg.Wait()
	applied := 0
	for i := range svc {
		switch {
		case errs[i] == nil:
			applied += len(reps[i].Applied)
			for _, sk := range reps[i].Skipped {
				t.Errorf("replica %d skipped %s: %s", i, sk.Step, sk.Reason)
			}
		case !errors.Is(errs[i], registry.ErrConflict):
			t.Errorf("replica %d: %v", i, errs[i])
		}
	}
	if applied != 6 {
		t.Errorf("the two runs applied %d steps, want the 6 prereleases once", applied)
	}
	if got := versionsOf(t, svc[1], "Contoso.Lib"); got != "1.0.0 1.1.0" {
		t.Errorf("versions left: %s", got)
	}
}

// TestRetentionRuleInput: bad rules are refused with a sentence and store
// nothing; rules are removed by ID.
func TestRetentionRuleInput(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	_, err := s.AddRetentionRule(ctx, "default", retention.Rule{Kind: retention.KindIdle, OlderThanDays: 0, IdleDays: 3, Action: retention.ActionDelete})
	if !errors.Is(err, registry.ErrInvalid) || registry.Message(err) == "" {
		t.Errorf("an idle rule without an age: %v", err)
	}
	if _, err := s.AddRetentionRule(ctx, "nope", retention.Rule{Kind: retention.KindPrereleases, Keep: 1, Action: retention.ActionDelete}); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("a rule for a feed that does not exist: %v", err)
	}
	r, err := s.AddRetentionRule(ctx, "default", retention.Rule{Kind: retention.KindPrereleases, Keep: 1, Action: retention.ActionDelete})
	if err != nil {
		t.Fatal(err)
	}
	if list, err := s.RetentionRules(ctx, ""); err != nil || len(list) != 1 || list[0].Feed != "default" || list[0].Glob != "*" {
		t.Errorf("rules: %+v (%v)", list, err)
	}
	if err := s.RemoveRetentionRule(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveRetentionRule(ctx, r.ID); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("removing it again: %v", err)
	}
}

// TestRetentionSchedule: two replicas run their background work; the
// schedule applies the rules once per period, on the replica that takes
// the schedule lease: minutes later both try again and find it taken; a
// period later one of them runs again.
func TestRetentionSchedule(t *testing.T) {
	ctx := context.Background()
	d, blobs := openStores(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	clock := trusttest.NewClock(trusttest.Epoch())
	var svc [2]*registry.Service
	for i := range svc {
		s, err := registry.New(d, blobs, registry.Options{Logger: quiet, Now: clock.Now, RetentionEvery: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		svc[i] = s
	}
	retentionSetup(t, svc[0], nil)
	if _, err := svc[0].AddRetentionRule(ctx, "default", retention.Rule{Kind: retention.KindPrereleases, Keep: 0, Action: retention.ActionDelete}); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	for _, s := range svc {
		go s.Run(runCtx, 20*time.Millisecond)
	}
	eventually(t, "the scheduled run", func() bool {
		p, err := svc[1].Package(ctx, "Contoso.Lib")
		return err == nil && len(p.Versions) == 2
	})
	secret, _, err := svc[0].CreateKey(ctx, registry.NewKey{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := svc[0].Authenticate(ctx, secret)
	if _, err := svc[0].Push(ctx, key, upload(nugettest.Spec{ID: "Contoso.Lib", Version: "3.0.0-beta.1"}.Build())); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute) // both replicas try the schedule again
	time.Sleep(300 * time.Millisecond)
	if got := versionsOf(t, svc[1], "Contoso.Lib"); got != "1.0.0 1.1.0 3.0.0-beta.1" {
		t.Errorf("versions minutes after the period's run: %s, want the new prerelease kept until the next period", got)
	}
	clock.Advance(time.Hour)
	eventually(t, "the next period's run", func() bool {
		p, err := svc[0].Package(ctx, "Contoso.Lib")
		return err == nil && len(p.Versions) == 2
	})
	time.Sleep(100 * time.Millisecond)
	events, err := svc[0].AuditLog(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, e := range events {
		if e.Kind == "retention.run" {
			runs++
		}
	}
	if runs != 2 {
		t.Errorf("%d scheduled runs, want 2: one per period", runs)
	}
}
