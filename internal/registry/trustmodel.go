package registry

import (
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
)

// Role is a user's role in an organisation.
type Role string

// The roles: admins manage the organisation, and create its API keys and
// trust policies; members belong to it, and keys an admin made for the
// organisation keep working when that admin becomes a member.
const (
	RoleMember Role = "member"
	RoleAdmin  Role = "admin"
)

// Member is a user's membership of an organisation.
type Member struct {
	User Account
	Role Role
}

// OrgInvitation is an open invitation to join an organisation.
type OrgInvitation struct {
	Org         string // the organisation's name
	User        string // who is invited
	Role        Role   // the role they get on accepting
	RequestedBy string // the admin who invited them; "" for the operator
	CreatedAt   time.Time
}

// Provenance records where a version pushed with a trusted-publishing key
// was built: the claims that identify the CI run, never the token itself.
type Provenance struct {
	Provider          string `json:"provider"`
	Issuer            string `json:"issuer"`
	Repository        string `json:"repository"`
	RepositoryID      string `json:"repositoryId"`
	RepositoryOwner   string `json:"repositoryOwner"`
	RepositoryOwnerID string `json:"repositoryOwnerId"`
	Workflow          string `json:"workflow,omitempty"`
	WorkflowRef       string `json:"workflowRef,omitempty"`
	JobWorkflowRef    string `json:"jobWorkflowRef,omitempty"`
	CIConfigRefURI    string `json:"ciConfigRefUri,omitempty"`
	Commit            string `json:"commit"`
	Ref               string `json:"ref"`
	RunID             string `json:"runId"`
	RunAttempt        string `json:"runAttempt,omitempty"`
	Environment       string `json:"environment,omitempty"`
	Event             string `json:"event"`
	RunnerEnvironment string `json:"runnerEnvironment,omitempty"`
	PolicyID          int64  `json:"policyId"`
	PolicyName        string `json:"policyName"`
}

// provenanceOf keeps the claims that identify a build.
func provenanceOf(c *trust.Claims, p *trust.Policy) *Provenance {
	runID := c.RunID
	if runID == "" {
		runID = c.JobID
	}
	return &Provenance{
		Provider: string(c.Provider), Issuer: c.Issuer, Repository: c.Repository, RepositoryID: c.RepositoryID,
		RepositoryOwner: c.RepoOwner, RepositoryOwnerID: c.RepoOwnerID, Workflow: c.Workflow,
		WorkflowRef: c.WorkflowRef, JobWorkflowRef: c.JobWorkflowRef, CIConfigRefURI: c.CIConfigRefURI,
		Commit: c.SHA, Ref: c.Ref, RunID: runID, RunAttempt: c.RunAttempt, Environment: c.Environment,
		Event: c.EventName, RunnerEnvironment: c.RunnerEnvironment, PolicyID: p.ID, PolicyName: p.Name,
	}
}

// AuditEvent is one entry of the audit log.
type AuditEvent struct {
	ID         int64
	At         time.Time
	Kind       string // e.g. "token.exchange", "policy.create", "policy.bind", "token.replay"
	Outcome    string // "accepted", "rejected" or "done"
	ActorID    int64  // the user acting, 0 when unknown
	ActorName  string // the actor's name when listed; empty when unknown or removed
	PolicyID   int64
	Subject    string // what the event is about, e.g. the username or policy name
	Message    string
	RemoteAddr string
	Claims     map[string]any // token claims, never the token
	// Closest is, on a refused token exchange, the policy that came
	// closest to matching and the checks it failed: for that policy's
	// owners and administrators, never for the caller.
	Closest *ClosestPolicy
}

// Mint is what the store needs to create a trusted-publishing key in one
// transaction with the record of the token that bought it.
type Mint struct {
	Issuer, JTI    string
	TokenExpiry    time.Time // keep the used-token record until then
	Policy         *trust.Policy
	Bind           bool // set the policy's IDs from the claims (first use)
	RepoOwnerID    string
	RepositoryID   string
	Key            *APIKey // the key to insert; its ID is set
	Hash           string
	BoundAt        time.Time
	Audit          *AuditEvent
	BindAuditEvent *AuditEvent
	// RepoUse, for a glob policy, is recorded unless the policy already
	// has a use by that repository ID (its first use stays).
	RepoUse *RepoUse
	// Counts are rate-limit events counted in the same transaction; a full
	// window fails the mint with ErrRateLimited.
	Counts []RateCount
}

// RateCount is one rate-limited event: key's counter in the fixed window
// starting at WindowStart (Unix seconds), which holds at most Max.
type RateCount struct {
	Key         string
	WindowStart int64
	Max         int
}
