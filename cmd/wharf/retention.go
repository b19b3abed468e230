package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/retention"
)

func (a *app) retentionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Retention rules: remove old prereleases and idle versions (docs/lifecycle.md)",
		Long: "Each feed may have retention rules: keep the newest N prereleases per release\n" +
			"line (prereleases sharing major.minor.patch), or remove versions published\n" +
			"more than X days ago and not downloaded for Y days; each rule deletes (for\n" +
			"good, as 'wharf package delete') or unlists. The latest stable version of a\n" +
			"package, a version pinned by an owner ('wharf package pin') and a package's\n" +
			"last version are never touched. 'plan' lists exactly what 'run' would do now.",
	}
	rule := &cobra.Command{Use: "rule", Short: "Add, list and remove retention rules"}
	rule.AddCommand(a.retentionRuleAddCmd(), a.retentionRuleListCmd(), a.retentionRuleRemoveCmd())
	cmd.AddCommand(rule, a.retentionPlanCmd(), a.retentionRunCmd())
	return cmd
}

func (a *app) retentionRuleAddCmd() *cobra.Command {
	var feed, glob, action string
	var keep, olderThan, idle int
	cmd := &cobra.Command{
		Use:   "add --feed NAME [--glob 'Contoso.*'] (--keep-prereleases N | --older-than-days X --idle-days Y) --action delete|unlist",
		Short: "Add a retention rule to a feed",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			r := retention.Rule{Glob: glob, Action: retention.Action(action), Keep: keep, OlderThanDays: olderThan, IdleDays: idle}
			switch prerel, old := f.Changed("keep-prereleases"), f.Changed("older-than-days") || f.Changed("idle-days"); {
			case prerel && !old:
				r.Kind = retention.KindPrereleases
			case old && !prerel:
				r.Kind = retention.KindIdle
			default:
				return errors.New("give either --keep-prereleases N, or --older-than-days X with --idle-days Y")
			}
			added, err := a.reg.AddRetentionRule(cmd.Context(), feed, r)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Added %s. See what it would do with 'wharf retention plan --feed %s'.\n", added, added.Feed)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&feed, "feed", "default", "the feed the rule applies to")
	f.StringVar(&glob, "glob", "*", "the package IDs it applies to ('*' matches any run of characters)")
	f.IntVar(&keep, "keep-prereleases", 0, "keep the newest N prereleases of each release line")
	f.IntVar(&olderThan, "older-than-days", 0, "select versions published at least this many days ago...")
	f.IntVar(&idle, "idle-days", 0, "...and not downloaded for this many days")
	f.StringVar(&action, "action", "", "delete (for good) or unlist (required)")
	_ = cmd.MarkFlagRequired("action")
	return cmd
}

func (a *app) retentionRuleListCmd() *cobra.Command {
	var feed string
	cmd := &cobra.Command{
		Use:   "list [--feed NAME]",
		Short: "List the retention rules of a feed, or of every feed",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			rules, err := a.reg.RetentionRules(cmd.Context(), feed)
			if err != nil {
				return err
			}
			if len(rules) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "No retention rules.")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tFEED\tPACKAGES\tRULE\tADDED BY")
			for _, r := range rules {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", r.ID, r.Feed, r.Glob, r.Describe(), registry.EscapeText(r.CreatedBy))
			}
			return w.Flush()
		}),
	}
	cmd.Flags().StringVar(&feed, "feed", "", "only this feed's rules")
	return cmd
}

func (a *app) retentionRuleRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a retention rule",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("'%s' is not a rule ID: 'wharf retention rule list' shows them", args[0])
			}
			if err := a.reg.RemoveRetentionRule(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Removed retention rule %d.\n", id)
			return nil
		}),
	}
}

func (a *app) retentionPlanCmd() *cobra.Command {
	var feed string
	cmd := &cobra.Command{
		Use:   "plan [--feed NAME]",
		Short: "List exactly what a retention run would do now, and why (a dry run)",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			plan, err := a.reg.RetentionPlan(cmd.Context(), feed)
			if err != nil {
				return err
			}
			if err := printSteps(cmd.OutOrStdout(), plan.Steps); err != nil {
				return err
			}
			for _, k := range plan.Kept {
				fmt.Fprintf(cmd.ErrOrStderr(), "Kept %s %s: %s\n", k.Package, k.Version, registry.EscapeText(k.Why))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d version(s) by %d rule(s). Apply exactly this plan with 'wharf retention run --plan %s'.\n",
				len(plan.Steps), len(plan.Rules), plan.Digest)
			return nil
		}),
	}
	cmd.Flags().StringVar(&feed, "feed", "", "only this feed (default: every feed)")
	return cmd
}

func (a *app) retentionRunCmd() *cobra.Command {
	var feed, digest string
	cmd := &cobra.Command{
		Use:   "run [--feed NAME] [--plan DIGEST]",
		Short: "Apply the retention rules now (one run at a time across replicas)",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			rep, err := a.reg.RunRetention(cmd.Context(), feed, digest)
			if err != nil {
				return err
			}
			if err := printSteps(cmd.OutOrStdout(), rep.Applied); err != nil {
				return err
			}
			for _, s := range rep.Skipped {
				fmt.Fprintf(cmd.ErrOrStderr(), "Skipped %s %s: %s\n", s.Step.Package, s.Step.Version, registry.EscapeText(s.Reason))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Applied %d of %d planned step(s).\n", len(rep.Applied), len(rep.Plan.Steps))
			return nil
		}),
	}
	cmd.Flags().StringVar(&feed, "feed", "", "only this feed (default: every feed)")
	cmd.Flags().StringVar(&digest, "plan", "", "apply only if the plan is still the one 'wharf retention plan' showed with this digest")
	return cmd
}

func printSteps(out io.Writer, steps []retention.Step) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ACTION\tFEED\tPACKAGE\tVERSION\tWHY")
	for _, s := range steps {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", s.Action, s.Feed, s.Package, s.Version, s.Why)
	}
	return w.Flush()
}

func (a *app) packagePinCmd(pin bool) *cobra.Command {
	use, short, done := "pin ID VERSION", "Pin a version: no retention rule deletes or unlists it", "Pinned"
	if !pin {
		use, short, done = "unpin ID VERSION", "Unpin a version: retention rules apply to it again", "Unpinned"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			pv, err := a.reg.PinVersion(cmd.Context(), args[0], args[1], pin)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s %s %s.\n", done, args[0], pv.Version)
			return nil
		}),
	}
}
