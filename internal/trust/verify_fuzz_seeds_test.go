package trust_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/fuzzseed"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestFuzzSeeds keeps testdata/fuzz in step with the seeds below: a valid
// GitHub token at fuzzNow and one bent each way a forger or a broken
// client bends it. Run it with -update-seeds after changing them.
func TestFuzzSeeds(t *testing.T) {
	claims := func(kv ...any) string {
		c := trusttest.GitHubClaims(issuerMark, audience, fuzzNow)
		c["jti"] = "0f8fad5b-d9cb-469f-a165-70867728950e"
		b, err := json.Marshal(trusttest.With(c, kv...))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const es256 = `{"alg":"ES256","kid":"k2","typ":"JWT"}`
	valid := claims()
	signed := func(name, header, payload string) fuzzseed.Seed {
		return fuzzseed.S(name, header, payload, []byte{}, true)
	}
	unsigned := func(name, header string, sig []byte) fuzzseed.Seed {
		return fuzzseed.S(name, header, valid, sig, false)
	}
	at := func(d time.Duration) int64 { return fuzzNow.Add(d).Unix() }
	accepted := []fuzzseed.Seed{
		signed("valid", es256, valid),
		signed("no-kid", `{"alg":"ES256"}`, valid),
		signed("expired-within-leeway", es256, claims("exp", at(-10*time.Second))),
		signed("exp-fraction", es256, claims("exp", float64(at(time.Minute))+0.5)),
		signed("aud-array-one", es256, claims("aud", []string{audience})),
		signed("jti-number", es256, claims("jti", 12345)),
		signed("repository-id-number", es256, claims("repository_id", 123456)),
	}
	// The seeds above reach the accepting end of FuzzVerify.
	iss, v := fuzzEnv(t)
	for _, s := range accepted {
		h, p := strings.ReplaceAll(s.Args[0].(string), issuerMark, iss.URL), strings.ReplaceAll(s.Args[1].(string), issuerMark, iss.URL)
		if _, err := v.Verify(context.Background(), iss.SignCompact([]byte(h), []byte(p))); err != nil {
			t.Errorf("seed %s: %v, want it accepted", s.Name, err)
		}
	}
	fuzzseed.Check(t, "FuzzVerify", append(accepted,
		signed("unknown-kid", `{"alg":"ES256","kid":"k9"}`, valid),
		signed("header-hs256", `{"alg":"HS256","kid":"k2"}`, valid),
		signed("header-rs256-rsa-kid", `{"alg":"RS256","kid":"k1"}`, valid),
		signed("header-es256-rsa-kid", `{"alg":"ES256","kid":"k1"}`, valid),
		signed("header-none", `{"alg":"none"}`, valid),
		signed("header-not-json", `ES256`, valid),
		signed("header-crit", `{"alg":"ES256","kid":"k2","crit":["exp"]}`, valid),
		signed("header-duplicate-alg", `{"alg":"none","alg":"ES256","kid":"k2"}`, valid),
		unsigned("alg-none-empty-signature", `{"alg":"none"}`, []byte{}),
		unsigned("forged-signature", es256, []byte(strings.Repeat("\x5a", 64))),
		signed("expired", es256, claims("exp", at(-time.Hour))),
		signed("not-yet-valid", es256, claims("nbf", at(time.Hour))),
		signed("issued-in-future", es256, claims("iat", at(time.Hour))),
		signed("exp-string", es256, claims("exp", "tomorrow")),
		signed("exp-huge", es256, claims("exp", 1e300)),
		signed("exp-negative", es256, claims("exp", -1)),
		signed("no-exp", es256, claims("exp", nil)),
		signed("aud-array-two", es256, claims("aud", []string{audience, "https://other.example"})),
		signed("aud-wrong", es256, claims("aud", "https://other.example")),
		signed("aud-number", es256, claims("aud", 5)),
		signed("aud-array-mixed", es256, claims("aud", []any{audience, 5})),
		signed("iss-unknown", es256, claims("iss", "https://token.actions.githubusercontent.com")),
		signed("iss-number", es256, claims("iss", 5)),
		signed("no-jti", es256, claims("jti", nil)),
		signed("repository-object", es256, claims("repository", map[string]any{"name": "sdk"})),
		signed("no-repository-owner-id", es256, claims("repository_owner_id", nil)),
		signed("no-workflow-refs", es256, claims("workflow_ref", nil, "job_workflow_ref", nil)),
		signed("payload-not-json", es256, "not json"),
		signed("payload-array", es256, `[1,2,3]`),
		signed("payload-null", es256, `null`),
		signed("payload-trailing-object", es256, valid+`{}`),
		signed("payload-duplicate-aud", es256, strings.Replace(valid, `"aud":`, `"aud":"https://other.example","aud":`, 1)),
		signed("payload-deep", es256, `{"x":`+strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+`}`),
		signed("payload-invalid-utf8", es256, strings.Replace(valid, "contoso/sdk", "contoso/\xff", 1)),
	)...)
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	forged := b64(es256) + "." + b64(strings.ReplaceAll(valid, issuerMark, "https://token.actions.githubusercontent.com")) + "."
	fuzzseed.Check(t, "FuzzVerifyCompact",
		fuzzseed.S("empty", ""), fuzzseed.S("dots", ".."), fuzzseed.S("four-segments", "a.b.c.d"),
		fuzzseed.S("real-issuer-no-signature", forged),
		fuzzseed.S("real-issuer-forged-signature", forged+b64(strings.Repeat("x", 256))),
		fuzzseed.S("padded-base64", b64(es256)+"==."+b64(valid)+".AA=="),
		fuzzseed.S("standard-base64", base64.StdEncoding.EncodeToString([]byte(`{"alg":"ES256"}?>`))+".e30.AA"),
		fuzzseed.S("bearer-prefix", "Bearer "+forged),
		fuzzseed.S("json-serialization", `{"payload":"e30","signatures":[{"protected":"e30","signature":"AA"}]}`),
	)
}
