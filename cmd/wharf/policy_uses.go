package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
)

// printRepoUses writes, below the policy table, the repositories that
// used each organisation-wide (glob) policy first, by immutable ID: a
// repository re-created under the same name shows twice, with each ID.
func printRepoUses(w io.Writer, ps []registry.PolicyView) {
	for _, p := range ps {
		if !p.RepoGlob() {
			continue
		}
		if len(p.RepoUses) == 0 {
			fmt.Fprintf(w, "\nPolicy %d (%s/%s) has not been used by any repository yet.\n", p.ID, cell(p.RepoOwner), cell(p.Repository))
			continue
		}
		fmt.Fprintf(w, "\nPolicy %d (%s/%s) was first used by:\n", p.ID, cell(p.RepoOwner), cell(p.Repository))
		for _, u := range p.RepoUses {
			fmt.Fprintf(w, "  %s (repository ID %s) on %s, run %s\n", cell(u.Repository), cell(u.RepositoryID), u.FirstUsedAt.UTC().Format(time.RFC3339), dash(u.RunID))
		}
	}
}

func (a *app) policyShowCmd() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use: "show ID --user NAME", Short: "Show one policy, with the first use of each repository of a glob policy", Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			v, err := a.reg.ManagedPolicy(cmd.Context(), registry.PolicyManager{User: user}, id)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			access := "push"
			switch {
			case v.ReadOnly:
				access = "read-only"
			case v.StagingOnly:
				access = "staging only"
			}
			for _, row := range [][2]string{
				{"ID", fmt.Sprint(v.ID)}, {"Name", cell(v.Name)}, {"Owner", cell(v.OwnerName)}, {"Created by", cell(v.CreatorName)},
				{"Provider", cell(string(v.Provider))}, {"Issuer", cell(issuerShow(&v.Policy))}, {"Repository", cell(v.RepoOwner + "/" + v.Repository)},
				{"Bound IDs", dash(v.RepoOwnerID) + "/" + dash(v.RepositoryID)}, {"Workflow", dash(v.Workflow)},
				{"Reusable workflow", dash(v.ReusableWorkflow)}, {"Environment", dash(v.Environment)}, {"Ref", dash(v.Ref)},
				{"CI config", dash(v.CIConfigPath)}, {"Packages", dash(strings.Join(v.Globs, ","))}, {"Access", access},
				{"Status", cell(statusText(v.Status))},
			} {
				fmt.Fprintf(w, "%-18s %s\n", row[0]+":", row[1])
			}
			printRepoUses(w, []registry.PolicyView{*v})
			return nil
		}),
	}
	cmd.Flags().StringVar(&user, "user", "", "user (required)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}
