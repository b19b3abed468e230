package registry

import (
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/trust"
)

// ClosestPolicy is, on a refused token exchange, the candidate policy
// that came closest to matching (trust.Closest: fewest failing checks,
// then the later first failure, then the exchange's order of policies)
// and the checks it failed. The audit log keeps it for the policy's
// owners and administrators; the CI job that was refused never sees it.
type ClosestPolicy struct {
	PolicyID int64
	Policy   string
	Checks   int           // how many checks were made
	Failing  []trust.Check // the claims that differed, in Match's order
}

// Summary is one line for the audit log: the policy and each differing
// claim with what the policy wants and what the token had.
func (c *ClosestPolicy) Summary() string {
	if c == nil {
		return ""
	}
	parts := make([]string, 0, len(c.Failing))
	for _, f := range c.Failing {
		parts = append(parts, fmt.Sprintf("%s: wants '%s', token has '%s'", f.Claim, f.Want, f.Got))
	}
	return fmt.Sprintf("closest policy #%d '%s' (%d of %d checks failed): %s", c.PolicyID, c.Policy, len(c.Failing), c.Checks, strings.Join(parts, "; "))
}

// closestOf explains the claims against each candidate policy and returns
// the closest one, nil when there are none.
func (s *Service) closestOf(policies []trust.Policy, c *trust.Claims) *ClosestPolicy {
	if len(policies) == 0 || c == nil {
		return nil
	}
	es := make([]trust.Explanation, len(policies))
	for i := range policies {
		es[i] = trust.Explain(&policies[i], c, s.now(), trust.MatchOptions{BannedEvents: s.bannedEvents})
	}
	e := es[trust.Closest(es)]
	return &ClosestPolicy{PolicyID: e.PolicyID, Policy: e.Policy, Checks: len(e.Checks), Failing: e.Failing()}
}
