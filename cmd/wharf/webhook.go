package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/registry"
)

func (a *app) webhookCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Manage webhooks of users, organisations and feeds",
		Long: "A webhook receives signed events (pushed, unlisted, deleted, ...) about the\n" +
			"packages and trust policies of an account, or the packages of a feed.\n" +
			"Users manage their own in the web UI; these commands are the operator's.\n" +
			"See docs/webhooks.md.",
	}
	cmd.AddCommand(a.webhookAddCmd(), a.webhookListCmd(), a.webhookRemoveCmd(), a.webhookDeliveriesCmd())
	return cmd
}

func webhookTargetFlags(cmd *cobra.Command, t *registry.WebhookTarget) {
	cmd.Flags().StringVar(&t.Owner, "owner", "", "the user or organisation whose packages and policies it reports")
	cmd.Flags().StringVar(&t.Feed, "feed", "", "the feed whose packages it reports")
}

func (a *app) webhookAddCmd() *cobra.Command {
	var t registry.WebhookTarget
	var hookURL string
	var kinds []string
	cmd := &cobra.Command{
		Use:   "add (--owner ACCOUNT | --feed FEED) --url URL --event EVENT...",
		Short: "Register a webhook and print its secret (shown this once)",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			if (t.Owner == "") == (t.Feed == "") {
				return errors.New("name whose webhook it is with --owner ACCOUNT or --feed FEED (one of them)")
			}
			w, err := a.reg.AddWebhookAs(cmd.Context(), nil, t, hookURL, kinds)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Added webhook %d to %s for %s. Its secret, shown this once:\n", w.ID, cell(w.URL), kindList(w.Events))
			fmt.Fprintln(cmd.OutOrStdout(), w.Secret)
			return nil
		}),
	}
	webhookTargetFlags(cmd, &t)
	cmd.Flags().StringVar(&hookURL, "url", "", "where to send the events (http or https)")
	names := make([]string, len(events.Kinds))
	for i, k := range events.Kinds {
		names[i] = string(k)
	}
	cmd.Flags().StringSliceVar(&kinds, "event", nil, "an event to send (repeat or comma-separate): "+strings.Join(names, ", ")+", or policy for the three policy events")
	return cmd
}

func (a *app) webhookListCmd() *cobra.Command {
	var t registry.WebhookTarget
	cmd := &cobra.Command{
		Use:   "list [--owner ACCOUNT | --feed FEED]",
		Short: "List webhooks (of one account or feed, or all); secrets are never shown",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			scope := events.Scope{}
			if t.Owner != "" || t.Feed != "" {
				var err error
				if scope, err = a.reg.WebhookScope(cmd.Context(), nil, t); err != nil {
					return err
				}
			}
			hooks, err := a.reg.Webhooks().List(cmd.Context(), scope)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tOWNER\tFEED\tURL\tEVENTS\tCREATED")
			for _, h := range hooks {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", h.ID, a.accountName(cmd, h.OwnerID), a.feedName(cmd, h.FeedID), cell(h.URL), kindList(h.Events),
					h.CreatedAt.UTC().Format("2006-01-02"))
			}
			return w.Flush()
		}),
	}
	webhookTargetFlags(cmd, &t)
	return cmd
}

func (a *app) accountName(cmd *cobra.Command, id int64) string {
	if id == 0 {
		return "-"
	}
	if acc, err := a.db.AccountByID(cmd.Context(), id); err == nil {
		return cell(acc.Name)
	}
	return "#" + strconv.FormatInt(id, 10)
}

func (a *app) feedName(cmd *cobra.Command, id int64) string {
	if id == 0 {
		return "-"
	}
	list, err := a.reg.Feeds().List(cmd.Context())
	if err == nil {
		for _, f := range list {
			if f.ID == id {
				return f.Name
			}
		}
	}
	return "#" + strconv.FormatInt(id, 10)
}

func (a *app) webhookRemoveCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a webhook and its deliveries",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not a webhook number: `wharf webhook list` shows them", args[0])
			}
			if err := a.reg.RemoveWebhook(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Removed webhook %d and its deliveries.\n", id)
			return nil
		}),
	}
}

func (a *app) webhookDeliveriesCmd() *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "deliveries ID",
		Short: "List a webhook's newest deliveries: status, answer, attempts, next retry",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return fmt.Errorf("%q is not a webhook number: `wharf webhook list` shows them", args[0])
			}
			hook, err := a.reg.Webhooks().Find(cmd.Context(), id)
			if err != nil {
				return err
			}
			_, ds, err := a.reg.Webhooks().Deliveries(cmd.Context(), events.ScopeOf(hook), id, limit)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "DELIVERY\tEVENT\tTYPE\tSTATUS\tCODE\tATTEMPTS\tDURATION\tNEXT RETRY\tERROR\tANSWER")
			for _, d := range ds {
				code, next, dur := "-", "-", "-"
				if d.Attempts > 0 {
					code = strconv.Itoa(d.Last.Code)
					dur = d.Last.Duration.Round(time.Millisecond).String()
				}
				if d.Status == events.StatusPending {
					next = d.NextAttempt.UTC().Format(time.RFC3339)
				}
				answer := d.Last.Response
				if len(answer) > 80 {
					answer = answer[:80] + "…"
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", d.ID, d.EventID, d.Type, d.Status, code, d.Attempts, dur, next,
					cell(d.Last.Error), cell(answer))
			}
			return w.Flush()
		}),
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "how many deliveries to list")
	return cmd
}

func kindList(ks []events.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ",")
}
