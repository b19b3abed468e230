package trust_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// The fuzz targets of token verification: everything a CI job sends to
// POST /api/v2/token before anything about it is trusted. Their seeds are
// testdata/fuzz/<target>, listed in verify_fuzz_seeds_test.go.

// fuzzNow is the verifier's clock while fuzzing; the seeds' times are
// relative to it.
var fuzzNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// issuerMark stands for the test issuer's URL, which changes with every
// run, in fuzzed headers and payloads.
const issuerMark = "$ISSUER"

// fuzzEnv starts a test issuer and a GitHub verifier that trusts it, on a
// stopped clock, so that a kid the issuer never published costs one JWKS
// refetch per process and no more. The issuer signs with its P-256 key
// "k2" (ES256) and still publishes its RSA key "k1": under the fuzzer's
// coverage instrumentation RSA signing allows some 30 executions a second,
// ECDSA thousands.
func fuzzEnv(tb testing.TB) (*trusttest.Issuer, *trust.Verifier) {
	iss := trusttest.NewIssuer(tb)
	iss.AddECKey()
	v, err := trust.NewVerifier(trust.VerifierOptions{
		Issuers:  []trust.Issuer{{URL: iss.URL, Provider: trust.GitHub, Name: "test"}},
		Audience: audience,
		Now:      func() time.Time { return fuzzNow },
	})
	if err != nil {
		tb.Fatal(err)
	}
	return iss, v
}

// requireRefusal fails unless err is a 401 *VerifyError whose message is
// one sentence.
func requireRefusal(t *testing.T, err error) {
	t.Helper()
	var ve *trust.VerifyError
	if !errors.As(err, &ve) {
		t.Fatalf("error %T (%v) is not a *VerifyError", err, err)
	}
	if ve.Status != http.StatusUnauthorized || ve.Msg == "" || strings.ContainsAny(ve.Msg, "\r\n") || !strings.HasSuffix(ve.Msg, ".") {
		t.Fatalf("refusal %d %q: want 401 and one sentence", ve.Status, ve.Msg)
	}
}

// FuzzVerify builds a token from a fuzzed header and payload, either
// signed by the issuer's key over exactly those bytes (signed) or carrying
// a fuzzed signature. The verifier must refuse with a 401 sentence or
// accept a token the key signed whose claims hold everything Verify
// promises: our issuer, our one audience, unexpired, a jti and the
// repository claims a policy is matched on.
func FuzzVerify(f *testing.F) {
	iss, v := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, header, payload string, sig []byte, signed bool) {
		h := []byte(strings.ReplaceAll(header, issuerMark, iss.URL))
		p := []byte(strings.ReplaceAll(payload, issuerMark, iss.URL))
		token := iss.SignCompact(h, p)
		if !signed {
			token = token[:strings.LastIndexByte(token, '.')+1] + base64.RawURLEncoding.EncodeToString(sig)
		}
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			requireRefusal(t, err)
			return
		}
		if !signed {
			t.Fatalf("accepted a token the issuer did not sign: %s", token)
		}
		var hdr struct {
			Alg string `json:"alg"`
		}
		if json.Unmarshal(h, &hdr) != nil || hdr.Alg != "ES256" {
			t.Fatalf("accepted a token whose header %q does not name the key's algorithm", h)
		}
		if c.Issuer != iss.URL || c.Audience != audience || c.JTI == "" || c.Provider != trust.GitHub {
			t.Fatalf("accepted claims with issuer %q, audience %q, jti %q", c.Issuer, c.Audience, c.JTI)
		}
		if !fuzzNow.Before(c.Expiry.Add(time.Minute)) || c.IssuedAt.After(fuzzNow.Add(time.Minute)) {
			t.Fatalf("accepted a token valid from %v to %v at %v", c.IssuedAt, c.Expiry, fuzzNow)
		}
		if c.Repository == "" || c.RepositoryID == "" || c.RepoOwner == "" || c.RepoOwnerID == "" || c.EventName == "" ||
			c.WorkflowRef == "" && c.JobWorkflowRef == "" {
			t.Fatalf("accepted claims without the repository or workflow: %+v", c)
		}
	})
}

// FuzzVerifyCompact sends the fuzzed string as the bearer token, as a
// client would: dots, base64, JSON and all. No fuzzed string carries a
// signature of the per-run issuer key, so every one must be refused.
func FuzzVerifyCompact(f *testing.F) {
	_, v := fuzzEnv(f)
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := v.Verify(context.Background(), raw)
		if err == nil {
			t.Fatalf("accepted an unsigned token: %+v", c)
		}
		requireRefusal(t, err)
	})
}
