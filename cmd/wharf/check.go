package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/web"
)

func (a *app) checkCmd() *cobra.Command {
	var hashes, static, repair bool
	cmd := &cobra.Command{
		Use:   "check [--hashes] [--static [--repair]]",
		Short: "Check that every version's files are in the package store as pushed",
		Long: "Check compares the database with the package store. Every version, listed or\n" +
			"not, must have its .nupkg (with the recorded size; with --hashes, the recorded\n" +
			"SHA-512, which reads every package) and its other files. It prints each file\n" +
			"that is missing or differs, and exits 1 if there is one.\n" +
			"Files no version uses are listed as orphans without failing: pushes that never\n" +
			"completed (a crash, a lost database) or are in progress leave them. They block\n" +
			"nothing; 'wharf serve' removes those older than an hour when it starts.\n" +
			"With --static it checks the static copy of the restore path instead (see\n" +
			"docs/deployment.md): every file must hold what Wharf serves a caller without\n" +
			"credentials, and no file may be there that such a caller cannot read. With\n" +
			"--repair it then rebuilds the copy.",
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			if static {
				return a.checkStatic(cmd, repair)
			}
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
	cmd.Flags().BoolVar(&static, "static", false, "check the static copy of the restore path instead")
	cmd.Flags().BoolVar(&repair, "repair", false, "with --static: rebuild the static copy after checking it")
	return cmd
}

// checkStatic is 'wharf check --static': it prints every file of the
// static copy that is missing, differs or should not be there.
func (a *app) checkStatic(cmd *cobra.Command, repair bool) error {
	if !a.cfg.StaticCopy {
		return fmt.Errorf("static_copy is false: there is no static copy to check")
	}
	sc := web.NewStaticCopy(web.StaticConfig{Registry: a.reg, BaseURL: a.cfg.BaseURL, CDNBaseURL: a.cfg.CDNBaseURL, Private: a.cfg.Private, Logger: a.log})
	r, err := sc.CheckStatic(cmd.Context())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, k := range r.Missing {
		fmt.Fprintln(out, "MISSING", k)
	}
	for _, k := range r.Different {
		fmt.Fprintln(out, "DIFFERS", k)
	}
	for _, k := range r.Extra {
		fmt.Fprintln(out, "EXTRA  ", k)
	}
	fmt.Fprintf(out, "Checked %d files of the static copy (published up to feed revision %d of %d): %d missing, %d differing, %d that should not be there.\n",
		r.Files, r.Revision, r.Current, len(r.Missing), len(r.Different), len(r.Extra))
	if repair {
		if err := sc.Rebuild(cmd.Context()); err != nil {
			return err
		}
		fmt.Fprintln(out, "Rebuilt the static copy.")
		return nil
	}
	if !r.OK() {
		return fmt.Errorf("the static copy differs from the database in %d files; 'wharf check --static --repair' rebuilds it", len(r.Missing)+len(r.Different)+len(r.Extra))
	}
	return nil
}
