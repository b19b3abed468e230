package db

import "github.com/wharf-registry/wharf/internal/trust"

// claimRulesText is a policy's claim rules as stored.
func claimRulesText(r trust.ClaimRules) string {
	b, _ := r.MarshalText() // JSON of strings cannot fail
	return string(b)
}

// claimRulesOf reads stored claim rules. A row that cannot be read gets
// rules that match nothing (a claim no token has), never none: a policy
// must not widen because its rules were damaged.
func claimRulesOf(s string) trust.ClaimRules {
	var r trust.ClaimRules
	if err := r.UnmarshalText([]byte(s)); err != nil {
		return trust.ClaimRules{Match: []trust.ClaimRule{{Claim: "wharf:unreadable-claim-rules", Value: "-"}}}
	}
	return r
}
