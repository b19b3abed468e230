package registry

import (
	"strings"

	"github.com/wharf-registry/wharf/internal/trust"
)

// ProvenanceChange is one way a new version's provenance differs from
// the package's established one, as owners are shown it.
type ProvenanceChange struct {
	What string `json:"what"` // "publisher", "issuer", "repository", "workflow" or "reusable workflow"
	Was  string `json:"was"`
	Now  string `json:"now"`
}

// ProvenanceChanges compares a new version's provenance (nil: pushed
// with a long-lived key) with the package's established trusted
// provenance (nil: none, and nothing is compared). A version differs when
// it was not pushed by trusted publishing, or its token came from another
// issuer, another repository (by its immutable ID; by name, ignoring
// case, when either lacks the ID: a renamed repository keeps its ID and
// is the same), another workflow file (GitHub's workflow_ref, GitLab's CI
// configuration, Azure Pipelines' definition) or another reusable
// workflow. The ref, commit, run,
// environment, event and policy may differ: they change with every
// release.
func ProvenanceChanges(established, now *Provenance) []ProvenanceChange {
	if established == nil {
		return nil
	}
	if now == nil {
		return []ProvenanceChange{{What: "publisher", Was: "trusted publishing from " + established.Repository, Now: "a long-lived API key"}}
	}
	var out []ProvenanceChange
	add := func(what, was, now string) {
		out = append(out, ProvenanceChange{What: what, Was: orNone(was), Now: orNone(now)})
	}
	if established.Issuer != now.Issuer {
		add("issuer", established.Issuer, now.Issuer)
	}
	_, noID := trust.OIDCIDs()
	sameRepo := strings.EqualFold(established.Repository, now.Repository)
	switch {
	case established.RepositoryID == noID || now.RepositoryID == noID:
		// A generic OIDC issuer that names no ID claims: its tokens share
		// one stand-in ID, and the job is what the policy's claims name,
		// so another policy is another job.
		sameRepo = established.Issuer == now.Issuer && established.PolicyID == now.PolicyID
	case established.RepositoryID != "" && now.RepositoryID != "":
		sameRepo = established.RepositoryID == now.RepositoryID
	}
	if !sameRepo {
		add("repository", repoText(established), repoText(now))
	}
	if a, b := workflowFile(established), workflowFile(now); a != b {
		add("workflow", a, b)
	}
	if a, b := reusableWorkflow(established), reusableWorkflow(now); a != b {
		add("reusable workflow", a, b)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func repoText(p *Provenance) string {
	if p.RepositoryID == "" {
		return p.Repository
	}
	return p.Repository + " (ID " + p.RepositoryID + ")"
}

// workflowFile is what defined the run, without its repository or ref:
// GitHub's (and Forgejo's) workflow_ref (".github/workflows/release.yml"),
// else GitLab's ci_config_ref_uri (the whole URI but its ref: the CI file
// may live in another project); for Azure Pipelines, the pipeline
// definition.
func workflowFile(p *Provenance) string {
	if p.Provider == "azure" { // Azure Pipelines: Repository is "<project>/<definition ID>"
		if _, def, ok := strings.Cut(p.Repository, "/"); ok {
			return "pipeline definition " + def
		}
	}
	if p.WorkflowRef != "" {
		return pathWithinRepo(p.WorkflowRef, p.Repository)
	}
	return stripRef(p.CIConfigRefURI)
}

// reusableWorkflow is the reusable workflow the job ran, without its
// ref, when it is not the calling workflow itself; "" otherwise.
func reusableWorkflow(p *Provenance) string {
	if p.JobWorkflowRef == "" || stripRef(p.JobWorkflowRef) == stripRef(p.WorkflowRef) {
		return ""
	}
	return stripRef(p.JobWorkflowRef)
}

// pathWithinRepo turns "owner/repo/.github/workflows/x.yml@ref" into
// ".github/workflows/x.yml" (case kept; GitHub's paths are
// case-sensitive).
func pathWithinRepo(ref, repo string) string {
	s := stripRef(ref)
	if len(s) > len(repo)+1 && strings.EqualFold(s[:len(repo)], repo) && s[len(repo)] == '/' {
		return s[len(repo)+1:]
	}
	return s
}

func stripRef(s string) string {
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return s[:i]
	}
	return s
}

// establishedProvenance is a package's established trusted provenance:
// that of its latest released version (by publication) pushed by trusted
// publishing, and that version; nil when none was.
func establishedProvenance(p *Package) (*Provenance, *PackageVersion) {
	var best *PackageVersion
	for i := range p.Versions {
		v := &p.Versions[i]
		if v.Provenance == nil || v.UpstreamContentURL != "" {
			continue
		}
		if best == nil || v.Published.After(best.Published) || v.Published.Equal(best.Published) && v.ID > best.ID {
			best = v
		}
	}
	if best == nil {
		return nil, nil
	}
	return best.Provenance, best
}
