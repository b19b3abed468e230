package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

func (a *app) policyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Manage trusted-publishing policies"}
	var req registry.NewPolicy
	var provider string
	add := &cobra.Command{
		Use:   "add --user NAME [--issuer NAME | --provider github|gitlab|forgejo|azure] --repository OWNER/REPO ...",
		Short: "Let a CI workflow publish for a user or organisation",
		Long: "Create a trust policy. GitHub: --repository OWNER/REPO --workflow FILE [--environment ENV]\n" +
			"[--reusable-workflow OWNER/REPO/.github/workflows/FILE]. GitLab: --repository NAMESPACE/PROJECT\n" +
			"[--ref BRANCH] [--environment ENV] [--ci-config PATH]. Forgejo (and Codeberg): --repository\n" +
			"OWNER/REPO --workflow FILE (no environment: Forgejo tokens carry none). Azure Pipelines:\n" +
			"--repository 'PROJECT/DEFINITION_ID' --ref BRANCH (the project and source repository IDs are\n" +
			"what --owner-id and --repository-id bind). Without --owner-id and --repository-id\n" +
			"the policy is pending: the first matching token within 7 days binds those IDs.\n" +
			"--read-only: the policy's keys only restore (every feed the owner may read), never push;\n" +
			"its --workflow is optional, and without one every workflow of the repository matches;\n" +
			"--repository OWNER/* matches every repository of OWNER (bound to the owner's ID only).\n" +
			"--issuer names a trusted issuer by its name in the server's trusted_issuers (github, ghes,\n" +
			"gitlab-corp); without it, the only trusted issuer of --provider. The server's list is the one\n" +
			"wharf serve records in the database, whatever this command's own settings say.",
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			req.Provider = trust.Provider(strings.ToLower(provider))
			if req.Issuer != "" && !cmd.Flags().Changed("provider") {
				req.Provider = "" // the issuer names its provider
			}
			if req.Issuer == "" && !cmd.Flags().Changed("provider") && len(a.issuers) == 1 {
				req.Provider, req.Issuer = "", a.issuers[0].Name // the server's only issuer, whatever its kind
			}
			v, err := a.reg.CreatePolicy(cmd.Context(), req)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d\n", v.ID)
			what := "publishing"
			if v.ReadOnly {
				what = "read-only, restoring"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created policy %d '%s' (%s) %s for %s.\n", v.ID, cell(v.Name), statusText(v.Status), what, cell(v.OwnerName))
			return nil
		}),
	}
	f := add.Flags()
	f.StringVar(&req.User, "user", "", "user creating the policy (required)")
	f.StringVar(&req.Owner, "owner", "", "package owner to publish for: the user (default) or an organisation they administer")
	policyFlags(add, &req, &provider, "github")
	_ = add.MarkFlagRequired("user")
	// --repository is not required by the flag parser: a generic OIDC
	// policy names only --claim values; the service refuses a GitHub or
	// GitLab policy without one with its sentence.

	var ureq registry.NewPolicy
	var uprovider string
	update := &cobra.Command{
		Use:   "update ID --user NAME --repository OWNER/REPO [--rebind] ...",
		Short: "Replace a policy's settings; revokes the keys it minted",
		Long: "Replace a policy's settings (give them all, as for add). The keys the policy minted are\n" +
			"revoked. Without --provider and --issuer the policy keeps its own. The binding to the\n" +
			"repository's IDs is kept; changing the repository, provider, issuer or IDs drops it and\n" +
			"needs --rebind. Without --read-only the policy stays read-only or push as it is;\n" +
			"--read-only=false turns a read-only policy into a push policy, which also needs --rebind.",
		Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			ureq.Provider = trust.Provider(strings.ToLower(uprovider))
			// Without --read-only the policy keeps what it is: a default of
			// false would silently turn a read-only policy into a push one.
			ureq.KeepReadOnly = !cmd.Flags().Changed("read-only")
			ureq.KeepStagingOnly = !cmd.Flags().Changed("staging-only")
			v, err := a.reg.UpdatePolicy(cmd.Context(), ureq.User, id, ureq)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Updated policy %d '%s' (%s); the keys it minted were revoked.\n", v.ID, cell(v.Name), statusText(v.Status))
			return nil
		}),
	}
	update.Flags().StringVar(&ureq.User, "user", "", "user changing the policy (required)")
	update.Flags().BoolVar(&ureq.ConfirmRebind, "rebind", false, "confirm a change of repository, provider, issuer or IDs, which drops the binding, or of a read-only policy into a push policy")
	policyFlags(update, &ureq, &uprovider, "")
	_ = update.MarkFlagRequired("user")

	var user string
	list := &cobra.Command{
		Use: "list --user NAME", Short: "List a user's policies with their status", Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			ps, err := a.reg.Policies(cmd.Context(), user)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tPROVIDER\tISSUER\tREPOSITORY\tWORKFLOW\tENVIRONMENT\tOWNER\tACCESS\tPACKAGES\tSTATUS")
			for _, p := range ps {
				pk := strings.Join(p.Globs, ",")
				if pk == "" {
					pk = "*"
				}
				access, wf := "push", dash(p.Workflow)
				if p.ReadOnly {
					access = "read-only"
					if p.Workflow == "" {
						wf = "(any)"
					}
				}
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s/%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, cell(p.Name), cell(string(p.Provider)), cell(issuerCell(&p.Policy)), cell(p.RepoOwner), cell(p.Repository),
					wf, dash(p.Environment), cell(p.OwnerName), access, cell(pk), cell(statusText(p.Status)))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			printRepoUses(cmd.OutOrStdout(), ps)
			return nil
		}),
	}
	list.Flags().StringVar(&user, "user", "", "user (required)")
	_ = list.MarkFlagRequired("user")

	renew := &cobra.Command{
		Use: "renew ID --user NAME", Short: "Restart the 7-day window of a pending policy", Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			v, err := a.reg.RenewPolicy(cmd.Context(), user, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Policy %d is %s.\n", v.ID, statusText(v.Status))
			return nil
		}),
	}
	renew.Flags().StringVar(&user, "user", "", "user (required)")
	_ = renew.MarkFlagRequired("user")

	remove := &cobra.Command{
		Use: "remove ID --user NAME", Short: "Delete a policy and revoke the keys it minted", Args: cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			if err := a.reg.RemovePolicy(cmd.Context(), user, id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Deleted policy %d and revoked its keys.\n", id)
			return nil
		}),
	}
	remove.Flags().StringVar(&user, "user", "", "user (required)")
	_ = remove.MarkFlagRequired("user")

	cmd.AddCommand(add, update, list, renew, remove, a.policyApplyCmd(), a.policyShowCmd(), a.policyTestCmd())
	return cmd
}

// policyFlags declares the flags that describe a policy's CI identity and
// scope, shared by add and update (whose provider defaults to the stored one).
func policyFlags(cmd *cobra.Command, req *registry.NewPolicy, provider *string, defaultProvider string) {
	f := cmd.Flags()
	f.StringVar(&req.Name, "name", "", "policy name (default: repository/workflow@environment)")
	f.StringVar(provider, "provider", defaultProvider, "github, gitlab, forgejo, azure, buildkite, circleci or oidc")
	f.StringVar(&req.Issuer, "issuer", "", "trusted issuer's name in the server's trusted_issuers, e.g. ghes (required when several of the provider are trusted; update keeps the stored one)")
	f.StringVar(&req.Repository, "repository", "", "OWNER/REPO (GitLab: NAMESPACE/PROJECT; Azure Pipelines: PROJECT/DEFINITION_ID; Buildkite: ORG-SLUG/PIPELINE-SLUG; CircleCI: PROJECT_ID)")
	f.StringVar(&req.RepoOwnerID, "owner-id", "", "repository owner (namespace; Azure: project; Buildkite: organization) ID, if known")
	f.StringVar(&req.RepositoryID, "repository-id", "", "repository (GitLab: project; Azure: source repository; Buildkite: pipeline) ID, if known")
	f.StringVar(&req.Workflow, "workflow", "", "GitHub or Forgejo workflow file, e.g. release.yml")
	f.StringVar(&req.ReusableWorkflow, "reusable-workflow", "", "GitHub reusable workflow the job must run, OWNER/REPO/.github/workflows/FILE")
	f.StringVar(&req.Environment, "environment", "", "deployment environment the job must run in")
	f.StringVar(&req.Ref, "ref", "", "branch the pipeline must run on (GitLab, optional; Azure Pipelines, required for push)")
	f.StringVar(&req.CIConfigPath, "ci-config", "", "GitLab CI config path, e.g. .gitlab-ci.yml")
	f.StringArrayVar(&req.Globs, "package", nil, "package-ID glob the policy is limited to (repeatable)")
	f.Var(claimFlag{&req.Claims}, "claim", "KEY=VALUE a Buildkite, CircleCI or generic OIDC token must carry (repeatable; see docs/trusted-publishing.md)")
	f.BoolVar(&req.ReadOnly, "read-only", false, "keys only restore (read every feed the owner may read), never push; --workflow becomes optional")
	f.BoolVar(&req.StagingOnly, "staging-only", false, "keys only stage packages (dotnet nuget stage push); a person promotes them in the web UI")
}

func statusText(s registry.PolicyStatus) string {
	switch s.State {
	case "pending":
		return fmt.Sprintf("pending, %d days left", s.DaysLeft)
	case "inactive":
		return "inactive: " + s.Reason
	}
	return s.State
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an ID", s)
	}
	return id, nil
}
