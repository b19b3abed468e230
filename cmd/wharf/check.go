package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) checkCmd() *cobra.Command {
	var hashes bool
	cmd := &cobra.Command{
		Use:   "check [--hashes]",
		Short: "Check that every version's files are in the package store as pushed",
		Long: "Check compares the database with the package store. Every version, listed or\n" +
			"not, must have its .nupkg (with the recorded size; with --hashes, the recorded\n" +
			"SHA-512, which reads every package) and its other files. It prints each file\n" +
			"that is missing or differs, and exits 1 if there is one.\n" +
			"Files no version uses are listed as orphans without failing: pushes that never\n" +
			"completed (a crash, a lost database) or are in progress leave them. They block\n" +
			"nothing; 'wharf serve' removes those older than an hour when it starts.",
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			r, err := a.reg.Check(cmd.Context(), hashes)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, m := range r.Missing {
				fmt.Fprintln(out, "MISSING", m)
			}
			for _, c := range r.Corrupt {
				fmt.Fprintln(out, "DIFFERS", c)
			}
			for _, o := range r.Orphans {
				fmt.Fprintln(out, "ORPHAN ", o)
			}
			fmt.Fprintf(out, "Checked %d versions and %d files: %d missing, %d differing, %d orphaned.\n",
				r.Versions, r.Files, len(r.Missing), len(r.Corrupt), len(r.Orphans))
			if !r.OK() {
				return fmt.Errorf("%d files of published versions are missing or differ from what was pushed; restore them from a backup", len(r.Missing)+len(r.Corrupt))
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&hashes, "hashes", false, "also compare every .nupkg's SHA-512 with the recorded one")
	return cmd
}
