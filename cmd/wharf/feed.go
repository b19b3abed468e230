package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

func (a *app) feedCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "feed", Short: "Manage feeds and who may read and publish to them"}
	cmd.AddCommand(a.feedAddCmd(), a.feedListCmd(), a.feedSetCmd(), a.feedGrantCmd(true), a.feedGrantCmd(false))
	return cmd
}

func (a *app) feedAddCmd() *cobra.Command {
	var private bool
	var description string
	var up upstreamFlags
	cmd := &cobra.Command{
		Use:   "add NAME [--private] [--description TEXT] [--upstream URL [--username U --password-stdin] [--allow GLOB]... [--deny GLOB]... [--min-age D] [--refresh D]]",
		Short: "Create a feed; it is public unless --private",
		Long: "Create a feed with its own source URL, BASE/feeds/NAME/v3/index.json.\n" +
			"A private feed is read only by its grantees (see 'wharf feed grant') and\n" +
			"registry administrators; anonymous clients are asked for credentials.\n\n" +
			"With --upstream the feed mirrors another NuGet v3 source (nuget.org, Azure\n" +
			"Artifacts, another Wharf): its packages are fetched on first request and kept.\n" +
			"It joins BASE/v3/index.json after every local feed; an ID any local feed has,\n" +
			"or one under a reserved prefix, is never served from it.",
		Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			var f *feeds.Feed
			var err error
			if up.url != "" {
				set, serr := up.settings(cmd)
				if serr != nil {
					return serr
				}
				f, err = a.reg.Feeds().AddUpstream(cmd.Context(), args[0], description, private, set)
			} else {
				f, err = a.reg.Feeds().Add(cmd.Context(), args[0], description, private)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created %s feed %s: %s/feeds/%s/v3/index.json\n", visibilityOf(f.Private), f.Name, a.cfg.BaseURL, f.Name)
			if f.Upstream != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "It mirrors %s%s.\n", f.Upstream.IndexURL, upstreamRules(f.Upstream))
			}
			return nil
		}),
	}
	up.add(cmd.Flags(), true)
	cmd.Flags().BoolVar(&private, "private", false, "only grantees may read the feed")
	cmd.Flags().StringVar(&description, "description", "", "what the feed holds")
	return cmd
}

func (a *app) feedListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List feeds with their visibility and grants",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			list, err := a.reg.Feeds().List(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "FEED\tVISIBILITY\tGRANTS\tDESCRIPTION")
			for _, f := range list {
				grants, err := a.reg.Feeds().Grants(cmd.Context(), f.Name)
				if err != nil {
					return err
				}
				g := ""
				for i, gr := range grants {
					if i > 0 {
						g += ", "
					}
					who := string(gr.Kind)
					if gr.SubjectName != "" {
						who += " " + gr.SubjectName
					}
					g += who + ": " + gr.Role.String()
				}
				if g == "" {
					g = "-"
				}
				desc := f.Description
				if f.Upstream != nil {
					desc = strings.TrimSpace("mirrors " + f.Upstream.IndexURL + upstreamRules(f.Upstream) + " " + desc)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", f.Name, visibilityOf(f.Private), g, registry.EscapeText(desc))
			}
			return w.Flush()
		}),
	}
}

func (a *app) feedSetCmd() *cobra.Command {
	var private, public, ownersMayDelete bool
	var description string
	cmd := &cobra.Command{
		Use:   "set NAME [--private|--public] [--description TEXT] [--owners-may-delete=true|false]",
		Short: "Change a feed's visibility, description, or whether package owners may delete versions for good",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if private && public {
				return errors.New("pass --private or --public, not both")
			}
			var vis *bool
			if private || public {
				vis = &private
			}
			var desc *string
			if cmd.Flags().Changed("description") {
				desc = &description
			}
			del := cmd.Flags().Changed("owners-may-delete")
			if vis == nil && desc == nil && !del {
				return errors.New("nothing to change: pass --private, --public, --description or --owners-may-delete")
			}
			if vis != nil || desc != nil {
				f, err := a.reg.Feeds().Set(cmd.Context(), args[0], vis, desc)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Feed %s is %s.\n", f.Name, visibilityOf(f.Private))
			}
			if del {
				f, err := a.reg.Feeds().SetOwnersMayDelete(cmd.Context(), args[0], ownersMayDelete)
				if err != nil {
					return err
				}
				if f.OwnersMayDelete {
					fmt.Fprintf(cmd.ErrOrStderr(), "In feed %s, package owners may delete versions for good.\n", f.Name)
				} else {
					fmt.Fprintf(cmd.ErrOrStderr(), "In feed %s, only administrators may delete versions for good.\n", f.Name)
				}
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&private, "private", false, "only grantees may read the feed")
	cmd.Flags().BoolVar(&public, "public", false, "anyone may read the feed")
	cmd.Flags().StringVar(&description, "description", "", "what the feed holds")
	cmd.Flags().BoolVar(&ownersMayDelete, "owners-may-delete", false, "let package owners delete versions for good (administrators always may)")
	return cmd
}

// feedGrantCmd builds 'feed grant' (grant=true) and 'feed revoke'.
func (a *app) feedGrantCmd(grant bool) *cobra.Command {
	var user, org, roleName string
	var signedIn bool
	use, short := "revoke NAME (--user U | --org O | --signed-in)", "Remove a grant from a feed"
	if grant {
		use, short = "grant NAME (--user U | --org O | --signed-in) --role reader|publisher|admin", "Give a user, an organisation's members or every signed-in user a role on a feed"
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		Long: short + ".\nreader: restore and browse; publisher: also create new package IDs in the feed;\n" +
			"admin: also manage the feed. Owners of a package ID always push its new versions.",
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			kind, name, n := feeds.SubjectSignedIn, "", 0
			if user != "" {
				kind, name, n = feeds.SubjectUser, user, n+1
			}
			if org != "" {
				kind, name, n = feeds.SubjectOrg, org, n+1
			}
			if signedIn {
				n++
			}
			if n != 1 {
				return errors.New("name exactly one subject: --user NAME, --org NAME or --signed-in")
			}
			role := feeds.RoleNone
			if grant {
				var err error
				if role, err = feeds.ParseRole(roleName); err != nil {
					return err
				}
			}
			if err := a.reg.GrantFeed(cmd.Context(), args[0], kind, name, role); err != nil {
				return err
			}
			who := string(kind)
			if name != "" {
				who += " " + name
			}
			if grant {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s is now %s of feed %s.\n", who, role, args[0])
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s no longer has a grant on feed %s.\n", who, args[0])
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "a user")
	f.StringVar(&org, "org", "", "an organisation: the grant applies to its members")
	f.BoolVar(&signedIn, "signed-in", false, "every signed-in user and every valid key")
	if grant {
		f.StringVar(&roleName, "role", "", "reader, publisher or admin (required)")
		_ = cmd.MarkFlagRequired("role")
	}
	return cmd
}

func (a *app) packageCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "package", Short: "Manage packages"}
	cmd.AddCommand(&cobra.Command{
		Use:   "move ID FEED",
		Short: "Move a package ID, with every version, to another feed",
		Args:  cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if err := a.reg.MovePackage(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Moved %s to feed %s.\n", args[0], args[1])
			return nil
		}),
	}, a.packageDeleteCmd(), a.packagePinCmd(true), a.packagePinCmd(false))
	cmd.AddCommand(a.packageHeldCmds()...)
	return cmd
}

func (a *app) packageDeleteCmd() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "delete ID VERSION --reason TEXT",
		Short: "Delete a version for good: its files go, and the ID and version can never be pushed again",
		Long: "Delete a version for good: its row and files (package, symbols, readme, icon,\n" +
			"license) are removed, and a tombstone keeps the ID and version from ever being\n" +
			"pushed again, so the same coordinates never name different bytes. A package\n" +
			"whose last version is deleted disappears; its ID stays its former owners'.\n" +
			"To hide a version but keep it restorable, unlist it instead.",
		Args: cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			t, err := a.reg.DeleteVersion(cmd.Context(), args[0], args[1], reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Deleted %s %s for good; it can never be pushed again.\n", t.Name, t.Version)
			return nil
		}),
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, kept with the tombstone and in the audit log (required)")
	_ = cmd.MarkFlagRequired("reason")
	return cmd
}

func visibilityOf(private bool) string {
	if private {
		return "private"
	}
	return "public"
}
