package main

import (
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
)

// stageCmd is 'wharf stage': the operator's view of staged releases. CI
// stages with 'dotnet nuget stage push'; people promote in the web UI;
// promote and drop here act for a named user (--as), who must manage the
// group, and the owner's two-person rule holds.
func (a *app) stageCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "stage", Short: "List, show, promote and drop staged releases"}
	cmd.AddCommand(a.stageListCmd(), a.stageShowCmd(), a.stageActCmd("promote"), a.stageActCmd("drop"))
	return cmd
}

func (a *app) stageListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List every owner's stage groups",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			gs, err := a.reg.AllStages(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tOWNER\tGROUP\tPACKAGES\tNAME")
			for _, g := range gs {
				fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\n", g.ID, cell(g.OwnerName), cell(g.Slug), g.Items, cell(g.Name))
			}
			return w.Flush()
		}),
	}
}

func (a *app) stageShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a stage group's packages and its restore source",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("'%s' is not a stage group ID: see wharf stage list", args[0])
			}
			d, err := a.reg.OperatorStageDetail(cmd.Context(), id)
			if errors.Is(err, registry.ErrNotFound) {
				return fmt.Errorf("there is no stage group %d: see wharf stage list", id)
			}
			if err != nil {
				return err
			}
			g := &d.Group
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "Stage group %d %s (%s) of %s\nSource: %s/stages/%d/v3/index.json\n", g.ID, cell(g.Slug), cell(g.Name), cell(g.OwnerName), a.cfg.BaseURL, g.ID)
			if d.TwoPeople {
				approved := "not yet approved"
				if g.ApprovedByName != "" {
					approved = "approved by " + g.ApprovedByName
				}
				fmt.Fprintf(out, "Two people must promote it: %s.\n", approved)
			}
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PACKAGE\tVERSION\tSTAGED BY\tSTAGED")
			for _, p := range d.Packages {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", cell(p.Name), p.Version, cell(p.StagedByName), p.StagedAt.UTC().Format("2006-01-02 15:04"))
			}
			return w.Flush()
		}),
	}
}

func (a *app) stageActCmd(action string) *cobra.Command {
	var as string
	short := map[string]string{"promote": "Promote a stage group into its feed, for a user who manages it", "drop": "Drop a stage group and its files, for a user who manages it"}[action]
	cmd := &cobra.Command{
		Use:   action + " ID --as USER",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("'%s' is not a stage group ID: see wharf stage list", args[0])
			}
			if as == "" {
				return fmt.Errorf("--as USER is required: the user who %ss (the owner, or an admin of the owning organisation)", action)
			}
			u, err := a.reg.OperatorAs(cmd.Context(), as)
			if err != nil {
				return err
			}
			if action == "drop" {
				g, err := a.reg.DropStage(cmd.Context(), u, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Dropped stage group %d %s with its files.\n", id, g.Slug)
				return nil
			}
			p, err := a.reg.PromoteStage(cmd.Context(), u, id)
			if err != nil {
				return err
			}
			for _, v := range p.Promoted {
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s\n", v.Name, v.Version)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Promoted stage group %d %s: %d version(s) are in the feed.\n", id, p.Group.Slug, len(p.Promoted))
			return nil
		}),
	}
	cmd.Flags().StringVar(&as, "as", "", "the user who does it (audited as them)")
	return cmd
}
