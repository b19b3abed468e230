package main

import (
	"fmt"
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
	return cmd
}
