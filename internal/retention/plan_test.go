package retention

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/fault"
	"github.com/wharf-registry/wharf/internal/nuget"
)

func versions(t *testing.T, now time.Time, specs ...string) []Version {
	t.Helper()
	var out []Version
	for _, s := range specs {
		v, err := nuget.ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Version{Version: v, Listed: true, Published: now.AddDate(0, 0, -400)})
	}
	return out
}

func stepVersions(steps []Step) string {
	var s []string
	for _, st := range steps {
		s = append(s, string(st.Action)+" "+st.Version)
	}
	return strings.Join(s, ", ")
}

func TestPlanPrereleasesPerReleaseLine(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	vs := versions(t, now, "1.0.0-alpha", "1.0.0-beta", "1.0.0-rc.1", "1.0.0", "1.1.0-beta.1", "1.1.0-beta.2", "1.1.0-beta.10", "2.0.0.1-x", "2.0.0-x")
	r := Rule{ID: 3, Glob: "Contoso.*", Kind: KindPrereleases, Keep: 2, Action: ActionDelete}
	steps, _ := PlanPackage("default", "Contoso.Lib", []Rule{r}, vs, now)
	got := stepVersions(steps)
	if want := "delete 1.0.0-alpha, delete 1.1.0-beta.1"; got != want {
		t.Errorf("steps = %q, want %q", got, want)
	}
	if got, _ := PlanPackage("default", "Other.Lib", []Rule{r}, vs, now); len(got) != 0 {
		t.Errorf("a package the glob does not match got steps: %v", got)
	}
	vs[0].Protected = "pinned"
	steps, kept := PlanPackage("default", "contoso.lib", []Rule{r}, vs, now)
	if got := stepVersions(steps); got != "delete 1.1.0-beta.1" {
		t.Errorf("with 1.0.0-alpha pinned: %q", got)
	}
	if len(kept) != 1 || kept[0].Version != "1.0.0-alpha" || !strings.HasSuffix(kept[0].Why, "; kept: pinned") {
		t.Errorf("kept = %v, want 1.0.0-alpha, pinned", kept)
	}
}

func TestPlanIdleAndPrecedence(t *testing.T) {
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)
	vs := versions(t, now, "1.0.0", "1.1.0", "1.2.0", "1.3.0")
	recent, old := now.AddDate(0, 0, -3), now.AddDate(0, 0, -100)
	vs[1].LastDownload = &recent
	vs[2].LastDownload = &old
	vs[3].Published = now.AddDate(0, 0, -5)
	vs[0].Listed = false
	unlist := Rule{ID: 1, Glob: "*", Kind: KindIdle, OlderThanDays: 30, IdleDays: 60, Action: ActionUnlist}
	if got, _ := PlanPackage("f", "P", []Rule{unlist}, vs, now); stepVersions(got) != "unlist 1.2.0" {
		t.Errorf("unlist steps = %q (1.0.0 is already unlisted, 1.1.0 was downloaded, 1.3.0 is new)", got)
	}
	del := unlist
	del.ID, del.Action = 2, ActionDelete
	steps, _ := PlanPackage("f", "P", []Rule{unlist, del}, vs, now)
	if got := stepVersions(steps); got != "delete 1.0.0, delete 1.2.0" {
		t.Errorf("steps = %q: delete beats unlist", got)
	}
	again, _ := PlanPackage("f", "P", []Rule{unlist, del}, vs, now)
	if Digest(steps) == Digest(steps[:1]) || Digest(steps) != Digest(again) {
		t.Error("the digest does not identify the steps")
	}
}

func TestRuleValidate(t *testing.T) {
	for name, r := range map[string]Rule{
		"no action":     {Kind: KindPrereleases, Keep: 1},
		"negative keep": {Kind: KindPrereleases, Keep: -1, Action: ActionDelete},
		"no idle days":  {Kind: KindIdle, OlderThanDays: 3, Action: ActionDelete},
		"bad glob":      {Glob: "a/b", Kind: KindIdle, OlderThanDays: 3, IdleDays: 3, Action: ActionDelete},
		"no kind":       {Action: ActionDelete},
	} {
		if err := r.Validate(); !errors.Is(err, fault.ErrInvalid) || fault.Message(err) == "" {
			t.Errorf("%s: Validate = %v, want ErrInvalid with a sentence", name, err)
		}
	}
	r := Rule{Kind: KindIdle, OlderThanDays: 3, IdleDays: 3, Action: ActionUnlist}
	if err := r.Validate(); err != nil || r.Glob != "*" {
		t.Errorf("Validate = %v, glob %q", err, r.Glob)
	}
}
