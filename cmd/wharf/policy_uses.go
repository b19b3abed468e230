package main

import (
	"fmt"
	"io"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
)

// printRepoUses writes, below the policy table, the repositories that
// used each organisation-wide (glob) policy first, by immutable ID: a
// repository re-created under the same name shows twice, with each ID.
func printRepoUses(w io.Writer, ps []registry.PolicyView) {
	for _, p := range ps {
		if !p.RepoGlob() {
			continue
		}
		if len(p.RepoUses) == 0 {
			fmt.Fprintf(w, "\nPolicy %d (%s/%s) has not been used by any repository yet.\n", p.ID, cell(p.RepoOwner), cell(p.Repository))
			continue
		}
		fmt.Fprintf(w, "\nPolicy %d (%s/%s) was first used by:\n", p.ID, cell(p.RepoOwner), cell(p.Repository))
		for _, u := range p.RepoUses {
			fmt.Fprintf(w, "  %s (repository ID %s) on %s, run %s\n", cell(u.Repository), cell(u.RepositoryID), u.FirstUsedAt.UTC().Format(time.RFC3339), dash(u.RunID))
		}
	}
}
