// End-to-end exchanges for the claim-rule issuers: Buildkite, CircleCI and
// a generic OpenID Connect issuer, each signing tokens in its system's
// claim shape, against the real server over HTTP, then a push with the
// minted key (no dotnet).

package web_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// ciFeed is a feed that trusts a Buildkite, a CircleCI and a generic
// OIDC issuer (claims repo and ref, ID claim repo_id), all on 127.0.0.1.
type ciFeed struct {
	*feed
	bk, cc, gen *trusttest.Issuer
	clock       *trusttest.Clock
	audience    string
}

func newCIFeed(t *testing.T) *ciFeed {
	t.Helper()
	f := &ciFeed{bk: trusttest.NewIssuer(t), cc: trusttest.CircleCIIssuer(t), gen: trusttest.NewIssuer(t),
		clock: trusttest.NewClock(trusttest.Epoch()), audience: "https://wharf.example.com"}
	issuers, err := trust.ParseIssuers("buildkite=" + f.bk.URL + ",circleci=" + f.cc.URL + ",oidc=" + f.gen.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := trust.ApplyOIDCClaims(issuers, f.gen.URL+"=repo,ref,id:repo_id"); err != nil {
		t.Fatal(err)
	}
	v, err := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: f.audience, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	f.feed = newFeedWith(t, registry.Options{Now: f.clock.Now, Verifier: v, Issuers: issuers})
	return f
}

func (f *ciFeed) policy(req registry.NewPolicy) *registry.PolicyView {
	f.t.Helper()
	req.User = "alice"
	v, err := f.reg.CreatePolicy(context.Background(), req)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// exchangeWant exchanges a token for alice and checks the status and,
// when given, that the answer's error contains want.
func (f *ciFeed) exchangeWant(token string, status int, want string) string {
	f.t.Helper()
	res, out := f.exchange(token, "alice")
	if res.StatusCode != status || !strings.Contains(out["error"], want) {
		f.t.Fatalf("exchange: %s %v, want %d %q", res.Status, out, status, want)
	}
	return out["apiKey"]
}

func (f *ciFeed) pushWith(key, id string) {
	f.t.Helper()
	if res := f.push(key, nugettest.Spec{ID: id, Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		f.t.Fatalf("push %s with the minted key: %s", id, res.Status)
	}
}

func (f *ciFeed) stored(id int64) *registry.PolicyView {
	f.t.Helper()
	ps, err := f.reg.Policies(context.Background(), "alice")
	if err != nil {
		f.t.Fatal(err)
	}
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i]
		}
	}
	f.t.Fatalf("no policy %d", id)
	return nil
}

const generic = "No matching trust policy owned by user 'alice' was found."

func TestBuildkiteExchangeAndPush(t *testing.T) {
	f := newCIFeed(t)
	p := f.policy(registry.NewPolicy{Provider: trust.Buildkite, Repository: "Acme-Inc/sdk-release", Ref: "main", Globs: []string{"Acme.*"}})
	if p.Status.State != "pending" || p.Rules.Value("organization_slug") != "acme-inc" {
		t.Fatalf("policy = %+v", p)
	}
	claims := func(kv ...any) map[string]any {
		return trusttest.With(trusttest.BuildkiteClaims(f.bk.URL, f.audience, f.clock.Now()), kv...)
	}
	f.exchangeWant(f.bk.Token(claims("organization_id", nil)), http.StatusUnauthorized, "--claim organization_id,pipeline_id")
	f.exchangeWant(f.bk.Token(claims("build_branch", "feature")), http.StatusUnauthorized, "Branch mismatch for policy")
	f.exchangeWant(f.bk.Token(claims("organization_slug", "acme-inc-evil")), http.StatusUnauthorized, generic)
	key := f.exchangeWant(f.bk.Token(claims()), http.StatusOK, "")
	f.pushWith(key, "Acme.Sdk")
	if got := f.stored(p.ID); got.RepoOwnerID != trusttest.BuildkiteOrgID || got.RepositoryID != trusttest.BuildkitePipelineID || got.Status.State != "active" {
		t.Fatalf("after the first use: %+v", got)
	}
	var prov map[string]any
	f.getJSON(f.urls.Provenance("acme.sdk", "1.0.0"), http.StatusOK, &prov)
	if prov["provider"] != "buildkite" || prov["repository"] != "acme-inc/sdk-release" || prov["repositoryId"] != trusttest.BuildkitePipelineID || prov["runId"] != "42" {
		t.Errorf("provenance = %v", prov)
	}
	// The pipeline deleted and re-created under the same slug: new ID.
	f.exchangeWant(f.bk.Token(claims("pipeline_id", "0184990a-7777-4fa8-9968-496074483cee")), http.StatusUnauthorized, generic)
}

func TestCircleCIExchangeAndPush(t *testing.T) {
	f := newCIFeed(t)
	p := f.policy(registry.NewPolicy{Provider: trust.CircleCI, Repository: strings.ToUpper(trusttest.CircleCIProjectID),
		Ref: "refs/heads/main", Claims: map[string]string{"context": trusttest.CircleCIContextID}})
	if p.Status.State != "active" || p.RepoOwnerID != trusttest.CircleCIOrgID || p.RepositoryID != trusttest.CircleCIProjectID {
		t.Fatalf("a CircleCI policy is bound when created: %+v", p)
	}
	claims := func(kv ...any) map[string]any {
		return trusttest.With(trusttest.CircleCIClaims(f.cc.URL, f.audience, f.clock.Now()), kv...)
	}
	f.exchangeWant(f.cc.Token(claims("aud", trusttest.CircleCIOrgID)), http.StatusUnauthorized, "incorrect audience")
	f.exchangeWant(f.cc.Token(claims("oidc.circleci.com/ssh-rerun", true)), http.StatusUnauthorized, "rerun with SSH")
	f.exchangeWant(f.cc.Token(claims("oidc.circleci.com/context-ids", []any{})), http.StatusUnauthorized, "Context mismatch")
	token := f.cc.Token(claims())
	f.pushWith(f.exchangeWant(token, http.StatusOK, ""), "Contoso.Circle")
	f.exchangeWant(token, http.StatusUnauthorized, "already been used") // no jti: the payload's digest stands in
	other := "c0ffee00-1234-4abc-8def-00112233ffff"
	f.exchangeWant(f.cc.Token(claims("oidc.circleci.com/project-id", other,
		"sub", "org/"+trusttest.CircleCIOrgID+"/project/"+other+"/user/"+trusttest.CircleCIUserID)), http.StatusUnauthorized, generic)
}

func TestGenericOIDCExchangeAndPush(t *testing.T) {
	f := newCIFeed(t)
	_, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.OIDC, Claims: map[string]string{"repo": "contoso/sdk"}})
	if registry.Field(err) != "claim:ref" {
		t.Fatalf("a policy without the ref claim: %v (field %q)", err, registry.Field(err))
	}
	p := f.policy(registry.NewPolicy{Provider: trust.OIDC, Claims: map[string]string{"repo": "contoso/sdk", "ref": "refs/heads/main"}})
	if p.Status.State != "pending" || strings.Join(p.Rules.Bind, ",") != "repo_id" {
		t.Fatalf("policy = %+v", p)
	}
	claims := func(kv ...any) map[string]any {
		m := map[string]any{"iss": f.gen.URL, "aud": f.audience, "sub": "repo:contoso/sdk", "jti": trusttest.JTI(),
			"iat": f.clock.Now().Unix(), "exp": f.clock.Now().Unix() + 300, "repo": "contoso/sdk", "ref": "refs/heads/main", "repo_id": "4242"}
		return trusttest.With(m, kv...)
	}
	f.exchangeWant(f.gen.Token(claims("repo_id", nil)), http.StatusUnauthorized, "must have a repo_id claim")
	f.exchangeWant(f.gen.Token(claims("repo", "contoso/sdk-evil")), http.StatusUnauthorized, generic)
	f.pushWith(f.exchangeWant(f.gen.Token(claims()), http.StatusOK, ""), "Contoso.Generic")
	if got := f.stored(p.ID); got.RepositoryID != "repo_id=4242" || got.Status.State != "active" {
		t.Fatalf("after the first use: %+v", got)
	}
	f.exchangeWant(f.gen.Token(claims("repo_id", "9999")), http.StatusUnauthorized, generic)
}

// TestCIPushPoliciesNameTheirBranch: a Buildkite or CircleCI push policy
// must name its branch or ref, as an Azure Pipelines one must: the
// pipeline's IDs are the same for pull-request builds (a fork's included),
// so a policy for every branch would let them publish. "*" is every branch
// too. Read-only policies may leave it out.
func TestCIPushPoliciesNameTheirBranch(t *testing.T) {
	f := newCIFeed(t)
	project := trusttest.CircleCIProjectID
	for _, tc := range []struct {
		name  string
		req   registry.NewPolicy
		field string
	}{
		{"Buildkite without a branch", registry.NewPolicy{Provider: trust.Buildkite, Repository: "acme-inc/sdk-release"}, "branch"},
		{"Buildkite for every branch", registry.NewPolicy{Provider: trust.Buildkite, Repository: "acme-inc/sdk-release", Ref: "*"}, "branch"},
		{"CircleCI without a ref", registry.NewPolicy{Provider: trust.CircleCI, Repository: project}, "ref"},
	} {
		tc.req.User = "alice"
		_, err := f.reg.CreatePolicy(context.Background(), tc.req)
		if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(registry.Message(err), "push policy must") {
			t.Errorf("%s: %v, want a refusal asking for the %s", tc.name, err, tc.field)
		}
	}
	f.policy(registry.NewPolicy{Provider: trust.Buildkite, Repository: "acme-inc/sdk-release", ReadOnly: true})
	f.policy(registry.NewPolicy{Provider: trust.CircleCI, Repository: project, Ref: "refs/tags/v*"})
}
