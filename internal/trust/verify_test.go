package trust_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

const audience = "https://wharf.example.com"

// env is a test issuer on 127.0.0.1 and a verifier that trusts it.
type env struct {
	iss   *trusttest.Issuer
	v     *trust.Verifier
	clock *trusttest.Clock
}

func newEnv(t testing.TB, provider trust.Provider, mod ...func(*trust.VerifierOptions)) *env {
	t.Helper()
	iss := trusttest.NewIssuer(t)
	c := trusttest.NewClock(time.Now().Truncate(time.Second))
	o := trust.VerifierOptions{
		Issuers:  []trust.Issuer{{URL: iss.URL, Provider: provider, Name: "test"}},
		Audience: audience,
		Now:      c.Now,
	}
	for _, m := range mod {
		m(&o)
	}
	v, err := trust.NewVerifier(o)
	if err != nil {
		t.Fatal(err)
	}
	return &env{iss: iss, v: v, clock: c}
}

func (e *env) github() map[string]any {
	return trusttest.GitHubClaims(e.iss.URL, audience, e.clock.Now())
}

func (e *env) verify(t testing.TB, token string) (*trust.Claims, error) {
	t.Helper()
	return e.v.Verify(context.Background(), token)
}

func (e *env) mustVerify(t testing.TB, token string) *trust.Claims {
	t.Helper()
	c, err := e.verify(t, token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return c
}

// wantReject checks that err is a 401 VerifyError with the message.
func wantReject(t testing.TB, err error, msg string) {
	t.Helper()
	var ve *trust.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v, want a *VerifyError %q", err, msg)
	}
	if ve.Status != http.StatusUnauthorized || ve.Msg != msg {
		t.Fatalf("error = %d %q, want 401 %q", ve.Status, ve.Msg, msg)
	}
}

func TestVerifyGitHub(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	claims := e.github()
	c := e.mustVerify(t, e.iss.Token(claims))
	now := e.clock.Now()
	want := trust.Claims{
		IssuerName: "test", Issuer: e.iss.URL, Provider: trust.GitHub, Subject: "repo:contoso/sdk:environment:prod", Audience: audience,
		JTI: claims["jti"].(string), IssuedAt: now, Expiry: now.Add(5 * time.Minute),
		RepoOwner: "contoso", RepoOwnerID: "654321", Repository: "contoso/sdk", RepositoryID: "123456",
		Workflow: "Release", WorkflowRef: "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.2.3", WorkflowSHA: trusttest.SHA,
		JobWorkflowRef: "contoso/sdk/.github/workflows/release.yml@refs/tags/v1.2.3", JobWorkflowSHA: trusttest.SHA,
		RunID: "9876543210", RunNumber: "42", RunAttempt: "1", RepositoryVisibility: "public", RunnerEnvironment: "github-hosted",
		Ref: "refs/tags/v1.2.3", RefType: "tag", SHA: trusttest.SHA, Actor: "octocat", ActorID: "583231",
		EventName: "push", Environment: "prod",
	}
	raw := c.Raw
	c.Raw = nil
	if !c.IssuedAt.Equal(want.IssuedAt) || !c.Expiry.Equal(want.Expiry) {
		t.Errorf("iat, exp = %v, %v; want %v, %v", c.IssuedAt, c.Expiry, want.IssuedAt, want.Expiry)
	}
	c.IssuedAt, c.Expiry, want.IssuedAt, want.Expiry = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("claims:\n got %+v\nwant %+v", *c, want)
	}
	if len(raw) != len(claims) || raw["check_run_id"] != "31415926535" || raw["jti"] != claims["jti"] {
		t.Errorf("Raw has %d claims, want all %d: %v", len(raw), len(claims), raw)
	}
}

func TestVerifyNumericIDs(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	c := e.mustVerify(t, e.iss.Token(trusttest.With(e.github(),
		"repository_id", 123456, "repository_owner_id", int64(9007199254740993), "run_id", 9876543210, "run_attempt", 1)))
	if c.RepositoryID != "123456" || c.RepoOwnerID != "9007199254740993" || c.RunID != "9876543210" || c.RunAttempt != "1" {
		t.Errorf("IDs = %q %q %q %q", c.RepositoryID, c.RepoOwnerID, c.RunID, c.RunAttempt)
	}
}

func TestVerifyGitLab(t *testing.T) {
	e := newEnv(t, trust.GitLab)
	claims := trusttest.With(trusttest.GitLabClaims(e.iss.URL, audience, e.clock.Now()), "project_id", 4242, "namespace_id", 7070)
	c := e.mustVerify(t, e.iss.Token(claims))
	got := []string{string(c.Provider), c.RepoOwner, c.RepoOwnerID, c.Repository, c.RepositoryID, c.Ref, c.RefType,
		c.SHA, c.Actor, c.ActorID, c.EventName, c.Environment, c.RunID, c.JobID, c.CIConfigRefURI, c.CIConfigSHA, c.RunnerEnvironment}
	want := []string{"gitlab", "contoso", "7070", "contoso/sdk", "4242", "main", "branch",
		trusttest.SHA, "alice", "31", "push", "production", "1100223", "5500667",
		strings.TrimPrefix(e.iss.URL, "http://") + "/contoso/sdk//.gitlab-ci.yml@refs/heads/main", trusttest.SHA, "gitlab-hosted"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("claims:\n got %q\nwant %q", got, want)
	}
	if c.WorkflowRef != "" || c.Workflow != "" {
		t.Errorf("GitLab token mapped GitHub claims: %+v", c)
	}
	for _, name := range []string{"namespace_path", "project_path", "namespace_id", "project_id"} {
		t.Run("missing "+name, func(t *testing.T) {
			claims := trusttest.With(trusttest.GitLabClaims(e.iss.URL, audience, e.clock.Now()), name, nil)
			_, err := e.verify(t, e.iss.Token(claims))
			wantReject(t, err, "The JSON web token must have a "+name+" claim.")
		})
	}
}

// TestVerifyClaims covers the time, audience, jti and required-claim
// checks; leeway is the default 30s.
func TestVerifyClaims(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	now := e.clock.Now()
	at := func(d time.Duration) int64 { return now.Add(d).Unix() }
	tests := []struct {
		name string
		kv   []any
		want string // "" = accepted
	}{
		{"valid", nil, ""},
		{"expired", []any{"exp", at(-time.Minute)}, "The JSON web token has expired."},
		{"expired within leeway", []any{"exp", at(-20 * time.Second)}, ""},
		{"expired just past leeway", []any{"exp", at(-30 * time.Second)}, "The JSON web token has expired."},
		{"no exp", []any{"exp", nil}, "The JSON web token has expired."},
		{"exp not a number", []any{"exp", "tomorrow"}, "The JSON web token's exp claim must be a date (seconds since 1970)."},
		{"nbf in the future", []any{"nbf", at(2 * time.Minute)}, "The JSON web token is not yet valid."},
		{"nbf in the future within leeway", []any{"nbf", at(20 * time.Second)}, ""},
		{"no nbf", []any{"nbf", nil}, ""},
		{"iat in the future", []any{"iat", at(2 * time.Minute)}, "The JSON web token is not yet valid."},
		{"fractional dates", []any{"iat", float64(now.Unix()) + 0.5, "exp", float64(at(time.Minute)) + 0.25}, ""},
		{"wrong audience", []any{"aud", "https://nuget.org"}, "The JSON web token has an incorrect audience."},
		{"audience with a trailing slash", []any{"aud", audience + "/"}, "The JSON web token has an incorrect audience."},
		{"two audiences, one ours", []any{"aud", []string{audience, "https://other.example.com"}}, "The JSON web token must have exactly one aud claim value."},
		{"our audience twice", []any{"aud", []string{audience, audience}}, "The JSON web token must have exactly one aud claim value."},
		{"empty audience list", []any{"aud", []string{}}, "The JSON web token must have exactly one aud claim value."},
		{"no audience", []any{"aud", nil}, "The JSON web token must have exactly one aud claim value."},
		{"numeric audience", []any{"aud", 42}, "The JSON web token must have exactly one aud claim value."},
		{"audience as a one-element array", []any{"aud", []string{audience}}, ""},
		{"no jti", []any{"jti", nil}, "The JSON web token must have a jti claim."},
		{"empty jti", []any{"jti", ""}, "The JSON web token must have a jti claim."},
		{"no repository", []any{"repository", nil}, "The JSON web token must have a repository claim."},
		{"no repository_owner", []any{"repository_owner", nil}, "The JSON web token must have a repository_owner claim."},
		{"no repository_owner_id", []any{"repository_owner_id", nil}, "The JSON web token must have a repository_owner_id claim."},
		{"no repository_id", []any{"repository_id", ""}, "The JSON web token must have a repository_id claim."},
		{"no event_name", []any{"event_name", nil}, "The JSON web token must have an event_name claim."},
		{"no workflow refs", []any{"workflow_ref", nil, "job_workflow_ref", nil}, "The JSON web token must have a workflow_ref or job_workflow_ref claim."},
		{"job_workflow_ref alone", []any{"workflow_ref", nil}, ""},
		{"workflow_ref alone", []any{"job_workflow_ref", nil}, ""},
		{"repository not a string", []any{"repository", map[string]any{"name": "sdk"}}, "The JSON web token's repository claim must be a string."},
		{"sub is ignored for identity", []any{"sub", "repo:evil/sdk:ref:refs/heads/main"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := e.verify(t, e.iss.Token(trusttest.With(e.github(), tc.kv...)))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if c.Repository != "contoso/sdk" || c.Audience != audience {
					t.Errorf("claims = %+v", c)
				}
				return
			}
			wantReject(t, err, tc.want)
		})
	}
}

func TestVerifyLeewayOption(t *testing.T) {
	e := newEnv(t, trust.GitHub, func(o *trust.VerifierOptions) { o.Leeway = time.Minute })
	exp := e.clock.Now().Add(-50 * time.Second).Unix()
	e.mustVerify(t, e.iss.Token(trusttest.With(e.github(), "exp", exp)))
	e.clock.Advance(11 * time.Second)
	_, err := e.verify(t, e.iss.Token(trusttest.With(e.github(), "exp", exp)))
	wantReject(t, err, "The JSON web token has expired.")
}

func TestVerifySignatureAndIssuer(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	const badSig = "The JSON web token has an invalid signature."
	const badIss = "The JSON web token iss claim is not supported."
	tests := []struct {
		name string
		opts trusttest.SignOptions
		kv   []any
		want string
	}{
		{"unknown issuer", trusttest.SignOptions{}, []any{"iss", "https://token.actions.githubusercontent.com"}, badIss},
		{"issuer with a trailing slash", trusttest.SignOptions{}, []any{"iss", e.iss.URL + "/"}, badIss},
		{"issuer in other case", trusttest.SignOptions{}, []any{"iss", strings.ToUpper(e.iss.URL)}, badIss},
		{"no issuer", trusttest.SignOptions{}, []any{"iss", nil}, badIss},
		{"issuer not a string", trusttest.SignOptions{}, []any{"iss", []string{e.iss.URL}}, badIss},
		{"alg none", trusttest.SignOptions{Alg: "none"}, nil, badSig},
		{"alg none with a kid", trusttest.SignOptions{Alg: "none", KID: "k1"}, nil, badSig},
		{"HS256 keyed with the public key", trusttest.SignOptions{Alg: "HS256"}, nil, badSig},
		{"RS512 header", trusttest.SignOptions{Alg: "RS512"}, nil, badSig},
		{"PS256 header", trusttest.SignOptions{Alg: "PS256"}, nil, badSig},
		{"tampered payload", trusttest.SignOptions{Tamper: map[string]any{"repository": "evil/sdk"}}, nil, badSig},
		{"tampered issuer", trusttest.SignOptions{Tamper: map[string]any{"iss": "https://token.actions.githubusercontent.com"}}, nil, badIss},
		{"no kid", trusttest.SignOptions{NoKID: true}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.verify(t, e.iss.TokenWith(tc.opts, trusttest.With(e.github(), tc.kv...)))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantReject(t, err, tc.want)
		})
	}
	t.Run("signed by another issuer's key", func(t *testing.T) {
		other := trusttest.NewIssuer(t)
		_, err := e.verify(t, other.Token(e.github()))
		wantReject(t, err, badSig)
	})
}

func TestVerifyMalformed(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	good := e.iss.Token(e.github())
	parts := strings.Split(good, ".")
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := map[string]string{
		"empty":                "",
		"one part":             "abc",
		"two parts":            parts[0] + "." + parts[1],
		"four parts":           good + ".x",
		"bad base64 header":    "!!!." + parts[1] + "." + parts[2],
		"bad base64 payload":   parts[0] + ".%%%." + parts[2],
		"bad base64 signature": parts[0] + "." + parts[1] + ".***",
		"padded base64":        parts[0] + "." + parts[1] + "=." + parts[2],
		"header not JSON":      b64("{alg") + "." + parts[1] + "." + parts[2],
		"payload not JSON":     parts[0] + "." + b64("not json") + "." + parts[2],
		"payload an array":     parts[0] + "." + b64(`["iss"]`) + "." + parts[2],
		"header null":          b64("null") + "." + parts[1] + "." + parts[2],
		"JSON serialization":   `{"payload":"` + parts[1] + `","protected":"` + parts[0] + `","signature":"` + parts[2] + `"}`,
		"bearer prefix":        "Bearer " + good,
		"huge":                 parts[0] + "." + strings.Repeat("A", 70_000) + "." + parts[2],
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := e.verify(t, tok)
			wantReject(t, err, "The bearer token is not a valid JSON web token.")
		})
	}
	if n := e.iss.Discoveries(); n != 0 {
		t.Errorf("malformed tokens caused %d discoveries", n)
	}
}

func TestVerifyES256(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	e.iss.AddECKey()
	c := e.mustVerify(t, e.iss.Token(e.github()))
	if c.Repository != "contoso/sdk" {
		t.Errorf("claims = %+v", c)
	}
	t.Run("not advertised", func(t *testing.T) {
		e := newEnv(t, trust.GitHub)
		e.iss.Advertise("RS256")
		e.iss.AddECKey()
		_, err := e.verify(t, e.iss.Token(e.github()))
		wantReject(t, err, "The JSON web token has an invalid signature.")
	})
	t.Run("ES256 header on an RSA key", func(t *testing.T) {
		e := newEnv(t, trust.GitHub)
		_, err := e.verify(t, e.iss.TokenWith(trusttest.SignOptions{Alg: "ES256"}, e.github()))
		wantReject(t, err, "The JSON web token has an invalid signature.")
	})
}

func TestVerifyContextCanceled(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.v.Verify(ctx, e.iss.Token(e.github())); !errors.Is(err, context.Canceled) {
		// Either the fetch ran detached (and succeeded) or we gave up waiting.
		if err != nil {
			t.Errorf("Verify with a canceled context = %v", err)
		}
	}
}

func TestNewVerifierOptions(t *testing.T) {
	ok := []trust.Issuer{{URL: trust.GitHubActionsIssuer, Provider: trust.GitHub}}
	tests := []struct {
		name string
		o    trust.VerifierOptions
	}{
		{"no issuers", trust.VerifierOptions{Audience: audience}},
		{"no audience", trust.VerifierOptions{Issuers: ok}},
		{"leeway over 60s", trust.VerifierOptions{Issuers: ok, Audience: audience, Leeway: 61 * time.Second}},
		{"negative leeway", trust.VerifierOptions{Issuers: ok, Audience: audience, Leeway: -time.Second}},
		{"negative cool-down", trust.VerifierOptions{Issuers: ok, Audience: audience, RefreshCooldown: -time.Second}},
		{"http issuer", trust.VerifierOptions{Issuers: []trust.Issuer{{URL: "http://token.example.com", Provider: trust.GitHub}}, Audience: audience}},
		{"unknown provider", trust.VerifierOptions{Issuers: []trust.Issuer{{URL: "https://ci.example.com", Provider: "jenkins"}}, Audience: audience}},
		{"duplicate issuer", trust.VerifierOptions{Issuers: append(ok, ok...), Audience: audience}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := trust.NewVerifier(tc.o); err == nil {
				t.Error("NewVerifier succeeded")
			}
		})
	}
	if _, err := trust.NewVerifier(trust.VerifierOptions{Issuers: ok, Audience: audience, Leeway: time.Minute}); err != nil {
		t.Errorf("60s leeway: %v", err)
	}
}

func TestActionsRunnerToken(t *testing.T) {
	e := newEnv(t, trust.GitHub)
	reqURL, reqToken := trusttest.NewActionsRunner(t, e.iss, func(string) map[string]any { return e.github() })
	// What NuGet/login does: GET ${URL}&audience=..., bearer the request token.
	req, _ := http.NewRequest(http.MethodGet, reqURL+"&audience="+audience, nil)
	req.Header.Set("Authorization", "Bearer "+reqToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Value string }
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&out) != nil {
		t.Fatalf("runner: %s", res.Status)
	}
	if c := e.mustVerify(t, out.Value); c.Audience != audience {
		t.Errorf("aud = %q", c.Audience)
	}
}

func BenchmarkVerify(b *testing.B) {
	e := newEnv(b, trust.GitHub)
	tok := e.iss.Token(e.github())
	e.mustVerify(b, tok) // warm the caches
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
