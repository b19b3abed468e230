package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
)

// actorName is who acted, as the log shows it: a name, "#ID" for a
// removed user, or "" when nobody is known.
func actorName(e registry.AuditEvent) string {
	if e.ActorName != "" {
		return e.ActorName
	}
	if e.ActorID != 0 {
		return fmt.Sprintf("#%d", e.ActorID)
	}
	return ""
}

func (a *app) auditCmd() *cobra.Command {
	var q registry.AuditQuery
	var asJSON bool
	var user string
	cmd := &cobra.Command{
		Use:   "audit [--user NAME] [--limit N] [--json] [--event E] [--outcome O] [--actor USER] [--package ID] [--policy N] [--from T] [--to T] [--before ID]",
		Short: "Show the audit log: token exchanges, replays, policy changes, user changes",
		Long: "Show the audit log, newest first. Filters combine: --event takes a kind (user.disable)\n" +
			"or a family (user); --from and --to take a day (2026-12-05, --to includes it) or a time\n" +
			"(RFC 3339). --before ID shows the page older than event ID (the last ID --json printed).\n" +
			"A refused token exchange names the trust policy that came closest and the claims that differed.\n" +
			"--user NAME shows what NAME may read: an administrator every event, anyone else the events\n" +
			"of the trust policies of the accounts they manage (without the caller's address).",
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			search := a.reg.AuditSearch
			if user != "" {
				search = func(ctx context.Context, q registry.AuditQuery) ([]registry.AuditEvent, int64, error) {
					return a.reg.AuditSearchForUser(ctx, user, q)
				}
			}
			events, _, err := search(cmd.Context(), q)
			if err != nil {
				return err
			}
			if asJSON {
				// Claims and messages may hold anything a token carried:
				// safeJSON escapes what encoding/json leaves raw.
				for _, e := range events {
					doc, err := json.Marshal(e)
					if err != nil {
						return err
					}
					if err := safeJSON(cmd.OutOrStdout(), append(doc, '\n')); err != nil {
						return err
					}
				}
				return nil
			}
			// Every text is escaped (cell): a newline from a claim or a
			// message would otherwise forge a row.
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tTIME\tEVENT\tOUTCOME\tACTOR\tSUBJECT\tPOLICY\tFROM\tMESSAGE")
			for _, e := range events {
				policy := "-"
				if e.PolicyID != 0 {
					policy = fmt.Sprint(e.PolicyID)
				}
				msg := e.Message
				if e.Closest != nil {
					msg += " [" + e.Closest.Summary() + "]"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.UTC().Format("2006-01-02 15:04:05"), cell(e.Kind), cell(e.Outcome), dash(actorName(e)), dash(e.Subject), policy, dash(e.RemoteAddr), cell(msg))
			}
			return w.Flush()
		}),
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "read the log as this user: their trust policies' events unless they are an administrator")
	f.IntVar(&q.Limit, "limit", 100, fmt.Sprintf("number of events (at most %d)", registry.MaxAuditPage))
	f.StringVar(&q.Event, "event", "", "event kind or family, e.g. token.exchange or user")
	f.StringVar(&q.Outcome, "outcome", "", "accepted, rejected or done")
	f.StringVar(&q.Actor, "actor", "", "the user who acted (#ID for a removed user)")
	f.StringVar(&q.Package, "package", "", "a package ID")
	f.StringVar(&q.Policy, "policy", "", "a trust policy number")
	f.StringVar(&q.From, "from", "", "from this day or time")
	f.StringVar(&q.To, "to", "", "up to this day (included) or time")
	f.Int64Var(&q.Before, "before", 0, "only events older than this event ID (the next page)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line, with the token claims")
	return cmd
}
