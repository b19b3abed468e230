package trust

import (
	"errors"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"testing"
	"time"
)

var testNow = trusttest.Epoch().Add(-7*time.Hour + 26*time.Minute + 53*time.Second)

const (
	githubIssuer = "https://token.actions.githubusercontent.com"
	gitlabIssuer = "https://gitlab.com"
	commitSHA    = "8d4f1c2b9e7a6f3d5c1b0a9e8d7c6b5a4f3e2d1c"
)

// githubClaims is a token as github.com issues it to the release job of
// contoso/sdk, run by a tag push, in environment prod.
func githubClaims() *Claims {
	return &Claims{
		Issuer:   githubIssuer,
		Provider: GitHub,
		Subject:  "repo:contoso/sdk:environment:prod",
		Audience: "https://nuget.contoso.example",
		JTI:      "0b3f6c9e-2d1a-4c5b-9e8f-7a6b5c4d3e2f",
		IssuedAt: testNow.Add(-time.Minute),
		Expiry:   testNow.Add(4 * time.Minute),

		RepoOwner: "contoso", RepoOwnerID: "654321",
		Repository: "contoso/sdk", RepositoryID: "123456",

		Workflow:             "Release",
		WorkflowRef:          "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.0.0",
		WorkflowSHA:          commitSHA,
		JobWorkflowRef:       "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.0.0",
		JobWorkflowSHA:       commitSHA,
		RunID:                "13579246801",
		RunNumber:            "42",
		RunAttempt:           "1",
		RepositoryVisibility: "public",
		RunnerEnvironment:    "github-hosted",

		Ref: "refs/tags/v1.0.0", RefType: "tag", SHA: commitSHA,
		Actor: "octocat", ActorID: "583231",
		EventName:   "push",
		Environment: "prod",
	}
}

// gitlabClaims is a token as gitlab.com issues it to a job of project
// contoso/dotnet/sdk (a subgroup), on branch main, in environment production.
func gitlabClaims() *Claims {
	return &Claims{
		Issuer:   gitlabIssuer,
		Provider: GitLab,
		Subject:  "project_path:contoso/dotnet/sdk:ref_type:branch:ref:main",
		Audience: "https://nuget.contoso.example",
		JTI:      "5d1b7f0e-9c8a-4b3d-a2e1-f0e9d8c7b6a5",
		IssuedAt: testNow.Add(-time.Minute),
		Expiry:   testNow.Add(4 * time.Minute),

		RepoOwner: "contoso/dotnet", RepoOwnerID: "7654321",
		Repository: "contoso/dotnet/sdk", RepositoryID: "45678901",

		RunID: "1122334455",
		Ref:   "main", RefType: "branch", SHA: commitSHA,
		Actor: "jdoe", ActorID: "1234567",
		EventName:   "push",
		Environment: "production",

		CIConfigRefURI: "gitlab.com/contoso/dotnet/sdk//.gitlab-ci.yml@refs/heads/main",
		CIConfigSHA:    commitSHA,
		JobID:          "9988776655",
	}
}

func githubPolicy() *Policy {
	bound := testNow.Add(-30 * 24 * time.Hour)
	return &Policy{
		ID: 7, Name: "sdk-release", Provider: GitHub, Issuer: githubIssuer, CreatedBy: 1, OwnerID: 2,
		RepoOwner: "contoso", Repository: "sdk", RepoOwnerID: "654321", RepositoryID: "123456",
		Workflow: "release.yml", Environment: "prod",
		CreatedAt: bound, PendingSince: bound, BoundAt: &bound,
	}
}

func gitlabPolicy() *Policy {
	bound := testNow.Add(-30 * 24 * time.Hour)
	return &Policy{
		ID: 8, Name: "sdk-gitlab", Provider: GitLab, Issuer: gitlabIssuer, CreatedBy: 1, OwnerID: 2,
		RepoOwner: "contoso/dotnet", Repository: "sdk", RepoOwnerID: "7654321", RepositoryID: "45678901",
		Ref: "main", Environment: "production", CIConfigPath: ".gitlab-ci.yml",
		CreatedAt: bound, PendingSince: bound, BoundAt: &bound,
	}
}

// pending turns a policy into one created at since and not yet used.
func pending(since time.Time) func(*Policy) {
	return func(p *Policy) {
		p.RepoOwnerID, p.RepositoryID, p.BoundAt = "", "", nil
		p.CreatedAt, p.PendingSince = since, since
	}
}

// want describes the outcome: bind on success, or the error's fields.
// A generic error (specific false) has no message to check beyond being
// non-empty: it is never shown.
type want struct {
	ok       bool
	bind     bool
	specific bool
	expired  bool
	msg      string
}

var (
	matched = want{ok: true}
	bound   = want{ok: true, bind: true}
	generic = want{}
)

func specificMsg(msg string) want { return want{specific: true, msg: msg} }

// Messages the Match tables expect.
const (
	expiredMsg = "The policy 'sdk-release' has expired. Sign in and renew the trust policy on the Trusted Publishing page."
	ptBanned   = "The GitHub Actions event 'pull_request_target' is not allowed."
	wfPrefix   = "Workflow mismatch for policy 'sdk-release': "
	shared     = "org/shared/.github/workflows/publish.yml"
)

// matchCase is one row of the Match tables: changes to the base policy
// and claims (GitHub's, or GitLab's with gitlab set) and the outcome.
type matchCase struct {
	name   string
	gitlab bool // base claims and policy are GitLab's
	policy func(*Policy)
	claims func(*Claims)
	opts   MatchOptions
	want   want
}

// runMatchCases runs each case as a subtest, and checks that Match never
// changes the policy it is given.
func runMatchCases(t *testing.T, tests []matchCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, c := githubPolicy(), githubClaims()
			if tc.gitlab {
				p, c = gitlabPolicy(), gitlabClaims()
			}
			if tc.policy != nil {
				tc.policy(p)
			}
			if tc.claims != nil {
				tc.claims(c)
			}
			before := *p
			res, err := Match(p, c, testNow, tc.opts)
			if p.RepoOwnerID != before.RepoOwnerID || p.RepositoryID != before.RepositoryID || p.Workflow != before.Workflow {
				t.Errorf("Match changed the policy: %+v", p)
			}
			checkMatch(t, res, err, tc.want)
			checkExplainAgrees(t, p, c, tc.opts, res, err)
		})
	}
}

func checkMatch(t *testing.T, res Result, err error, w want) {
	t.Helper()
	if w.ok {
		if err != nil {
			t.Fatalf("Match: %v, want a match", err)
		}
		if res.Bind != w.bind {
			t.Errorf("Bind = %v, want %v", res.Bind, w.bind)
		}
		return
	}
	var me *MatchError
	if !errors.As(err, &me) {
		t.Fatalf("Match = %+v, %v; want a *MatchError", res, err)
	}
	if res.Bind {
		t.Error("a failed match asks to bind")
	}
	if me.Specific != w.specific || me.Expired != w.expired {
		t.Errorf("Specific, Expired = %v, %v; want %v, %v (%q)", me.Specific, me.Expired, w.specific, w.expired, me.Msg)
	}
	switch {
	case w.specific && me.Msg != w.msg:
		t.Errorf("Msg = %q\nwant  %q", me.Msg, w.msg)
	case !w.specific && me.Msg == "":
		t.Error("a generic error without a reason for the logs")
	}
}
