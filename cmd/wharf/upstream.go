package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
)

// upstreamFlags are the settings of an upstream feed on the command line.
type upstreamFlags struct {
	url, username, password string
	passwordStdin           bool
	allow, deny             []string
	minAge, refresh         time.Duration
}

func (u *upstreamFlags) add(fs *pflag.FlagSet, withURL bool) {
	if withURL {
		fs.StringVar(&u.url, "upstream", "", "mirror this NuGet v3 source: its service index URL, e.g. https://api.nuget.org/v3/index.json")
	}
	fs.StringVar(&u.username, "username", "", "user name for the upstream source (HTTP Basic)")
	fs.StringVar(&u.password, "password", "", "password or token for the upstream source; prefer --password-stdin, which keeps it out of the shell history")
	fs.BoolVar(&u.passwordStdin, "password-stdin", false, "read the upstream password from the first line of standard input")
	fs.StringSliceVar(&u.allow, "allow", nil, "mirror only IDs matching these globs (repeatable, e.g. 'Microsoft.*')")
	fs.StringSliceVar(&u.deny, "deny", nil, "never mirror IDs matching these globs (repeatable)")
	fs.DurationVar(&u.minAge, "min-age", 0, "hold back versions published less than this long ago upstream, e.g. 72h")
	fs.DurationVar(&u.refresh, "refresh", 0, "how long a mirrored versions list is used before asking the source again (default 30m)")
}

// settings reads the flags into an Upstream, with the password from
// standard input when asked.
func (u *upstreamFlags) settings(cmd *cobra.Command) (feeds.Upstream, error) {
	if u.passwordStdin {
		if u.password != "" {
			return feeds.Upstream{}, errors.New("pass --password or --password-stdin, not both")
		}
		line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		if err != nil && line == "" {
			return feeds.Upstream{}, errors.New("--password-stdin: standard input holds no password")
		}
		u.password = strings.TrimRight(line, "\r\n")
	}
	return feeds.Upstream{IndexURL: u.url, Username: u.username, Password: u.password,
		Allow: u.allow, Deny: u.deny, MinAge: u.minAge, Refresh: u.refresh}, nil
}

func (a *app) upstreamCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "upstream", Short: "Manage upstream feeds, which mirror other NuGet sources"}
	cmd.AddCommand(a.upstreamSetCmd(), a.upstreamPullCmd())
	return cmd
}

func (a *app) upstreamSetCmd() *cobra.Command {
	var u upstreamFlags
	cmd := &cobra.Command{
		Use:   "set FEED --upstream URL [--username U --password-stdin] [--allow GLOB]... [--deny GLOB]... [--min-age D] [--refresh D]",
		Short: "Replace an upstream feed's source and rules",
		Long: "Replace the settings of a feed made with 'wharf feed add NAME --upstream URL'. Every\n" +
			"setting is replaced by what the flags say; the password is kept when neither\n" +
			"--password nor --password-stdin is given and the user name is unchanged.",
		Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			set, err := u.settings(cmd)
			if err != nil {
				return err
			}
			f, err := a.reg.Feeds().SetUpstream(cmd.Context(), args[0], set)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Feed %s mirrors %s%s.\n", f.Name, f.Upstream.IndexURL, upstreamRules(f.Upstream))
			return nil
		}),
	}
	u.add(cmd.Flags(), true)
	_ = cmd.MarkFlagRequired("upstream")
	return cmd
}

func (a *app) upstreamPullCmd() *cobra.Command {
	var deps bool
	cmd := &cobra.Command{
		Use:   "pull ID [VERSION] [--deps]",
		Short: "Fetch a package from the upstream feeds now, so it restores when they are gone",
		Long: "Fetch ID (VERSION, or its newest listed version) from the first upstream feed that\n" +
			"has it and store it, so that restores keep working when the source is down or the\n" +
			"registry is cut off. With --deps, also every dependency: the lowest version each\n" +
			"range allows, as restore picks it, recursively.",
		Args: cobra.RangeArgs(1, 2),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			version := ""
			if len(args) == 2 {
				version = args[1]
			}
			failed := 0
			err := a.reg.PullUpstream(cmd.Context(), args[0], version, deps, func(p registry.Pulled) {
				switch {
				case p.Err != nil:
					failed++
					fmt.Fprintf(cmd.ErrOrStderr(), "failed  %s %s: %s\n", cell(p.ID), cell(p.Version), cell(registry.Message(p.Err)))
				case p.Local:
					fmt.Fprintf(cmd.OutOrStdout(), "local   %s %s\n", cell(p.ID), p.Version)
				default:
					fmt.Fprintf(cmd.OutOrStdout(), "stored  %s %s\n", cell(p.ID), p.Version)
				}
			})
			if err != nil {
				return err
			}
			if failed > 0 {
				return fmt.Errorf("%d dependencies could not be pulled (listed above)", failed)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&deps, "deps", false, "also pull every dependency, recursively")
	return cmd
}

// upstreamRules describes an upstream's rules for messages and lists.
func upstreamRules(u *feeds.Upstream) string {
	var parts []string
	if len(u.Allow) > 0 {
		parts = append(parts, "allow "+strings.Join(u.Allow, " "))
	}
	if len(u.Deny) > 0 {
		parts = append(parts, "deny "+strings.Join(u.Deny, " "))
	}
	if u.MinAge > 0 {
		parts = append(parts, "min age "+u.MinAge.String())
	}
	parts = append(parts, "refresh "+u.RefreshEvery().String())
	if u.Username != "" {
		parts = append(parts, "as "+u.Username)
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
