package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
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
	return cmd
}
