package trusttest

import (
	"strings"
	"time"
)

// ForgejoClaims is a complete Forgejo Actions ID token claim set, as
// Forgejo (with PR #12355's immutable IDs) signs it for a push of tag
// v1.2.3 of contoso/sdk running .forgejo/workflows/release.yml: GitHub's
// claim names, IDs as JSON strings (repository_id 2323, repository_owner_id
// 1717), the ID-bearing sub, and, as Forgejo, no jti, no environment and no
// job_workflow_ref. iat and nbf now, exp five minutes later (Forgejo's
// default IDTokenExpirationTime is longer; the shape is what matters).
func ForgejoClaims(issuer, audience string, now time.Time) map[string]any {
	const ref = "refs/tags/v1.2.3"
	return map[string]any{
		"iss":                 issuer,
		"aud":                 audience,
		"sub":                 "repo:contoso-1717/sdk-2323:ref:" + ref,
		"iat":                 now.Unix(),
		"nbf":                 now.Unix(),
		"exp":                 now.Add(5 * time.Minute).Unix(),
		"actor":               "alice",
		"actor_id":            "31",
		"base_ref":            "",
		"event_name":          "push",
		"head_ref":            "",
		"ref":                 ref,
		"ref_protected":       "false",
		"ref_type":            "tag",
		"repository":          "contoso/sdk",
		"repository_id":       "2323",
		"repository_owner":    "contoso",
		"repository_owner_id": "1717",
		"run_attempt":         "1",
		"run_id":              "4711",
		"run_number":          "12",
		"sha":                 SHA,
		"workflow":            "release.yml",
		"workflow_ref":        "contoso/sdk/.forgejo/workflows/release.yml@" + ref,
	}
}

// AzureOrgID, AzureProjectID and AzureRepoID are the GUIDs AzureClaims
// names; an Azure test issuer is NewIssuerAt(t, "/"+AzureOrgID).
const (
	AzureOrgID     = "0ca3ddd9-f0b0-4635-a98c-5866526961b6"
	AzureProjectID = "271ef6f7-5998-4b0f-86fb-4b54d9129990"
	AzureRepoID    = "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"
)

// AzureClaims is a complete Azure Pipelines OIDC token claim set, as Azure
// DevOps signs it for run 57 of pipeline definition 12 ("sdk-release") of
// project Contoso SDK in organisation contoso, building branch main of an
// Azure Repos repository: the fixed audience api://AzureADTokenExchange,
// the organisation ID in org_id (the issuer's last segment), a random
// jti, iat and nbf now, exp five minutes later.
func AzureClaims(issuer string, now time.Time) map[string]any {
	org := issuer[strings.LastIndex(issuer, "/")+1:]
	return map[string]any{
		"jti":     JTI(),
		"sub":     "p://contoso/Contoso SDK/sdk-release",
		"aud":     "api://AzureADTokenExchange",
		"org_id":  org,
		"prj_id":  AzureProjectID,
		"def_id":  "12",
		"rpo_id":  AzureRepoID,
		"rpo_uri": "https://dev.azure.com/contoso/Contoso%20SDK/_git/sdk",
		"rpo_ver": SHA,
		"rpo_ref": "refs/heads/main",
		"run_id":  "57",
		"iss":     issuer,
		"nbf":     now.Unix(),
		"exp":     now.Add(5 * time.Minute).Unix(),
		"iat":     now.Unix(),
	}
}
