package trust

import "testing"

// TestMatchIssuerName: a policy stores its issuer's name; a token verified
// by the issuer of another name never matches it, even from the policy's
// URL (the settings renamed the URL, or gave the policy's name to another
// URL). A policy or a token without a name is matched by URL alone.
func TestMatchIssuerName(t *testing.T) {
	tests := []struct {
		name         string
		policy, call string
		wantMatch    bool
	}{
		{"same name", "github", "github", true},
		{"the URL now has another name", "github", "public", false},
		{"policy from before names", "", "public", true},
		{"claims without a name", "github", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, c := githubPolicy(), githubClaims()
			p.IssuerName, c.IssuerName = tc.policy, tc.call
			_, err := Match(p, c, testNow, MatchOptions{})
			if (err == nil) != tc.wantMatch {
				t.Fatalf("Match = %v, want match %v", err, tc.wantMatch)
			}
			if me, ok := err.(*MatchError); err != nil && (!ok || me.Specific) {
				t.Errorf("a name mismatch must fail generically, got %#v", err)
			}
		})
	}
}
