package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
)

func (a *app) orgCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "org", Short: "Manage organisations and their members"}
	var admin string
	add := &cobra.Command{
		Use: "add NAME --admin USER", Short: "Create an organisation with its first admin", Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			org, err := a.reg.AddOrganization(cmd.Context(), args[0], admin)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created organisation %s with admin %s.\n", org.Name, admin)
			return nil
		}),
	}
	add.Flags().StringVar(&admin, "admin", "", "the first admin (required)")
	_ = add.MarkFlagRequired("admin")

	member := &cobra.Command{Use: "member", Short: "Manage an organisation's members"}
	var asAdmin, withoutConsent bool
	madd := &cobra.Command{
		Use:   "add ORG USER [--admin] [--without-consent]",
		Short: "Invite a user to join (or change a member's role)",
		Long: "Invites USER to join ORG; they become a member (or admin) on accepting, from their Organisations page,\n" +
			"so nobody is made to publish for, or be shown with, an organisation they did not agree to join.\n" +
			"A member gets the new role at once. --without-consent adds USER at once, for an operator who has their agreement.",
		Args: cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			role := registry.RoleMember
			if asAdmin {
				role = registry.RoleAdmin
			}
			roleName := map[registry.Role]string{registry.RoleAdmin: "an admin", registry.RoleMember: "a member"}[role]
			if withoutConsent {
				if err := a.reg.SetMember(cmd.Context(), args[0], args[1], role); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%s is now %s of %s.\n", args[1], roleName, args[0])
				return nil
			}
			invited, err := a.reg.InviteMember(cmd.Context(), args[0], args[1], role)
			if err != nil {
				return err
			}
			if invited {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s is invited to join %s as %s and becomes one on accepting, from their Organisations page (--without-consent adds at once).\n", args[1], args[0], roleName)
				return nil
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s is now %s of %s.\n", args[1], roleName, args[0])
			return nil
		}),
	}
	madd.Flags().BoolVar(&asAdmin, "admin", false, "make the user an admin")
	madd.Flags().BoolVar(&withoutConsent, "without-consent", false, "add the user at once instead of inviting them")
	mremove := &cobra.Command{
		Use: "remove ORG USER", Short: "Remove a member", Args: cobra.ExactArgs(2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			if err := a.reg.RemoveMember(cmd.Context(), args[0], args[1]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s is no longer a member of %s.\n", args[1], args[0])
			return nil
		}),
	}
	mlist := &cobra.Command{
		Use: "list ORG", Short: "List members", Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			ms, err := a.reg.Members(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "USER\tROLE")
			for _, m := range ms {
				fmt.Fprintf(w, "%s\t%s\n", cell(m.User.Name), cell(string(m.Role)))
			}
			return w.Flush()
		}),
	}
	member.AddCommand(madd, mremove, mlist)
	cmd.AddCommand(add, member)
	return cmd
}
