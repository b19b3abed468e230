package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// userRemoveCmd is "wharf user remove".
func (a *app) userRemoveCmd() *cobra.Command {
	var transferTo string
	var allowSignUp bool
	cmd := &cobra.Command{
		Use:   "remove NAME [--transfer-to USER] [--allow-signup]",
		Short: "Remove a user for good: keys, sessions and sign-in go; what only they hold goes to --transfer-to",
		Long: "Remove a user in one step that either completes or changes nothing. Their keys, sessions,\n" +
			"sign-in links, memberships, package ownerships and feed grants go. What only they hold\n" +
			"(packages with no other owner, organisations with no other admin, feeds with no other\n" +
			"admin, reserved prefixes) goes to --transfer-to; without it the removal is refused and\n" +
			"names those. Trust policies they created or own move to --transfer-to, or are deleted\n" +
			"with the keys they minted. The external accounts they signed in with may not sign up\n" +
			"again unless --allow-signup is given or 'wharf user unblock NAME' runs later.\n" +
			"To stop someone reversibly, use 'wharf user disable'.",
		Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			r, err := a.reg.RemoveUser(cmd.Context(), 0, args[0], transferTo, !allowSignUp)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Removed %s: %s.\n", args[0], strings.TrimSuffix(r.Summary(), "."))
			return nil
		}),
	}
	cmd.Flags().StringVar(&transferTo, "transfer-to", "", "the user who takes over what only NAME holds, and their trust policies")
	cmd.Flags().BoolVar(&allowSignUp, "allow-signup", false, "let the external accounts NAME signed in with sign up again as a new user")
	return cmd
}

// userUnblockCmd is "wharf user unblock".
func (a *app) userUnblockCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unblock NAME",
		Short: "Let the external accounts of a removed user sign up again (as a new user)",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			n, err := a.reg.UnblockUser(cmd.Context(), 0, args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "The %d external accounts of the removed user %s may sign up again.\n", n, args[0])
			return nil
		}),
	}
}
