package trusttest

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"time"
)

// SHA is the commit every claim set names.
const SHA = "5e1f3c9a7b2d4e6f8091a2b3c4d5e6f708192a3b"

// GitHubClaims is a complete GitHub Actions token claim set, as GitHub
// issues for a push of tag v1.2.3 of contoso/sdk running
// .github/workflows/release.yml in environment prod: IDs as JSON strings
// (repository_id 123456, repository_owner_id 654321), a random jti, iat
// and nbf now, exp five minutes later. Tests change what they need.
func GitHubClaims(issuer, audience string, now time.Time) map[string]any {
	const ref = "refs/tags/v1.2.3"
	const wf = "contoso/sdk/.github/workflows/release.yml@" + ref
	return map[string]any{
		"iss":                   issuer,
		"aud":                   audience,
		"sub":                   "repo:contoso/sdk:environment:prod",
		"jti":                   JTI(),
		"iat":                   now.Unix(),
		"nbf":                   now.Unix(),
		"exp":                   now.Add(5 * time.Minute).Unix(),
		"ref":                   ref,
		"ref_type":              "tag",
		"ref_protected":         "true",
		"sha":                   SHA,
		"repository":            "contoso/sdk",
		"repository_id":         "123456",
		"repository_owner":      "contoso",
		"repository_owner_id":   "654321",
		"repository_visibility": "public",
		"actor":                 "octocat",
		"actor_id":              "583231",
		"workflow":              "Release",
		"workflow_ref":          wf,
		"workflow_sha":          SHA,
		"job_workflow_ref":      wf,
		"job_workflow_sha":      SHA,
		"run_id":                "9876543210",
		"run_number":            "42",
		"run_attempt":           "1",
		"event_name":            "push",
		"environment":           "prod",
		"environment_node_id":   "EN_kwDOABCDEF4AAAAAbcdefg",
		"runner_environment":    "github-hosted",
		"head_ref":              "",
		"base_ref":              "",
		"check_run_id":          "31415926535",
	}
}

// GitLabClaims is a complete GitLab CI id_tokens claim set for a pipeline
// on branch main of contoso/sdk (project_id 4242, namespace_id 7070)
// deploying to environment production: a random jti, iat and nbf now, exp
// five minutes later. ci_config_ref_uri names the issuer's host.
func GitLabClaims(issuer, audience string, now time.Time) map[string]any {
	host := issuer
	if u, err := url.Parse(issuer); err == nil && u.Host != "" {
		host = u.Host + u.Path
	}
	return map[string]any{
		"iss":                   issuer,
		"aud":                   audience,
		"sub":                   "project_path:contoso/sdk:ref_type:branch:ref:main",
		"jti":                   JTI(),
		"iat":                   now.Unix(),
		"nbf":                   now.Unix(),
		"exp":                   now.Add(5 * time.Minute).Unix(),
		"namespace_id":          "7070",
		"namespace_path":        "contoso",
		"project_id":            "4242",
		"project_path":          "contoso/sdk",
		"project_visibility":    "public",
		"user_id":               "31",
		"user_login":            "alice",
		"user_email":            "alice@example.com",
		"user_access_level":     "maintainer",
		"pipeline_id":           "1100223",
		"pipeline_source":       "push",
		"job_id":                "5500667",
		"ref":                   "main",
		"ref_type":              "branch",
		"ref_path":              "refs/heads/main",
		"ref_protected":         "true",
		"environment":           "production",
		"environment_protected": "true",
		"deployment_tier":       "production",
		"runner_id":             17,
		"runner_environment":    "gitlab-hosted",
		"sha":                   SHA,
		"ci_config_ref_uri":     host + "/contoso/sdk//.gitlab-ci.yml@refs/heads/main",
		"ci_config_sha":         SHA,
	}
}

// JTI returns a random token ID, as issuers make them.
func JTI() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
