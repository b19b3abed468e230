package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

func (a *app) keyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "key", Short: "Manage API keys"}
	cmd.AddCommand(a.keyAddCmd(), a.keyListCmd(), a.keyRevokeCmd())
	return cmd
}

func (a *app) keyAddCmd() *cobra.Command {
	var user, expires, description string
	var globs, scopes []string
	cmd := &cobra.Command{
		Use:   "add --user NAME",
		Short: "Create an API key; prints only the key on stdout",
		Long: "Create an API key for a user. The key is printed once on stdout and stored\n" +
			"only as a hash. --package limits it to package IDs matching a glob such as\n" +
			"'Contoso.*' (repeatable); --expires takes a duration such as 90d, 12h or 30m.\n" +
			"--scope read lets it restore private feeds its user may read (as the password\n" +
			"of a NuGet source); --scope push pushes; --scope manage manages trust policies\n" +
			"through the policy API (wharf policy apply's HTTP twin). Without --scope a key only pushes.",
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			var exp *time.Time
			if expires != "" {
				d, err := parseLifetime(expires)
				if err != nil {
					return err
				}
				t := a.reg.Now().Add(d).UTC()
				exp = &t
			}
			sc, err := feeds.ParseScopes(scopes)
			if err != nil {
				return err
			}
			secret, k, err := a.reg.CreateKey(cmd.Context(), registry.NewKey{User: user, Globs: globs, ExpiresAt: exp, Description: description, Scopes: sc})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			fmt.Fprintf(cmd.ErrOrStderr(), "Created key %d for %s. It is shown only this once.\n", k.ID, user)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "user the key acts for (required)")
	f.StringArrayVar(&globs, "package", nil, "package-ID glob the key is limited to (repeatable)")
	f.StringVar(&expires, "expires", "", "lifetime, e.g. 90d, 12h (default: never)")
	f.StringVar(&description, "description", "", "what the key is for")
	f.StringArrayVar(&scopes, "scope", nil, "read (restore the feeds the user may read), push (push, unlist, relist), stage or manage (the trust policy API); repeatable; default push")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

func (a *app) keyListCmd() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "list --user NAME",
		Short: "List a user's API keys",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			keys, err := a.reg.ListKeys(cmd.Context(), user)
			if err != nil {
				return err
			}
			now := a.reg.Now()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tKEY\tSTATUS\tSCOPES\tPACKAGES\tEXPIRES\tLAST USED\tDESCRIPTION")
			for _, k := range keys {
				pk := strings.Join(k.Globs, ",")
				if pk == "" {
					pk = "*"
				}
				fmt.Fprintf(w, "%d\t%s…\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Hint, keyStatus(k, now), k.Scopes, cell(pk), when(k.ExpiresAt, "never"), when(k.LastUsedAt, "never"), cell(k.Description))
			}
			return w.Flush()
		}),
	}
	cmd.Flags().StringVar(&user, "user", "", "user whose keys to list (required)")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

func (a *app) keyRevokeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return fmt.Errorf("%w: 'wharf key list --user NAME' shows key IDs", err)
			}
			if err := a.reg.RevokeKey(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Revoked key %d.\n", id)
			return nil
		}),
	}
}

func keyStatus(k registry.APIKey, now time.Time) string {
	switch {
	case k.RevokedAt != nil:
		return "revoked"
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return "expired"
	}
	return "active"
}

func when(t *time.Time, none string) string {
	if t == nil {
		return none
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// parseLifetime reads a duration with day ("90d") and week ("2w") units.
func parseLifetime(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	mult := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if m, ok := mult[s[len(s)-1]]; ok && len(s) > 1 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err == nil && n > 0 {
			return time.Duration(n) * m, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--expires %q is not a lifetime such as 90d, 2w, 12h or 30m", s)
	}
	return d, nil
}
