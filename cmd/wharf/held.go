package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
)

// The provenance guard's held versions and the trusted-publishing-only
// switches, for the operator (docs/trusted-publishing.md, "Held
// versions"): wharf package held|release|reject|require-trusted and
// wharf owner require-trusted.

func (a *app) packageHeldCmds() []*cobra.Command {
	held := &cobra.Command{
		Use:   "held [ID]",
		Short: "List the versions the provenance guard holds, with what changed",
		Args:  cobra.MaximumNArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			hs, err := a.reg.HeldVersions(cmd.Context(), id)
			if err != nil {
				return err
			}
			if len(hs) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "No version is held.")
				return nil
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PACKAGE\tVERSION\tHELD AT\tPUSHED BY\tCOMPARED WITH\tWHAT CHANGED")
			for _, h := range hs {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", h.Name, h.Version, h.HeldAt.UTC().Format("2006-01-02 15:04"),
					orDash(h.PushedByName), h.EstablishedVersion, registry.ChangesText(h.Changes))
			}
			return w.Flush()
		}),
	}
	release := &cobra.Command{
		Use:   "release ID VERSION",
		Short: "Release a held version: it joins the feed as a push would",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			v, err := a.reg.ReleaseHeld(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Released %s %s: it is in the feed now.\n", args[0], v.Version)
			return nil
		}),
	}
	reject := &cobra.Command{
		Use:   "reject ID VERSION",
		Short: "Reject a held version: its files are deleted and the version number is free again",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if err := a.reg.RejectHeld(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Rejected %s %s: its files are deleted and the version number is free.\n", args[0], args[1])
			return nil
		}),
	}
	require := &cobra.Command{
		Use:   "require-trusted ID on|off",
		Short: "Accept new versions of a package only through trusted publishing (on), or also from long-lived keys (off)",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			on, err := onOffArg(args[1])
			if err != nil {
				return err
			}
			if err := a.reg.SetPackageRequireTrusted(cmd.Context(), args[0], on); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Trusted publishing only for %s: %s.\n", args[0], args[1])
			return nil
		}),
	}
	return []*cobra.Command{held, release, reject, require}
}

func (a *app) ownerRequireTrustedCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "require-trusted NAME on|off",
		Short: "Accept new versions of every package of a user or organisation only through trusted publishing (on), or not (off)",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			on, err := onOffArg(args[1])
			if err != nil {
				return err
			}
			if err := a.reg.SetOwnerRequireTrusted(cmd.Context(), args[0], on); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Trusted publishing only for every package of %s: %s.\n", args[0], args[1])
			return nil
		}),
	}
}

func onOffArg(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, fmt.Errorf("'%s' is neither on nor off: write on to require trusted publishing, off to accept long-lived keys again", s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
