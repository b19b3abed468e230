package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/web"
)

func (a *app) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}
	var email string
	var admin bool
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Create a user",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			u, err := a.reg.AddUser(cmd.Context(), registry.NewUser{Name: args[0], Email: email, IsAdmin: admin})
			if err != nil {
				return err
			}
			role := "user"
			if u.IsAdmin {
				role = "administrator"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created %s %s (id %d).\n", role, u.Name, u.ID)
			return nil
		}),
	}
	add.Flags().StringVar(&email, "email", "", "e-mail address")
	add.Flags().BoolVar(&admin, "admin", false, "make the user an administrator")
	cmd.AddCommand(add)

	var ttl time.Duration
	link := &cobra.Command{
		Use:   "login-link NAME",
		Short: "Print a single-use sign-in URL for a user (for a fresh install or an air-gapped network)",
		Long: "Print a URL that signs the user in to the web UI once. It expires after --expires\n" +
			"(at most 1h) and works only once. Send it to the user over a channel you trust.",
		Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			secret, expires, err := a.reg.NewLoginLink(cmd.Context(), args[0], ttl)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), web.NewURLs(a.cfg.BaseURL).LoginLink(secret))
			fmt.Fprintf(cmd.ErrOrStderr(), "Single-use sign-in link for %s; it expires at %s.\n", args[0], expires.UTC().Format(time.RFC3339))
			return nil
		}),
	}
	link.Flags().DurationVar(&ttl, "expires", 15*time.Minute, "how long the link works (at most 1h)")
	cmd.AddCommand(link)
	cmd.AddCommand(a.userListCmd(), a.userDisableCmd(true), a.userDisableCmd(false), a.userSetAdminCmd(), a.userRemoveCmd(), a.userUnblockCmd())
	return cmd
}

// userListCmd is "wharf user list".
func (a *app) userListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List users: name, kind, administrator, disabled or suspended, created",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			users, err := a.reg.ListUsers(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tKIND\tADMIN\tDISABLED\tCREATED\tWHY")
			for _, u := range users {
				disabled := "-"
				if u.DisabledAt != nil {
					disabled = u.DisabledAt.UTC().Format(time.RFC3339)
				}
				admin := "no"
				if u.IsAdmin {
					admin = "yes"
				}
				why := "-"
				if u.SuspendedReason != "" {
					why = cell(u.SuspendedReason)
				} else if u.DisabledAt != nil {
					why = "disabled by an administrator"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Name, u.Kind, admin, disabled, u.CreatedAt.UTC().Format(time.RFC3339), why)
			}
			return w.Flush()
		}),
	}
}

// userDisableCmd is "wharf user disable" (disable) or "wharf user enable".
func (a *app) userDisableCmd(disable bool) *cobra.Command {
	use, short := "enable NAME", "Restore a disabled user; their keys that were not revoked work again"
	if disable {
		use, short = "disable NAME", "Suspend a user: end their sessions, refuse their keys, trust policies and sign-in (reversible)"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if disable {
				u, err := a.reg.DisableUser(cmd.Context(), 0, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "Disabled %s: their sessions ended and their keys are refused. 'wharf user enable %s' restores them.\n", u.Name, u.Name)
				return nil
			}
			u, err := a.reg.EnableUser(cmd.Context(), 0, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Enabled %s.\n", u.Name)
			return nil
		}),
	}
}

// userSetAdminCmd is "wharf user set-admin".
func (a *app) userSetAdminCmd() *cobra.Command {
	var admin bool
	cmd := &cobra.Command{
		Use:   "set-admin NAME --admin=true|false",
		Short: "Grant or take away a user's administrator rights",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("admin") {
				return fmt.Errorf("say --admin=true or --admin=false")
			}
			u, err := a.reg.SetAdmin(cmd.Context(), 0, args[0], admin)
			if err != nil {
				return err
			}
			if u.IsAdmin {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s is an administrator.\n", u.Name)
			} else {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s is not an administrator.\n", u.Name)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&admin, "admin", false, "true to make the user an administrator, false to take it away")
	return cmd
}
