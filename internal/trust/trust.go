// Package trust implements trusted publishing: it verifies a CI job's OIDC
// token (go-oidc, against the configured issuers) into typed Claims, and
// matches Claims against a publisher's trust Policy with the pure function
// Match. Verification and matching are separate steps; neither touches a
// database. The registry's exchange use case glues them to keys.
package trust

import "time"

// Provider is the kind of CI system that issues tokens.
type Provider string

// The supported providers.
const (
	GitHub Provider = "github" // GitHub Actions, github.com or GitHub Enterprise Server
	GitLab Provider = "gitlab" // GitLab CI, gitlab.com or self-managed
	// Forgejo Actions, on Codeberg or a self-hosted Forgejo
	// (provider_forgejo.go).
	Forgejo Provider = "forgejo"
	// Azure Pipelines, Azure DevOps Services (provider_azure.go).
	Azure Provider = "azure"
	// Providers whose policies are claim rules (rules.go).
	Buildkite Provider = "buildkite" // Buildkite agents, https://agent.buildkite.com
	CircleCI  Provider = "circleci"  // CircleCI, one issuer per organisation
	OIDC      Provider = "oidc"      // any OpenID Connect issuer; the operator names the claims
)

// KnownProvider reports whether p is one of the supported providers.
func KnownProvider(p Provider) bool {
	switch p {
	case GitHub, GitLab, Forgejo, Azure, Buildkite, CircleCI, OIDC:
		return true
	}
	return false
}

// Claims are the verified claims of a CI token. Repository identity is
// uniform across providers:
//
//	field            GitHub claim            GitLab claim
//	RepoOwner        repository_owner        namespace_path
//	RepoOwnerID      repository_owner_id     namespace_id
//	Repository       repository (owner/repo) project_path (namespace/project)
//	RepositoryID     repository_id           project_id
type Claims struct {
	// IssuerName is the trusted issuer's name in the settings (Issuer.Name)
	// that verified the token; "" when unknown.
	IssuerName string

	Issuer   string
	Provider Provider
	Subject  string
	Audience string
	JTI      string
	IssuedAt time.Time
	Expiry   time.Time

	RepoOwner, RepoOwnerID   string
	Repository, RepositoryID string

	// GitHub Actions.
	Workflow, WorkflowRef, WorkflowSHA string
	JobWorkflowRef, JobWorkflowSHA     string
	RunID, RunNumber, RunAttempt       string
	RepositoryVisibility               string
	RunnerEnvironment                  string

	// Both providers (GitLab: ref, ref_type, sha, environment, pipeline_source
	// as EventName, pipeline_id as RunID, user_login as Actor).
	Ref, RefType, SHA string
	Actor, ActorID    string
	EventName         string
	Environment       string

	// GitLab CI.
	CIConfigRefURI, CIConfigSHA string
	JobID                       string

	// Azure Pipelines: org_id, def_id and rpo_uri (provider_azure.go maps
	// the others onto the uniform fields).
	OrganizationID, DefinitionID, RepositoryURI string

	// Raw holds every claim of the token, for the audit log.
	Raw map[string]any
}

// Policy is a trust policy: which CI identity may publish for which
// package owner. RepoOwnerID and RepositoryID are empty while the policy is
// pending; the first matching token binds them for good.
type Policy struct {
	ID        int64
	Name      string
	Provider  Provider
	Issuer    string // the issuer URL tokens must come from
	CreatedBy int64  // the user who created the policy
	OwnerID   int64  // the account (user or organisation) packages are published for

	// IssuerName is the name the settings give the issuer (Issuer.Name),
	// stored when the policy was made: a token verified by an issuer of
	// another name never matches, even from the same URL. "" (a policy from
	// before names, not yet backfilled) checks the URL alone.
	IssuerName string

	RepoOwner    string // GitHub repository owner / GitLab namespace path
	Repository   string // GitHub repository name / GitLab project path, without the owner
	RepoOwnerID  string // bound on first use ("" = pending)
	RepositoryID string // bound on first use ("" = pending)

	Workflow         string // GitHub: workflow file name, e.g. release.yml
	ReusableWorkflow string // GitHub, optional: owner/repo/.github/workflows/file.yml that job_workflow_ref must name
	Environment      string // optional
	Ref              string // GitLab, optional: branch name
	CIConfigPath     string // GitLab, optional: path of the CI config file, e.g. .gitlab-ci.yml

	Globs []string // optional package-ID globs narrowing the scope

	// Rules, for Buildkite, CircleCI and generic OIDC policies, are the
	// claims a token must carry and the ID claims bound on first use.
	Rules ClaimRules

	// ReadOnly policies mint keys that only read (restore) the feeds the
	// policy's package owner may read: no push, unlist or relist. Their GitHub
	// workflow is optional: empty matches every workflow of the
	// repository.
	ReadOnly bool

	// StagingOnly policies mint keys that stage packages
	// (PackageStaging/1.0.0) and read, but never push straight to a feed:
	// what they stage reaches the feed only when a person promotes it in
	// the web UI. Exclusive with ReadOnly.
	StagingOnly bool

	CreatedAt    time.Time
	PendingSince time.Time  // start of the binding window; renew moves it
	BoundAt      *time.Time // when the IDs were bound; nil while pending

	// Revision increases with every edit; a key is only minted from the
	// revision that was matched.
	Revision int64
}

// AnyRepository, as a read-only policy's Repository (written owner/* when
// created), matches every repository of the policy's RepoOwner; as its
// RepositoryID it says that the policy binds only the owner's ID.
const AnyRepository = "*"

// AnyRepo reports whether the policy matches every repository of its owner.
func (p *Policy) AnyRepo() bool { return p.Repository == AnyRepository }

// Pending reports whether the policy still waits for its first use.
func (p *Policy) Pending() bool { return p.RepoOwnerID == "" || p.RepositoryID == "" }

// PendingWindow is how long a pending policy may wait for its first use.
const PendingWindow = 7 * 24 * time.Hour

// PendingExpired reports whether a pending policy's window has passed.
func (p *Policy) PendingExpired(now time.Time) bool {
	return p.Pending() && !now.Before(p.PendingSince.Add(PendingWindow))
}
