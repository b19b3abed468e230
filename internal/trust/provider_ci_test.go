package trust_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// ciEnv is a test issuer of one claim-rule kind and a verifier trusting it.
type ciEnv struct {
	iss    *trusttest.Issuer
	issuer trust.Issuer
	v      *trust.Verifier
	now    time.Time
}

func newCIEnv(t *testing.T, provider trust.Provider, claims ...string) *ciEnv {
	t.Helper()
	var iss *trusttest.Issuer
	if provider == trust.CircleCI {
		iss = trusttest.CircleCIIssuer(t)
	} else {
		iss = trusttest.NewIssuer(t)
	}
	issuers := []trust.Issuer{{URL: iss.URL, Provider: provider, Name: "test"}}
	if provider == trust.OIDC {
		if err := trust.ApplyOIDCClaims(issuers, iss.URL+"="+strings.Join(claims, ",")); err != nil {
			t.Fatal(err)
		}
	}
	now := trusttest.Epoch()
	v, err := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: audience, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return &ciEnv{iss: iss, issuer: issuers[0], v: v, now: now}
}

// policy builds a policy from field values as the registry does, bound
// to IDs when given.
func (e *ciEnv) policy(t *testing.T, values map[string]string, ownerID, repoID string) *trust.Policy {
	t.Helper()
	prof, ok := trust.ProfileOf(e.issuer)
	if !ok {
		t.Fatalf("no profile for %s", e.issuer.Provider)
	}
	rules, err := prof.Rules(values)
	if err != nil {
		t.Fatalf("Rules: %v", err)
	}
	return &trust.Policy{ID: 1, Name: "p", Provider: e.issuer.Provider, Issuer: e.issuer.URL, Rules: rules,
		RepoOwnerID: ownerID, RepositoryID: repoID, PendingSince: e.now.Add(-time.Hour)}
}

func (e *ciEnv) claims(t *testing.T, claims map[string]any) (*trust.Claims, error) {
	t.Helper()
	return e.v.Verify(context.Background(), e.iss.Token(claims))
}

// matchCase is one row of a Match table: a change to the token's claims
// and to the policy, and what Match must say.
type matchCase struct {
	name     string
	token    func(map[string]any)
	policy   func(*trust.Policy)
	bind     bool   // Result.Bind
	specific string // "" and !generic: matches
	generic  bool   // refused without disclosure
}

func runMatchTable(t *testing.T, e *ciEnv, base func() map[string]any, policy func() *trust.Policy, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims := base()
			if tc.token != nil {
				tc.token(claims)
			}
			c, err := e.claims(t, claims)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			p := policy()
			if tc.policy != nil {
				tc.policy(p)
			}
			res, err := trust.Match(p, c, e.now, trust.MatchOptions{})
			trust.CheckExplainAgrees(t, p, c, e.now, trust.MatchOptions{}, res, err)
			var me *trust.MatchError
			switch {
			case tc.generic:
				if !errors.As(err, &me) || me.Specific {
					t.Fatalf("Match = %v, want a generic refusal", err)
				}
			case tc.specific != "":
				if !errors.As(err, &me) || !me.Specific || me.Msg != tc.specific {
					t.Fatalf("Match = %v, want specific %q", err, tc.specific)
				}
			case err != nil:
				t.Fatalf("Match: %v", err)
			case res.Bind != tc.bind:
				t.Fatalf("Bind = %v, want %v", res.Bind, tc.bind)
			}
		})
	}
}

func TestMatchBuildkite(t *testing.T) {
	e := newCIEnv(t, trust.Buildkite)
	base := func() map[string]any { return trusttest.BuildkiteClaims(e.iss.URL, audience, e.now) }
	pending := func() *trust.Policy {
		return e.policy(t, map[string]string{"organization": "acme-inc", "pipeline": "sdk-release", "branch": "main"}, "", "")
	}
	bound := func(p *trust.Policy) {
		p.RepoOwnerID, p.RepositoryID = trusttest.BuildkiteOrgID, trusttest.BuildkitePipelineID
	}
	runMatchTable(t, e, base, pending, []matchCase{
		{name: "pending policy matches and binds", bind: true},
		{name: "bound policy matches", policy: bound},
		{name: "look-alike organisation", token: func(m map[string]any) { m["organization_slug"] = "acme-inc-evil" }, generic: true},
		{name: "organisation prefix", token: func(m map[string]any) { m["organization_slug"] = "acme" }, generic: true},
		{name: "organisation in other case", token: func(m map[string]any) { m["organization_slug"] = "ACME-INC" }, generic: true},
		{name: "other pipeline", token: func(m map[string]any) { m["pipeline_slug"] = "sdk-release-2" }, generic: true},
		{name: "re-created organisation (new ID) refused by a bound policy", policy: bound,
			token: func(m map[string]any) { m["organization_id"] = "0184990a-9999-4fa8-9968-496074483cee" }, generic: true},
		{name: "re-created pipeline (new ID) refused by a bound policy", policy: bound,
			token: func(m map[string]any) { m["pipeline_id"] = "0184990a-9999-4fa8-9968-496074483cee" }, generic: true},
		{name: "other branch", token: func(m map[string]any) { m["build_branch"] = "feature" },
			specific: "Branch mismatch for policy 'p': expected 'main', actual 'feature'"},
		{name: "branch glob", token: func(m map[string]any) { m["build_branch"] = "release/1.0" },
			policy: func(p *trust.Policy) { p.Rules.Match[2].Value = "release/*" }, bind: true},
		{name: "branch glob refuses others", token: func(m map[string]any) { m["build_branch"] = "main" },
			policy:   func(p *trust.Policy) { p.Rules.Match[2].Value = "release/*" },
			specific: "Branch mismatch for policy 'p': expected 'release/*', actual 'main'"},
		{name: "no branch rule: any branch", token: func(m map[string]any) { m["build_branch"] = "feature" },
			policy: func(p *trust.Policy) { p.Rules.Match = p.Rules.Match[:2] }, bind: true},
		{name: "expired pending policy", policy: func(p *trust.Policy) { p.PendingSince = e.now.Add(-8 * 24 * time.Hour) },
			specific: "The policy 'p' has expired. Sign in and renew the trust policy on the Trusted Publishing page."},
		{name: "policy of another kind", policy: func(p *trust.Policy) { p.Provider = trust.CircleCI }, generic: true},
	})
}

func TestVerifyBuildkite(t *testing.T) {
	e := newCIEnv(t, trust.Buildkite)
	c, err := e.claims(t, trusttest.BuildkiteClaims(e.iss.URL, audience, e.now))
	if err != nil {
		t.Fatal(err)
	}
	if c.Repository != "acme-inc/sdk-release" || c.RepoOwnerID != trusttest.BuildkiteOrgID || c.RepositoryID != trusttest.BuildkitePipelineID ||
		c.Ref != "main" || c.RunID != "42" || c.SHA != trusttest.SHA {
		t.Fatalf("claims = %+v", c)
	}
	for _, missing := range []string{"organization_id", "pipeline_id"} {
		m := trusttest.BuildkiteClaims(e.iss.URL, audience, e.now)
		delete(m, missing)
		_, err := e.claims(t, m)
		wantReject(t, err, "The JSON web token must have organization_id and pipeline_id claims: request it with buildkite-agent oidc request-token --claim organization_id,pipeline_id.")
	}
	m := trusttest.BuildkiteClaims(e.iss.URL, audience, e.now)
	delete(m, "pipeline_slug")
	_, err = e.claims(t, m)
	wantReject(t, err, "The JSON web token must have a pipeline_slug claim.")
}

func TestMatchCircleCI(t *testing.T) {
	e := newCIEnv(t, trust.CircleCI)
	base := func() map[string]any { return trusttest.CircleCIClaims(e.iss.URL, audience, e.now) }
	policy := func() *trust.Policy {
		return e.policy(t, map[string]string{"project": trusttest.CircleCIProjectID, "ref": "refs/heads/main", "context": trusttest.CircleCIContextID},
			trusttest.CircleCIOrgID, trusttest.CircleCIProjectID)
	}
	runMatchTable(t, e, base, policy, []matchCase{
		{name: "matches, bound at creation"},
		{name: "other project", token: func(m map[string]any) {
			m["oidc.circleci.com/project-id"] = "c0ffee00-1234-4abc-8def-001122334466"
			m["sub"] = strings.Replace(m["sub"].(string), trusttest.CircleCIProjectID, "c0ffee00-1234-4abc-8def-001122334466", 1)
		}, generic: true},
		{name: "another organisation's issuer", policy: func(p *trust.Policy) {
			p.Issuer = strings.Replace(p.Issuer, trusttest.CircleCIOrgID, "00000000-0000-4000-8000-000000000000", 1)
		}, generic: true},
		{name: "bound project ID differs (policy edited in the database)", policy: func(p *trust.Policy) { p.RepositoryID = "other" }, generic: true},
		{name: "other ref", token: func(m map[string]any) { m["oidc.circleci.com/vcs-ref"] = "refs/heads/dev" },
			specific: "Ref mismatch for policy 'p': expected 'refs/heads/main', actual 'refs/heads/dev'"},
		{name: "ref glob", token: func(m map[string]any) { m["oidc.circleci.com/vcs-ref"] = "refs/tags/v1.2.3" },
			policy: func(p *trust.Policy) { p.Rules.Match[1].Value = "refs/tags/v*" }},
		{name: "missing ref (custom webhook)", token: func(m map[string]any) { delete(m, "oidc.circleci.com/vcs-ref") },
			specific: "Ref mismatch for policy 'p': expected 'refs/heads/main', actual ''"},
		{name: "context among several", token: func(m map[string]any) {
			m["oidc.circleci.com/context-ids"] = []any{"cb32986e-2f6f-4f43-b2bd-d3c2fd98e903", trusttest.CircleCIContextID}
		}},
		{name: "without the context", token: func(m map[string]any) { m["oidc.circleci.com/context-ids"] = []any{} },
			specific: "Context mismatch for policy 'p': expected '" + trusttest.CircleCIContextID + "', actual ''"},
		{name: "SSH rerun refused", token: func(m map[string]any) { m["oidc.circleci.com/ssh-rerun"] = true },
			specific: "The CircleCI job was rerun with SSH, so anyone with SSH access could use its token; policy 'p' does not accept it. Rerun the job without SSH."},
	})
}

func TestVerifyCircleCI(t *testing.T) {
	e := newCIEnv(t, trust.CircleCI)
	m := trusttest.CircleCIClaims(e.iss.URL, audience, e.now)
	c, err := e.claims(t, m)
	if err != nil {
		t.Fatal(err)
	}
	if c.RepoOwnerID != trusttest.CircleCIOrgID || c.RepositoryID != trusttest.CircleCIProjectID || c.ActorID != trusttest.CircleCIUserID ||
		!strings.HasPrefix(c.JTI, "sha256:") || c.Ref != "refs/heads/main" {
		t.Fatalf("claims = %+v", c)
	}
	again, _ := e.claims(t, m)
	if again.JTI != c.JTI {
		t.Fatalf("the same token got two IDs, %s and %s: a replay would buy a second key", c.JTI, again.JTI)
	}
	m["sub"] = "org/00000000-0000-0000-0000-000000000000/project/" + trusttest.CircleCIProjectID + "/user/x"
	_, err = e.claims(t, m)
	wantReject(t, err, "The JSON web token's sub claim does not name its organisation and project.")
	m = trusttest.CircleCIClaims(e.iss.URL, "7a1c3b5e-2f4d-4e6a-9b8c-0d1e2f3a4b5c", e.now) // the default audience: the org ID
	_, err = e.claims(t, m)
	wantReject(t, err, "The JSON web token has an incorrect audience.")
}

func TestMatchGenericOIDC(t *testing.T) {
	e := newCIEnv(t, trust.OIDC, "repo", "ref", "id:repo_id")
	base := func() map[string]any {
		return map[string]any{"iss": e.iss.URL, "aud": audience, "sub": "repo:contoso/sdk", "jti": trusttest.JTI(),
			"iat": e.now.Unix(), "exp": e.now.Add(5 * time.Minute).Unix(),
			"repo": "contoso/sdk", "ref": "refs/heads/main", "repo_id": 4242}
	}
	pending := func() *trust.Policy {
		return e.policy(t, map[string]string{"repo": "contoso/sdk", "ref": "refs/heads/main"}, "", "")
	}
	runMatchTable(t, e, base, pending, []matchCase{
		{name: "pending policy binds", bind: true},
		{name: "bound policy matches", policy: func(p *trust.Policy) { p.RepoOwnerID, p.RepositoryID = "-", "repo_id=4242" }},
		{name: "rebinding to another ID refused", policy: func(p *trust.Policy) { p.RepoOwnerID, p.RepositoryID = "-", "repo_id=4242" },
			token: func(m map[string]any) { m["repo_id"] = 9999 }, generic: true},
		{name: "look-alike owner", token: func(m map[string]any) { m["repo"] = "contoso-evil/sdk" }, generic: true},
		{name: "other ref (every named claim is identity)", token: func(m map[string]any) { m["ref"] = "refs/heads/dev" }, generic: true},
	})
	m := base()
	delete(m, "ref")
	_, err := e.claims(t, m)
	wantReject(t, err, "The JSON web token must have a ref claim.")
	m = base()
	delete(m, "repo_id")
	_, err = e.claims(t, m)
	wantReject(t, err, "The JSON web token must have a repo_id claim.")
}

func TestProfileRules(t *testing.T) {
	bk, _ := trust.ProfileOf(trust.Issuer{Provider: trust.Buildkite})
	for _, tc := range []struct {
		values map[string]string
		field  string
	}{
		{map[string]string{"pipeline": "x"}, "organization"},
		{map[string]string{"organization": "acme", "pipeline": "sdk-*"}, "pipeline"},
		{map[string]string{"organization": "acme", "pipeline": "sdk", "branch": "*"}, "branch"},
		{map[string]string{"organization": "acme", "pipeline": "sdk", "workflow": "x"}, "workflow"},
	} {
		_, err := bk.Rules(tc.values)
		var re *trust.RuleError
		if !errors.As(err, &re) || re.Field != tc.field {
			t.Errorf("Rules(%v) = %v, want an error about %s", tc.values, err, tc.field)
		}
	}
	r, err := bk.Rules(map[string]string{"organization": "Acme-Inc", "pipeline": "SDK"})
	if err != nil || r.Value("organization_slug") != "acme-inc" || len(r.Bind) != 2 {
		t.Fatalf("Rules = %+v, %v", r, err)
	}
}

func TestApplyOIDCClaims(t *testing.T) {
	issuers := func() []trust.Issuer {
		return []trust.Issuer{{Name: "corp", URL: "https://ci.example.com", Provider: trust.OIDC}, {Name: "gitlab", URL: "https://gitlab.com", Provider: trust.GitLab}}
	}
	for spec, want := range map[string]string{
		"":                                     "needs the claims",
		"https://ci.example.com=id:x":          "names no claim to match",
		"https://ci.example.com=repo,aud":      "aud is checked by Wharf",
		"https://gitlab.com=repo":              "not an oidc issuer",
		"https://ci.example.com=repo,,ref":     "empty claim name",
		"https://ci.example.com=repo,repo":     "twice",
		"https://ci.example.com":               "has no '='",
		"https://ci.example.com=re po":         "spaces",
		"gitlab=repo":                          "not an oidc issuer",
		"corp=repo;https://ci.example.com=ref": "twice",
	} {
		err := trust.ApplyOIDCClaims(issuers(), spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ApplyOIDCClaims(%q) = %v, want %q", spec, err, want)
		}
	}
	is := issuers()
	if err := trust.ApplyOIDCClaims(is, " https://ci.example.com = repo , ref, id:repo_id ;"); err != nil {
		t.Fatal(err)
	}
	if strings.Join(is[0].MatchClaims(), ",") != "repo,ref" || strings.Join(is[0].IDClaims(), ",") != "repo_id" {
		t.Fatalf("issuer = %+v", is[0])
	}
	// By the issuer's name in trusted_issuers, as the docs write it.
	is = issuers()
	if err := trust.ApplyOIDCClaims(is, "corp=sub"); err != nil || strings.Join(is[0].MatchClaims(), ",") != "sub" {
		t.Fatalf("by name: %+v, %v", is[0], err)
	}
}

func TestParseIssuersCIKinds(t *testing.T) {
	is, err := trust.ParseIssuers("buildkite,circleci=https://oidc.circleci.com/org/" + trusttest.CircleCIOrgID + ",corp=oidc:https://ci.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if is[0].URL != trust.BuildkiteIssuer || is[0].Name != "buildkite" || is[0].Title != "Buildkite" || is[1].Provider != trust.CircleCI ||
		is[1].Title != "CircleCI (organisation "+trusttest.CircleCIOrgID+")" || is[2].Provider != trust.OIDC || is[2].Name != "corp" {
		t.Fatalf("issuers = %+v", is)
	}
	for _, bad := range []string{"circleci", "circleci=https://oidc.circleci.com", "oidc", "corp=oidc"} {
		if _, err := trust.ParseIssuers(bad); err == nil {
			t.Errorf("ParseIssuers(%q) accepted", bad)
		}
	}
}
