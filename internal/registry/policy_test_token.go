package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/trust"
)

// Testing a CI token against one's policies ('wharf policy test', the
// Trusted Publishing page's test box, POST /api/v2/policies/test): the
// token is verified (signature, issuer, audience; an expired one is still
// explained) but never used up, stored or logged; only what it claims is
// shown, to the person who pasted it and about their own policies.

// PolicyTest is one policy's answer to a test token.
type PolicyTest struct {
	Policy  PolicyView
	Matched bool
	Bind    bool   // the token would bind the pending policy
	Reason  string // why it did not match (the matcher's sentence)
	// Specific says whether the exchange would show Reason to the CI job;
	// otherwise the job sees only the generic refusal.
	Specific bool
	// Checks are trust.Explain's, claim by claim.
	Checks []trust.Check
}

// TokenTest is a test token's explanation against the manager's policies.
type TokenTest struct {
	Issuer, Subject string
	Provider        trust.Provider
	Expiry          time.Time
	// Expired says the token has expired: an exchange would refuse it
	// before looking at any policy ("The JSON web token has expired.").
	Expired bool
	Results []PolicyTest
}

// expiredVerifier is a TokenVerifier that can also read an expired
// token for an explanation (trust.Verifier is one).
type expiredVerifier interface {
	VerifyAllowExpired(ctx context.Context, raw string) (*trust.Claims, error)
	Expired(c *trust.Claims) bool
}

// TestPolicies verifies a CI token and says for each policy the manager
// sees whether it matches and, claim by claim, why (TestToken without a
// policy filter). Errors: TestToken's.
func (s *Service) TestPolicies(ctx context.Context, m PolicyManager, token string) (*TokenTest, error) {
	return s.TestToken(ctx, m, token, "", "")
}

// TestToken verifies a CI token and explains it against each policy the
// manager sees, narrowed to the policies of the account named owner and to
// the policy named (or numbered) policy when they are not empty. Errors:
// ErrUnavailable (trusted publishing off), ErrInvalid (the token does not
// verify: its sentence), ErrNotFound (no policy of that name or owner).
func (s *Service) TestToken(ctx context.Context, m PolicyManager, token, owner, policy string) (*TokenTest, error) {
	if s.verifier == nil {
		return nil, errorf(ErrUnavailable, "Trusted publishing is not configured on this server.")
	}
	ps, err := s.ManagedPolicies(ctx, m)
	if err != nil {
		return nil, err
	}
	ps = filterPolicies(ps, owner, policy)
	if len(ps) == 0 && (owner != "" || policy != "") {
		return nil, errorf(ErrNotFound, "You have no trust policy %s; 'wharf policy list' shows yours.", describeFilter(owner, policy))
	}
	token = strings.TrimSpace(token)
	var claims *trust.Claims
	expired := false
	if ev, ok := s.verifier.(expiredVerifier); ok {
		claims, err = ev.VerifyAllowExpired(ctx, token)
		expired = err == nil && ev.Expired(claims)
	} else {
		claims, err = s.verifier.Verify(ctx, token)
	}
	if err != nil {
		var ve *trust.VerifyError
		if errors.As(err, &ve) {
			return nil, errorf(ErrInvalid, "The token does not verify: %s", ve.Msg)
		}
		return nil, fmt.Errorf("verify test token: %w", err)
	}
	out := &TokenTest{Issuer: claims.Issuer, Subject: claims.Subject, Provider: claims.Provider, Expiry: claims.Expiry, Expired: expired}
	for i := range ps {
		e := trust.Explain(&ps[i].Policy, claims, s.now(), trust.MatchOptions{BannedEvents: s.bannedEvents})
		out.Results = append(out.Results, PolicyTest{Policy: ps[i], Matched: e.Matches, Bind: e.Bind,
			Reason: e.Reason, Specific: e.Specific, Checks: e.Checks})
	}
	return out, nil
}

// filterPolicies keeps the policies of the named owner and of the named
// or numbered policy (case-insensitive names), when given.
func filterPolicies(ps []PolicyView, owner, policy string) []PolicyView {
	owner, policy = strings.TrimSpace(owner), strings.TrimSpace(policy)
	out := ps[:0:0]
	for _, p := range ps {
		if owner != "" && !strings.EqualFold(p.OwnerName, owner) {
			continue
		}
		if policy != "" && !strings.EqualFold(p.Name, policy) && fmt.Sprint(p.ID) != strings.TrimPrefix(policy, "#") {
			continue
		}
		out = append(out, p)
	}
	return out
}

func describeFilter(owner, policy string) string {
	switch {
	case owner != "" && policy != "":
		return fmt.Sprintf("'%s' for '%s'", policy, owner)
	case owner != "":
		return fmt.Sprintf("for '%s'", owner)
	}
	return fmt.Sprintf("'%s'", policy)
}
