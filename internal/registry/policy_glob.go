package registry

// Organisation-wide policies: a policy whose repository is a glob
// (owner/*, owner/sdk-*) covers every matching repository of one owner,
// is bound to the owner's ID only, and records each repository's first
// use (see trust/repoglob.go for the matching rules).

import (
	"context"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
)

// globRepoPolicy checks a policy for several repositories of an owner
// and sets its IDs. A read-only one names no workflow or CI config file
// (owner/* only, as before); a push one must name its workflow (GitHub:
// the same file name in every repository) or CI config path (GitLab). Either binds only the owner's
// ID: the repository ID is trust.AnyRepository.
func globRepoPolicy(req NewPolicy, p *trust.Policy) error {
	if err := trust.CheckRepoGlob(p.Repository); err != nil {
		return fieldErrorf(ErrInvalid, "repository", "'%s' is not a repository or a glob of them: %s. Write owner/repository, owner/* or owner/prefix-*.", req.Repository, err.Error())
	}
	switch {
	case req.ReadOnly && !p.AnyRepo():
		return fieldErrorf(ErrInvalid, "repository", "'%s' names some repositories of '%s': a read-only policy names one repository or all of them (owner/*).", req.Repository, p.RepoOwner)
	case req.ReadOnly && (strings.TrimSpace(req.Workflow) != "" || strings.TrimSpace(req.ReusableWorkflow) != "" || strings.TrimSpace(req.CIConfigPath) != ""):
		return fieldErrorf(ErrInvalid, "workflow", "A policy for every repository of '%s' matches any workflow: leave the workflow and CI config path out.", p.RepoOwner)
	case !req.ReadOnly && (req.Provider == trust.GitHub || req.Provider == trust.Forgejo) && strings.TrimSpace(req.Workflow) == "":
		return fieldErrorf(ErrInvalid, "workflow", "'%s' names several repositories of '%s': a push policy for them must name the workflow file (the same in each repository), e.g. release.yml.", req.Repository, p.RepoOwner)
	case !req.ReadOnly && req.Provider == trust.GitLab && strings.TrimSpace(req.CIConfigPath) == "":
		return fieldErrorf(ErrInvalid, "CI config path", "'%s' names several projects of '%s': a push policy for them must name the CI config path (the same in each project), e.g. .gitlab-ci.yml.", req.Repository, p.RepoOwner)
	case strings.TrimSpace(req.RepositoryID) != "" && strings.TrimSpace(req.RepositoryID) != trust.AnyRepository:
		return errorf(ErrInvalid, "A policy for several repositories of '%s' binds only the owner ID: leave the repository ID out.", p.RepoOwner)
	}
	p.RepoOwnerID, p.RepositoryID = strings.TrimSpace(req.RepoOwnerID), trust.AnyRepository
	return nil
}

// RepoUse is the first use of one repository (by its immutable ID) under
// a glob policy: a repository deleted and re-created under the same name
// has a new ID and so a new first use.
type RepoUse struct {
	PolicyID     int64
	Repository   string // owner/name as the token named it
	RepositoryID string
	FirstUsedAt  time.Time
	JTI          string // the token of the exchange that used it first
	RunID        string
}

// PolicyRepoUses lists the repositories that used a glob policy, first
// first. Errors: ErrNotFound (no policy the user may change).
func (s *Service) PolicyRepoUses(ctx context.Context, userName string, id int64) ([]RepoUse, error) {
	if _, _, err := s.ownPolicy(ctx, userName, id); err != nil {
		return nil, err
	}
	return s.store.PolicyRepoUses(ctx, id)
}
