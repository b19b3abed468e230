package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
)

func (a *app) deprecateCmd() *cobra.Command {
	var legacy, critical, other, undo bool
	var message, altID, altVersion string
	cmd := &cobra.Command{
		Use:   "deprecate ID VERSION... [--legacy] [--critical-bugs] [--other] [--message TEXT] [--alternate ID [--alternate-version V]]",
		Short: "Deprecate versions of a local package, or undeprecate them with --undo",
		Long: "Clients warn everyone who uses a deprecated version and show its reasons,\n" +
			"message and alternate; the version stays restorable. Owners do the same from\n" +
			"the package's manage page or with the deprecation API (docs/advisories.md).",
		Args: cobra.MinimumNArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			d := registry.Deprecation{Legacy: legacy, CriticalBugs: critical, Other: other, Message: message, AlternateID: altID, AlternateVersion: altVersion}
			if undo == d.Deprecated() {
				return fmt.Errorf("give at least one reason (--legacy, --critical-bugs, --other) to deprecate, or --undo alone to undeprecate")
			}
			if err := a.reg.DeprecateByOperator(cmd.Context(), args[0], args[1:], d); err != nil {
				return err
			}
			if undo {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s %s is no longer deprecated.\n", args[0], strings.Join(args[1:], ", "))
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "Deprecated %s %s.\n", args[0], strings.Join(args[1:], ", "))
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&legacy, "legacy", false, "the versions are no longer maintained")
	f.BoolVar(&critical, "critical-bugs", false, "the versions have bugs that make them unsafe to use")
	f.BoolVar(&other, "other", false, "another reason (say which with --message)")
	f.StringVar(&message, "message", "", "what users should know (at most 1000 characters)")
	f.StringVar(&altID, "alternate", "", "the package to use instead")
	f.StringVar(&altVersion, "alternate-version", "", "the version of the alternate to use (default: any)")
	f.BoolVar(&undo, "undo", false, "undeprecate the versions")
	return cmd
}

func (a *app) advisoryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "advisory",
		Short: "Publish and import security advisories",
		Long: "Advisories reach NuGet's audit of every restore through the feed's\n" +
			"VulnerabilityInfo resource, and the registration and package pages of the\n" +
			"versions they affect. See docs/advisories.md.",
	}
	cmd.AddCommand(a.advisoryAddCmd(), a.advisoryRemoveCmd(), a.advisoryListCmd(), a.advisoryImportCmd())
	return cmd
}

func (a *app) advisoryAddCmd() *cobra.Command {
	var in registry.AdvisoryInput
	cmd := &cobra.Command{
		Use:   "add PACKAGE ADVISORY-ID --severity S --url URL --versions RANGE",
		Short: "Publish an advisory for a local package (again with the same ID: replace it)",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			in.AdvisoryID = args[1]
			if err := a.reg.PublishAdvisory(cmd.Context(), args[0], in); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Published %s for %s %s.\n", args[1], args[0], in.Versions)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&in.Severity, "severity", "", "low, moderate, high or critical")
	f.StringVar(&in.URL, "url", "", "where to read about the advisory (http or https)")
	f.StringVar(&in.Versions, "versions", "", "the vulnerable versions as a NuGet range, e.g. '(, 1.2.3)' or '[1.0.0, 1.2.3)'")
	f.StringVar(&in.Summary, "summary", "", "one line about it (optional)")
	return cmd
}

func (a *app) advisoryRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove PACKAGE ADVISORY-ID",
		Short: "Remove an advisory published for a local package",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if err := a.reg.RemoveAdvisory(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Removed %s from %s.\n", args[1], args[0])
			return nil
		}),
	}
}

func (a *app) advisoryListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list [PACKAGE]",
		Short: "List the advisories of a package ID, or every advisory",
		Args:  cobra.MaximumNArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			list, err := a.reg.ListAdvisories(cmd.Context(), id)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ADVISORY\tSOURCE\tSEVERITY\tPACKAGE\tVERSIONS\tMODIFIED\tURL")
			for _, adv := range list {
				for _, f := range adv.Affected {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", registry.EscapeText(adv.AdvisoryID), adv.Source, adv.Severity, f.PackageID, f.Versions,
						adv.Modified.UTC().Format("2006-01-02"), registry.EscapeText(adv.URL))
				}
			}
			return w.Flush()
		}),
	}
}

func (a *app) advisoryImportCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Import an OSV or GitHub Advisory Database export (JSON or zip), incrementally",
		Long: "FILE is one OSV document, a JSON array of them, or a zip of .json files (OSV's\n" +
			"NuGet all.zip, or the GitHub Advisory Database's files zipped). Only NuGet\n" +
			"packages are kept. An advisory already imported is replaced only when the\n" +
			"file's 'modified' is newer; withdrawn ones are removed. Import again at will.",
		Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			res, err := a.reg.ImportAdvisories(cmd.Context(), f, st.Size())
			if err != nil {
				return err
			}
			for _, s := range res.Skipped {
				fmt.Fprintf(cmd.ErrOrStderr(), "Skipped %s\n", s)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Imported: %d added, %d updated, %d unchanged, %d withdrawn, %d skipped.\n",
				res.Added, res.Updated, res.Unchanged, res.Withdrawn, len(res.Skipped))
			return nil
		}),
	}
}
