package trust_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

func TestParseIssuers(t *testing.T) {
	gha := trust.Issuer{Name: "github", Kind: "github", URL: trust.GitHubActionsIssuer, Provider: trust.GitHub, Title: "GitHub Actions"}
	glc := trust.Issuer{Name: "gitlab", Kind: "gitlab", URL: "https://gitlab.com", Provider: trust.GitLab, Title: "GitLab.com"}
	tests := []struct {
		name    string
		in      string
		want    []trust.Issuer
		wantErr string // a phrase of the error; "" = no error
	}{
		{"default", "", []trust.Issuer{gha}, ""},
		{"blank is default", "  ", []trust.Issuer{gha}, ""},
		{"kind=URL, named after the kind", "github=https://token.actions.githubusercontent.com, gitlab=https://gitlab.example.com/gitlab", []trust.Issuer{
			gha,
			{Name: "gitlab", Kind: "gitlab", URL: "https://gitlab.example.com/gitlab", Provider: trust.GitLab, Title: "GitLab (gitlab.example.com)"},
		}, ""},
		{"bare kinds", "github,GitLab", []trust.Issuer{gha, glc}, ""},
		{"GitHub Enterprise Server", "github=https://ghe.example.com/_services/token", []trust.Issuer{
			{Name: "github", Kind: "github", URL: "https://ghe.example.com/_services/token", Provider: trust.GitHub, Title: "GitHub Enterprise Server (ghe.example.com)"},
		}, ""},
		{"named", "github, ghes=github:https://ghe.corp.example/_services/token ,gitlab-corp=GitLab:https://gitlab.corp.example,gl2=gitlab", []trust.Issuer{
			gha,
			{Name: "ghes", Kind: "github", URL: "https://ghe.corp.example/_services/token", Provider: trust.GitHub, Title: "GitHub Enterprise Server (ghe.corp.example)"},
			{Name: "gitlab-corp", Kind: "gitlab", URL: "https://gitlab.corp.example", Provider: trust.GitLab, Title: "GitLab (gitlab.corp.example)"},
			{Name: "gl2", Kind: "gitlab", URL: "https://gitlab.com", Provider: trust.GitLab, Title: "GitLab.com"},
		}, ""},
		{"http loopback allowed", "one=github:http://127.0.0.1:8080,gitlab=http://localhost:9000,two=github:http://[::1]:1", []trust.Issuer{
			{Name: "one", Kind: "github", URL: "http://127.0.0.1:8080", Provider: trust.GitHub, Title: "GitHub Enterprise Server (127.0.0.1:8080)"},
			{Name: "gitlab", Kind: "gitlab", URL: "http://localhost:9000", Provider: trust.GitLab, Title: "GitLab (localhost:9000)"},
			{Name: "two", Kind: "github", URL: "http://[::1]:1", Provider: trust.GitHub, Title: "GitHub Enterprise Server ([::1]:1)"},
		}, ""},
		{"two issuers of a kind without names", "gitlab=https://gitlab.com,gitlab=https://gitlab.example.com", nil,
			`trusted issuer "gitlab=https://gitlab.example.com" takes the name "gitlab", which "gitlab=https://gitlab.com" has already: give each issuer its own name, as in gitlab-2=gitlab:https://gitlab.example.com`},
		{"duplicate name", "corp=github:https://a.example,corp=gitlab:https://b.example", nil, `takes the name "corp"`},
		{"upper-case name", "GHES=github:https://ghe.example.com/_services/token", nil, `has the name "GHES": a name is 1 to 40 lowercase letters`},
		{"name with a dot", "ghe.corp=github:https://ghe.example.com/_services/token", nil, `has the name "ghe.corp"`},
		{"name starting with a digit", "1st=github", nil, `has the name "1st"`},
		{"name without a kind", "ghes=https://ghe.example.com/_services/token", nil,
			`trusted issuer "ghes=https://ghe.example.com/_services/token" names no kind: write ghes=KIND:https://ghe.example.com/_services/token with a kind of azure, buildkite, circleci, codeberg, forgejo, github, gitlab, oidc`},
		{"named kind without a URL", "ghes=github:", nil, `has no URL after "github:"`},
		{"unknown kind in a named entry", "ci=jenkins:https://ci.example.com", nil, `trusted issuer "ci=jenkins:https://ci.example.com" has an unknown kind "jenkins": write ci=KIND:URL with a kind of azure, buildkite, circleci, codeberg, forgejo, github, gitlab, oidc`},
		{"http elsewhere refused", "gitlab=http://gitlab.example.com", nil, `"gitlab=http://gitlab.example.com": the URL "http://gitlab.example.com" must use https`},
		{"http on a private address refused", "github=http://10.0.0.1/_services/token", nil, "must use https"},
		{"http on a name that looks loopback refused", "github=http://127.0.0.1.example.com", nil, "must use https"},
		{"unknown kind", "Jenkins=https://ci.example.com", nil, `trusted issuer "Jenkins=https://ci.example.com" has an unknown kind "jenkins"`},
		{"unknown bare kind", "jenkins", nil, `trusted issuer "jenkins" has an unknown kind "jenkins": write one of azure, buildkite, circleci, codeberg, forgejo, github, gitlab, oidc, or NAME=KIND:URL`},
		{"empty entry", "github,,gitlab", nil, "trusted issuer entry 2 is empty"},
		{"trailing comma", "github,", nil, "trusted issuer entry 2 is empty"},
		{"duplicate", "github,public=github:https://token.actions.githubusercontent.com", nil, "repeats the issuer of \"github\""},
		{"trailing slash", "gitlab=https://gitlab.example.com/", nil, "must not end with a slash"},
		{"query", "gitlab=https://gitlab.example.com?x=1", nil, "query or fragment"},
		{"fragment", "gitlab=https://gitlab.example.com#x", nil, "query or fragment"},
		{"user info", "gitlab=https://u:p@gitlab.example.com", nil, "user info"},
		{"relative", "gitlab=gitlab.example.com", nil, "must be absolute"},
		{"other scheme", "gitlab=ftp://gitlab.example.com", nil, "must use https"},
		{"upper-case scheme", "gitlab=HTTPS://gitlab.example.com", nil, "lower case"},
		{"unclean path", "github=https://ghe.example.com/a/../_services/token", nil, "unclean"},
		{"empty URL", "github=", nil, "empty"},
		{"space inside", "github=https://ghe.example.com/_services/ token", nil, "spaces"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := trust.ParseIssuers(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseIssuers(%q) = %v, %v; want an error with %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseIssuers(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseIssuers(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestValidateIssuerURL(t *testing.T) {
	for _, ok := range []string{trust.GitHubActionsIssuer, trust.GitLabComIssuer, "https://ghe.example.com/_services/token", "http://127.0.0.2:1234", "https://gitlab.example.com:8443"} {
		if err := trust.ValidateIssuerURL(ok); err != nil {
			t.Errorf("ValidateIssuerURL(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "https://", "https:///path", "http://example.com", "https://example.com/", "https://example.com//x", "https://example.com/a%2Fb", "mailto:a@b.c"} {
		if err := trust.ValidateIssuerURL(bad); err == nil {
			t.Errorf("ValidateIssuerURL(%q) accepted", bad)
		}
	}
}

func TestVerifyKeyRotation(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	old := e.iss.Token(e.github())
	e.mustVerify(t, old)
	if n := e.iss.JWKSFetches(); n != 1 {
		t.Fatalf("JWKS fetches after the first token = %d, want 1", n)
	}
	kid := e.iss.Rotate()
	e.mustVerify(t, e.iss.Token(e.github()))
	if n := e.iss.JWKSFetches(); n != 2 {
		t.Errorf("JWKS fetches after a token with new kid %s = %d, want 2", kid, n)
	}
	e.mustVerify(t, old) // the old key is still published and cached
	e.mustVerify(t, e.iss.TokenWith(trusttest.SignOptions{SignWith: "k1"}, e.github()))
	if n := e.iss.JWKSFetches(); n != 2 {
		t.Errorf("JWKS fetches = %d, want still 2", n)
	}

	// A second rotation within the cool-down is not seen until it passes.
	e.iss.Rotate()
	tok := e.iss.Token(e.github())
	_, err := e.verify(t, tok)
	wantReject(t, err, "The JSON web token has an invalid signature.")
	if n := e.iss.JWKSFetches(); n != 2 {
		t.Errorf("JWKS fetches within the cool-down = %d, want 2", n)
	}
	e.clock.Advance(time.Minute)
	e.mustVerify(t, tok)
	if n := e.iss.JWKSFetches(); n != 3 {
		t.Errorf("JWKS fetches after the cool-down = %d, want 3", n)
	}
}

func TestVerifyUnknownKidSpray(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	e.mustVerify(t, e.iss.Token(e.github()))
	before := e.iss.JWKSFetches()
	for i := range 20 {
		_, err := e.verify(t, e.iss.TokenWith(trusttest.SignOptions{KID: fmt.Sprintf("random-%d-%s", i, trusttest.JTI())}, e.github()))
		wantReject(t, err, "The JSON web token has an invalid signature.")
	}
	if extra := e.iss.JWKSFetches() - before; extra > 1 {
		t.Errorf("20 unknown kids caused %d JWKS fetches within the cool-down, want at most 1", extra)
	}
	// A bad signature under a known kid never refetches.
	e.clock.Advance(time.Hour)
	before = e.iss.JWKSFetches()
	for range 5 {
		_, err := e.verify(t, e.iss.TokenWith(trusttest.SignOptions{Tamper: map[string]any{"repository": "evil/x"}}, e.github()))
		wantReject(t, err, "The JSON web token has an invalid signature.")
	}
	if n := e.iss.JWKSFetches(); n != before {
		t.Errorf("tampered tokens with a known kid caused %d JWKS fetches", n-before)
	}
	// Valid tokens still pass during and after the spray.
	e.mustVerify(t, e.iss.Token(e.github()))
}

func TestVerifyWarmCacheNoNetwork(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	e.mustVerify(t, e.iss.Token(e.github()))
	d, j := e.iss.Discoveries(), e.iss.JWKSFetches()
	if d != 1 || j != 1 {
		t.Fatalf("cold start: %d discoveries, %d JWKS fetches; want 1, 1", d, j)
	}
	for range 100 {
		e.mustVerify(t, e.iss.Token(e.github()))
	}
	if e.iss.Discoveries() != d || e.iss.JWKSFetches() != j {
		t.Errorf("100 warm verifications: %d discoveries, %d JWKS fetches; want none", e.iss.Discoveries()-d, e.iss.JWKSFetches()-j)
	}
}

func TestVerifyConcurrentColdStart(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 16 {
		tok := e.iss.Token(e.github())
		wg.Go(func() {
			if _, err := e.v.Verify(context.Background(), tok); err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if failed.Load() != 0 || e.iss.Discoveries() != 1 || e.iss.JWKSFetches() != 1 {
		t.Errorf("%d failed; %d discoveries, %d JWKS fetches; want 0, 1, 1", failed.Load(), e.iss.Discoveries(), e.iss.JWKSFetches())
	}
}

func TestVerifyIssuerUnreachable(t *testing.T) {
	var hits atomic.Int32
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down for maintenance", http.StatusBadGateway)
	}))
	defer down.Close()
	iss := trusttest.NewIssuer(t)
	c := trusttest.NewClock(time.Now())
	v, err := trust.NewVerifier(trust.VerifierOptions{
		Issuers: []trust.Issuer{{URL: down.URL, Provider: trust.GitHub}}, Audience: audience, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	// The test issuer signs, but the verifier discovers from the down one.
	tok := iss.Token(trusttest.GitHubClaims(down.URL, audience, c.Now()))
	for range 3 {
		_, err = v.Verify(context.Background(), tok)
		var ve *trust.VerifyError
		if !errors.As(err, &ve) || ve.Status != http.StatusServiceUnavailable || ve.Err == nil {
			t.Fatalf("Verify = %v, want a 503 VerifyError with a cause", err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("3 tokens within the cool-down hit the down issuer %d times, want 1", n)
	}
	c.Advance(time.Minute)
	v.Verify(context.Background(), tok)
	if n := hits.Load(); n != 2 {
		t.Errorf("after the cool-down: %d hits, want 2", n)
	}
}

func TestVerifyDiscoveryIssuerMismatch(t *testing.T) {
	// A discovery document naming another issuer is refused (go-oidc).
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": "https://elsewhere.example.com", "jwks_uri": "https://elsewhere.example.com/jwks"})
	}))
	defer srv.Close()
	iss := trusttest.NewIssuer(t)
	v, err := trust.NewVerifier(trust.VerifierOptions{Issuers: []trust.Issuer{{URL: srv.URL, Provider: trust.GitHub}}, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), iss.Token(trusttest.GitHubClaims(srv.URL, audience, time.Now())))
	var ve *trust.VerifyError
	if !errors.As(err, &ve) || ve.Status != http.StatusServiceUnavailable {
		t.Fatalf("Verify = %v, want 503", err)
	}
}
