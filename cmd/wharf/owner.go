package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) ownerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "owner", Short: "Manage package owners"}
	change := func(use, short, done string, fn func(ctx context.Context, id, account string) error) *cobra.Command {
		return &cobra.Command{
			Use: use, Short: short, Args: cobra.ExactArgs(2),
			RunE: a.withService(func(cmd *cobra.Command, args []string) error {
				if err := fn(cmd.Context(), args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), done+"\n", args[1], args[0])
				return nil
			}),
		}
	}
	// The closures read a.reg when they run, after withService opened it.
	cmd.AddCommand(
		change("add PACKAGE ACCOUNT", "Make a user or organisation an owner of a package", "%s now owns %s.",
			func(ctx context.Context, id, account string) error { return a.reg.AddOwner(ctx, id, account) }),
		change("remove PACKAGE ACCOUNT", "Remove an owner from a package (never the last one)", "%s no longer owns %s.",
			func(ctx context.Context, id, account string) error { return a.reg.RemoveOwner(ctx, id, account) }),
		a.ownerRequireTrustedCmd(),
	)
	return cmd
}
