package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (a *app) auditCmd() *cobra.Command {
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "audit [--limit N] [--json]",
		Short: "Show the audit log: token exchanges, replays, policy changes",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			events, err := a.reg.AuditLog(cmd.Context(), limit)
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
			fmt.Fprintln(w, "TIME\tEVENT\tOUTCOME\tSUBJECT\tPOLICY\tFROM\tMESSAGE")
			for _, e := range events {
				policy := "-"
				if e.PolicyID != 0 {
					policy = fmt.Sprint(e.PolicyID)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.At.UTC().Format("2006-01-02 15:04:05"), cell(e.Kind), cell(e.Outcome), dash(e.Subject), policy, dash(e.RemoteAddr), cell(e.Message))
			}
			return w.Flush()
		}),
	}
	cmd.Flags().IntVar(&limit, "limit", 100, "number of newest events")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line, with the token claims")
	return cmd
}
