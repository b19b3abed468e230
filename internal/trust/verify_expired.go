package trust

import "context"

// VerifyAllowExpired is Verify for explaining a token after the fact
// ('wharf policy test', the policy page's test box): every check of Verify
// is made (signature, issuer, audience, not-before, jti, the provider's
// claims) except that the token may have expired; Claims.Expiry says
// when. A token without exp is still refused. Never use it to let a token
// in. Errors: Verify's.
func (v *Verifier) VerifyAllowExpired(ctx context.Context, raw string) (*Claims, error) {
	return v.verify(ctx, raw, true)
}

// Expired reports whether the claims have expired by the verifier's clock
// and leeway, as Verify would decide.
func (v *Verifier) Expired(c *Claims) bool {
	return !v.now().Before(c.Expiry.Add(v.leeway))
}
