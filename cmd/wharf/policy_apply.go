package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// policyFile is the declarative policy file 'wharf policy apply' reads
// (YAML; JSON is YAML too). docs/trusted-publishing.md describes it.
type policyFile struct {
	// Owners whose policies the file manages besides those its entries
	// name: an owner listed with no entries has all its policies deleted.
	Owners   []string          `yaml:"owners"`
	Policies []policyFileEntry `yaml:"policies"`
}

// policyFileEntry is one policy of the file, keyed by owner and name.
type policyFileEntry struct {
	Owner            string            `yaml:"owner"`
	Name             string            `yaml:"name"`
	Provider         string            `yaml:"provider"`
	Issuer           string            `yaml:"issuer"`
	Repository       string            `yaml:"repository"`
	OwnerID          string            `yaml:"ownerId"`
	RepositoryID     string            `yaml:"repositoryId"`
	Workflow         string            `yaml:"workflow"`
	ReusableWorkflow string            `yaml:"reusableWorkflow"`
	Environment      string            `yaml:"environment"`
	Ref              string            `yaml:"ref"`
	CIConfigPath     string            `yaml:"ciConfigPath"`
	Claims           map[string]string `yaml:"claims"` // Buildkite, CircleCI, generic OIDC
	Packages         []string          `yaml:"packages"`
	ReadOnly         bool              `yaml:"readOnly"`
	StagingOnly      bool              `yaml:"stagingOnly"`
}

// readPolicyFile parses a policy file, refusing unknown fields with the
// line they are on.
func readPolicyFile(r io.Reader, name string) (*policyFile, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f policyFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s is empty: write 'policies:' and a list of policies (docs/trusted-publishing.md)", name)
		}
		return nil, fmt.Errorf("%s is not a policy file: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return &f, nil
}

// desired turns the file's entries into the registry's requests.
func (f *policyFile) desired() []registry.DesiredPolicy {
	out := make([]registry.DesiredPolicy, len(f.Policies))
	for i, e := range f.Policies {
		entry := fmt.Sprintf("policies[%d]", i)
		if e.Name != "" {
			entry += fmt.Sprintf(" (%s)", e.Name)
		}
		provider := trust.Provider(strings.ToLower(strings.TrimSpace(e.Provider)))
		out[i] = registry.DesiredPolicy{Entry: entry, NewPolicy: registry.NewPolicy{
			Owner: e.Owner, Name: e.Name, Provider: provider, Issuer: e.Issuer, Repository: e.Repository,
			RepoOwnerID: e.OwnerID, RepositoryID: e.RepositoryID, Workflow: e.Workflow, ReusableWorkflow: e.ReusableWorkflow,
			Environment: e.Environment, Ref: e.Ref, CIConfigPath: e.CIConfigPath, Globs: e.Packages,
			ReadOnly: e.ReadOnly, StagingOnly: e.StagingOnly, Claims: e.Claims,
		}}
	}
	return out
}

func (a *app) policyApplyCmd() *cobra.Command {
	var user, file string
	var dryRun, rebind bool
	cmd := &cobra.Command{
		Use:   "apply -f FILE --user NAME [--dry-run] [--rebind]",
		Short: "Make the policies of the file's owners equal to a declarative file",
		Long: "Read a policy file (YAML or JSON; docs/trusted-publishing.md) and make the trust policies\n" +
			"of the owners it names (each entry's owner, and 'owners:') equal to it: policies are matched\n" +
			"by owner and name; missing ones are created, different ones updated (keeping their binding\n" +
			"unless the repository, issuer or IDs change, which needs --rebind), and policies of those\n" +
			"owners that the file does not name are deleted. Prints the plan first; --dry-run stops there.\n" +
			"Every entry is checked before anything changes, so an invalid file changes nothing.",
		Args: cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, _ []string) error {
			in := io.Reader(cmd.InOrStdin())
			if file != "-" {
				fh, err := os.Open(file)
				if err != nil {
					return err
				}
				defer fh.Close()
				in = fh
			}
			pf, err := readPolicyFile(in, file)
			if err != nil {
				return err
			}
			plan, err := a.reg.PlanPolicies(cmd.Context(), user, pf.Owners, pf.desired(), rebind)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			printPlan(out, plan)
			switch {
			case plan.Empty():
				fmt.Fprintln(out, "Nothing to change.")
				return nil
			case dryRun:
				fmt.Fprintln(out, "Dry run: nothing was changed.")
				return nil
			}
			done, err := a.reg.ApplyPlan(cmd.Context(), plan)
			if err != nil {
				fmt.Fprintf(out, "Applied %d of the changes before an error; run apply again to finish.\n", len(done))
				return err
			}
			fmt.Fprintf(out, "Applied %d changes.\n", len(done))
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVarP(&file, "file", "f", "", "policy file, YAML or JSON ('-' reads stdin) (required)")
	f.StringVar(&user, "user", "", "user applying the file: the owners must be the user or organisations they administer (required)")
	f.BoolVar(&dryRun, "dry-run", false, "print the plan and change nothing")
	f.BoolVar(&rebind, "rebind", false, "confirm updates that drop a policy's binding (repository, issuer or IDs change) or widen its keys")
	_ = cmd.MarkFlagRequired("file")
	_ = cmd.MarkFlagRequired("user")
	return cmd
}

// printPlan writes one line per policy, then the totals.
func printPlan(w io.Writer, plan *registry.PolicyPlan) {
	fmt.Fprintf(w, "Plan for the policies of %s:\n", strings.Join(plan.Owners, ", "))
	count := map[registry.PolicyAction]int{}
	sign := map[registry.PolicyAction]string{registry.ActionCreate: "+", registry.ActionUpdate: "~", registry.ActionDelete: "-", registry.ActionUnchanged: "="}
	for _, c := range plan.Changes {
		count[c.Action]++
		line := fmt.Sprintf("  %s %-9s %s/%s", sign[c.Action], c.Action, cell(c.Owner), cell(c.Name))
		if c.ID != 0 {
			line += fmt.Sprintf(" (ID %d)", c.ID)
		}
		if len(c.Changes) > 0 {
			line += ": " + cell(strings.Join(c.Changes, "; "))
		}
		if c.Rebinds {
			line += " [rebinds]"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "%d to create, %d to update, %d to delete, %d unchanged.\n",
		count[registry.ActionCreate], count[registry.ActionUpdate], count[registry.ActionDelete], count[registry.ActionUnchanged])
}
