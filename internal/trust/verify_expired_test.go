package trust_test

import (
	"context"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestVerifyAllowExpired: an expired token is read for an explanation,
// with everything else still checked; Verify keeps refusing it.
func TestVerifyAllowExpired(t *testing.T) {
	e := newEnv(t, "github")
	ctx := context.Background()
	expired := e.iss.Token(trusttest.With(e.github(), "exp", e.clock.Now().Add(-time.Hour).Unix()))
	_, err := e.verify(t, expired)
	wantReject(t, err, "The JSON web token has expired.")
	c, err := e.v.VerifyAllowExpired(ctx, expired)
	if err != nil {
		t.Fatalf("VerifyAllowExpired(expired): %v", err)
	}
	if !e.v.Expired(c) || c.Repository != "contoso/sdk" {
		t.Errorf("claims %+v: Expired = %v, want true and the claims", c, e.v.Expired(c))
	}
	fresh, err := e.v.VerifyAllowExpired(ctx, e.iss.Token(e.github()))
	if err != nil || e.v.Expired(fresh) {
		t.Errorf("a fresh token: %v, expired %v", err, err == nil && e.v.Expired(fresh))
	}
	for name, claims := range map[string]map[string]any{
		"no exp":         trusttest.With(e.github(), "exp", nil),
		"wrong audience": trusttest.With(e.github(), "exp", e.clock.Now().Add(-time.Hour).Unix(), "aud", "https://elsewhere.example"),
	} {
		if _, err := e.v.VerifyAllowExpired(ctx, e.iss.Token(claims)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	other := trusttest.NewIssuer(t) // same iss claim, a key the verifier does not trust
	forged := other.Token(trusttest.With(e.github(), "exp", e.clock.Now().Add(-time.Hour).Unix()))
	_, err = e.v.VerifyAllowExpired(ctx, forged)
	wantReject(t, err, "The JSON web token has an invalid signature.")
}
