package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
)

// maxTokenFile bounds the token file 'policy test' reads (a JWT is a few KiB).
const maxTokenFile = 64 << 10

// policyTestCmd is 'wharf policy test': why a CI token matches each of a
// user's policies or not, claim by claim. The token is verified against
// the trusted issuers (an expired one is still explained) and never used
// up or printed; only its claims are.
func (a *app) policyTestCmd() *cobra.Command {
	var user, owner, policy, tokenFile string
	cmd := &cobra.Command{
		Use:   "test --user NAME --token FILE [--owner ACCOUNT] [--policy NAME]",
		Short: "Explain, claim by claim, why a CI token matches each policy or not",
		Long: "Verify a CI job's OIDC token (FILE, or - for standard input) against the trusted issuers\n" +
			"and print, for each trust policy the user manages (only ACCOUNT's with --owner, only one\n" +
			"with --policy NAME or ID), a table of the claims the policy checks: what it wants, what the\n" +
			"token has, and why that passes or fails. An expired token is still explained, and the\n" +
			"output says that an exchange would refuse it. The token is not used up; it is never printed.",
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			token, err := readTokenFile(cmd, tokenFile)
			if err != nil {
				return err
			}
			tt, err := a.reg.TestToken(cmd.Context(), registry.PolicyManager{User: user}, token, owner, policy)
			if err != nil {
				return err
			}
			return printTokenTest(cmd.OutOrStdout(), tt)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "user whose policies are tested (required)")
	f.StringVar(&tokenFile, "token", "", "file holding the CI job's OIDC token, - for standard input (required)")
	f.StringVar(&owner, "owner", "", "only the policies of this user or organisation")
	f.StringVar(&policy, "policy", "", "only the policy of this name or ID")
	_ = cmd.MarkFlagRequired("user")
	_ = cmd.MarkFlagRequired("token")
	return cmd
}

// readTokenFile reads the token from a file or standard input.
func readTokenFile(cmd *cobra.Command, name string) (string, error) {
	var r io.Reader = cmd.InOrStdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", fmt.Errorf("--token: %w", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxTokenFile+1))
	if err != nil {
		return "", fmt.Errorf("--token: %w", err)
	}
	if len(b) > maxTokenFile {
		return "", fmt.Errorf("--token: %s is larger than %d KiB; give the file that holds only the token", name, maxTokenFile>>10)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("--token: %s is empty; save the CI job's OIDC token in it (see docs/trusted-publishing.md)", name)
	}
	return token, nil
}

// printTokenTest writes the explanation; every text from the token or a
// policy is escaped (cell), so a claim cannot forge a line.
func printTokenTest(out io.Writer, tt *registry.TokenTest) error {
	fmt.Fprintf(out, "Token from %s (%s), subject %s, expires %s.\n", cell(tt.Issuer), cell(string(tt.Provider)), cell(tt.Subject),
		tt.Expiry.UTC().Format(time.RFC3339))
	if tt.Expired {
		fmt.Fprintln(out, "The token has EXPIRED: an exchange refuses it (\"The JSON web token has expired.\") before looking at any policy; the tables say what a fresh token with the same claims would get.")
	}
	if len(tt.Results) == 0 {
		fmt.Fprintln(out, "You have no trust policies to test it against.")
		return nil
	}
	for _, r := range tt.Results {
		p := r.Policy
		verdict := "does not match"
		switch {
		case r.Matched && r.Bind:
			verdict = "MATCHES, and this token would bind the pending policy to its repository"
		case r.Matched:
			verdict = "MATCHES"
		}
		fmt.Fprintf(out, "\nPolicy %d '%s' for %s: %s.\n", p.ID, cell(p.Name), cell(p.OwnerName), verdict)
		w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "  CLAIM\tPOLICY WANTS\tTOKEN HAS\tOK\tWHY")
		for _, c := range r.Checks {
			ok := "no"
			if c.OK {
				ok = "yes"
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\n", cell(c.Claim), cell(c.Want), cell(c.Got), ok, cell(c.Why))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if !r.Matched {
			told := "the generic \"No matching trust policy owned by user '...' was found.\""
			if r.Specific {
				told = "\"" + cell(r.Reason) + "\""
			}
			fmt.Fprintf(out, "  Were it the only policy, the CI job would be told %s\n", told)
		}
	}
	return nil
}
