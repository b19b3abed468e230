package trusttest

import (
	"testing"
	"time"
)

// The IDs the Buildkite and CircleCI claim sets name.
const (
	BuildkiteOrgID      = "0184990a-0001-4fa8-9968-496074483cee"
	BuildkitePipelineID = "0184990a-0002-4fa8-9968-496074483cee"
	CircleCIOrgID       = "7a1c3b5e-2f4d-4e6a-9b8c-0d1e2f3a4b5c"
	CircleCIProjectID   = "c0ffee00-1234-4abc-8def-001122334455"
	CircleCIUserID      = "5e1f3c9a-7b2d-4e6f-8091-a2b3c4d5e6f7"
	CircleCIContextID   = "a74579f1-2e7d-451e-b009-5c082ad2729e"
)

// BuildkiteClaims is a Buildkite agent token's claim set for a build of
// branch main of pipeline sdk-release in organisation acme-inc, as
// buildkite-agent oidc request-token --claim organization_id,pipeline_id
// issues it: build_number a JSON number, build_tag and step_key null
// unless set, a random jti, exp five minutes after iat.
func BuildkiteClaims(issuer, audience string, now time.Time) map[string]any {
	return map[string]any{
		"iss":                issuer,
		"aud":                audience,
		"sub":                "organization:acme-inc:pipeline:sdk-release:ref:refs/heads/main:commit:" + SHA + ":step:publish",
		"jti":                JTI(),
		"iat":                now.Unix(),
		"nbf":                now.Unix(),
		"exp":                now.Add(5 * time.Minute).Unix(),
		"organization_slug":  "acme-inc",
		"pipeline_slug":      "sdk-release",
		"build_number":       42,
		"build_branch":       "main",
		"build_tag":          nil,
		"build_commit":       SHA,
		"step_key":           "publish",
		"job_id":             "0184990a-477b-4fa8-9968-496074483cee",
		"agent_id":           "0184990a-4782-42b5-afc1-16715b10b8ff",
		"build_source":       "ui",
		"runner_environment": "buildkite-hosted",
		"organization_id":    BuildkiteOrgID,
		"pipeline_id":        BuildkitePipelineID,
	}
}

// CircleCIClaims is a CircleCI token's claim set ($CIRCLE_OIDC_TOKEN_V2
// shape) for project CircleCIProjectID of organisation CircleCIOrgID, on
// refs/heads/main of github.com/contoso/sdk with one context, not an SSH
// rerun. CircleCI's tokens have no jti and no nbf; aud is the audience
// the job asked for (circleci run oidc get --claims '{"aud": ...}').
func CircleCIClaims(issuer, audience string, now time.Time) map[string]any {
	return map[string]any{
		"iss": issuer,
		"aud": audience,
		"sub": "org/" + CircleCIOrgID + "/project/" + CircleCIProjectID + "/user/" + CircleCIUserID +
			"/vcs-origin/github.com/contoso/sdk/vcs-ref/refs/heads/main",
		"iat":                           now.Unix(),
		"exp":                           now.Add(time.Hour).Unix(),
		"oidc.circleci.com/project-id":  CircleCIProjectID,
		"oidc.circleci.com/vcs-origin":  "github.com/contoso/sdk",
		"oidc.circleci.com/vcs-ref":     "refs/heads/main",
		"oidc.circleci.com/context-ids": []any{CircleCIContextID},
		"oidc.circleci.com/ssh-rerun":   false,
	}
}

// CircleCIIssuer starts an issuer at /org/CircleCIOrgID (NewIssuerAt), as
// CircleCI's issuer of that organisation.
func CircleCIIssuer(t testing.TB) *Issuer { return NewIssuerAt(t, "/org/"+CircleCIOrgID) }
