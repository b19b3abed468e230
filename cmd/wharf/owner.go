package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) ownerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "owner", Short: "Manage package owners"}
	change := func(use, short, done string, fn func(a *app, cmd *cobra.Command, id, account string) error) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := a.open(cmd.Context(), cmd); err != nil {
					return err
				}
				defer a.close()
				if err := fn(a, cmd, args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), done+"\n", args[1], args[0])
				return nil
			},
		}
	}
	cmd.AddCommand(
		change("add PACKAGE ACCOUNT", "Make a user or organisation an owner of a package", "%s now owns %s.",
			func(a *app, cmd *cobra.Command, id, account string) error {
				return a.reg.AddOwner(cmd.Context(), id, account)
			}),
		change("remove PACKAGE ACCOUNT", "Remove an owner from a package (never the last one)", "%s no longer owns %s.",
			func(a *app, cmd *cobra.Command, id, account string) error {
				return a.reg.RemoveOwner(cmd.Context(), id, account)
			}),
	)
	return cmd
}
