package retention

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// Version is what a plan needs to know of one version of a package.
type Version struct {
	Version      nuget.Version
	Listed       bool
	Published    time.Time
	LastDownload *time.Time // the day of its last download; nil: never downloaded
	// Protected says why no rule may touch the version ("the latest
	// stable version", "pinned by alice"); "" when rules may.
	Protected string
}

// Step is one version a plan removes, and why.
type Step struct {
	Feed    string
	Package string // the package ID as the package spells it
	Version string // the normalized version
	Action  Action
	RuleID  int64
	Why     string // the rule and the fact that selects the version
}

// String is the step as plans list it.
func (s Step) String() string {
	return fmt.Sprintf("%s %s %s: %s", s.Action, s.Package, s.Version, s.Why)
}

// ReleaseLine is the release line of a version: its numeric part
// (major.minor.patch, and the fourth part when it is not 0), without the
// prerelease label. 1.2.0-beta.1, 1.2.0-rc.2 and 1.2.0 share line 1.2.0.
func ReleaseLine(v nuget.Version) string {
	line := v
	line.Release, line.Metadata = nil, ""
	return line.String()
}

// PlanPackage lists the versions of one package that rules remove, in
// version order. versions are in any order; rules are the feed's, and
// those whose glob does not match the package are skipped. A version
// that several rules select is listed once: deleting beats unlisting, and
// the rule with the lowest ID gives the reason. An unlist of a version
// already unlisted is no step. Protected versions are never steps: kept
// lists those a rule selects, with the rule and the protection as Why.
func PlanPackage(feed, pkg string, rules []Rule, versions []Version, now time.Time) (steps, kept []Step) {
	vs := slices.Clone(versions)
	slices.SortFunc(vs, func(a, b Version) int { return a.Version.Compare(b.Version) })
	chosen, protected := map[int]Step{}, map[int]Step{}
	for _, r := range rules {
		if !r.Matches(pkg) {
			continue
		}
		for i, why := range selectVersions(r, vs, now) {
			v := vs[i]
			if v.Protected != "" {
				if _, ok := protected[i]; !ok {
					protected[i] = Step{Feed: feed, Package: pkg, Version: v.Version.String(), Action: r.Action, RuleID: r.ID,
						Why: fmt.Sprintf("rule %d: %s; kept: %s", r.ID, why, v.Protected)}
				}
				continue
			}
			if r.Action == ActionUnlist && !v.Listed {
				continue
			}
			prev, ok := chosen[i]
			if ok && (prev.Action == ActionDelete || r.Action == ActionUnlist) {
				continue
			}
			chosen[i] = Step{Feed: feed, Package: pkg, Version: v.Version.String(), Action: r.Action, RuleID: r.ID,
				Why: fmt.Sprintf("rule %d: %s", r.ID, why)}
		}
	}
	for i := range vs {
		if s, ok := chosen[i]; ok {
			steps = append(steps, s)
		}
		if s, ok := protected[i]; ok {
			kept = append(kept, s)
		}
	}
	return steps, kept
}

// selectVersions maps the index (in vs, ascending) of each version the
// rule selects to the fact that selects it.
func selectVersions(r Rule, vs []Version, now time.Time) map[int]string {
	out := map[int]string{}
	switch r.Kind {
	case KindPrereleases:
		seen := map[string]int{}
		for i := len(vs) - 1; i >= 0; i-- {
			if !vs[i].Version.IsPrerelease() {
				continue
			}
			line := ReleaseLine(vs[i].Version)
			seen[line]++
			if n := seen[line]; n > r.Keep {
				out[i] = fmt.Sprintf("prerelease number %d of release line %s, which keeps the newest %d", n, line, r.Keep)
			}
		}
	case KindIdle:
		published := now.AddDate(0, 0, -r.OlderThanDays)
		idle := now.AddDate(0, 0, -r.IdleDays)
		for i, v := range vs {
			if !v.Published.Before(published) {
				continue
			}
			switch {
			case v.LastDownload == nil:
				out[i] = fmt.Sprintf("published %s (over %d days ago), never downloaded", v.Published.UTC().Format(time.DateOnly), r.OlderThanDays)
			case v.LastDownload.Before(idle):
				out[i] = fmt.Sprintf("published %s (over %d days ago), last downloaded %s (over %d days ago)",
					v.Published.UTC().Format(time.DateOnly), r.OlderThanDays, v.LastDownload.UTC().Format(time.DateOnly), r.IdleDays)
			}
		}
	}
	return out
}

// Digest identifies a list of steps: a run given the digest of the plan a
// person reviewed refuses to apply a different one.
func Digest(steps []Step) string {
	h := sha256.New()
	for _, s := range steps {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%d\n", s.Feed, strings.ToLower(s.Package), strings.ToLower(s.Version), s.Action, s.RuleID)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
