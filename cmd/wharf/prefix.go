package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) prefixCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prefix",
		Short: "Reserve package ID prefixes for an account",
		Long: "A reserved pattern is an ID ('Contoso.Sdk') or an ID followed by '.*'\n" +
			"('Contoso.*', every ID that starts with 'Contoso.'). Only keys that act for\n" +
			"its owner may create IDs it matches, in any feed, and upstreams never serve\n" +
			"them. Packages that exist already keep their owners. See docs/prefixes.md.",
	}
	cmd.AddCommand(a.prefixReserveCmd(), a.prefixReleaseCmd(), a.prefixListCmd())
	return cmd
}

func (a *app) prefixReserveCmd() *cobra.Command {
	var owner string
	cmd := &cobra.Command{
		Use:   "reserve PATTERN --owner ACCOUNT",
		Short: "Reserve an ID or an ID prefix ('Contoso.*') for a user or organisation",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if owner == "" {
				return fmt.Errorf("name the account that owns '%s' with --owner", args[0])
			}
			r, err := a.reg.ReservePrefix(cmd.Context(), args[0], owner)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Reserved %s for %s.\n", r.Prefix.Pattern, r.Prefix.OwnerName)
			if len(r.Others) > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "Warning: %d existing package(s) under %s belong to other owners and keep them: %s\n",
					len(r.Others), r.Prefix.Pattern, strings.Join(r.Others, ", "))
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&owner, "owner", "", "the user or organisation that owns the pattern")
	return cmd
}

func (a *app) prefixReleaseCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "release PATTERN",
		Short: "Release a reservation; packages under it stay as they are",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if err := a.reg.ReleasePrefix(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Released %s.\n", args[0])
			return nil
		}),
	}
}

func (a *app) prefixListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List reserved patterns and their owners",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			list, err := a.reg.ListPrefixes(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PATTERN\tOWNER\tRESERVED")
			for _, p := range list {
				fmt.Fprintf(w, "%s\t%s\t%s\n", p.Pattern, p.OwnerName, p.CreatedAt.UTC().Format("2006-01-02"))
			}
			return w.Flush()
		}),
	}
}
