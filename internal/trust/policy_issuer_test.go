package trust_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/trust"
)

// TestFormatIssuersRoundTrip: what FormatIssuers writes, ParseIssuers reads
// back as the same issuers, names and kinds included.
func TestFormatIssuersRoundTrip(t *testing.T) {
	for _, in := range []string{"", "github,gitlab", "ghes=github:https://ghe.example.com/_services/token,gitlab-corp=gitlab:https://gitlab.example.com,public=github"} {
		want, err := trust.ParseIssuers(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := trust.ParseIssuers(trust.FormatIssuers(want))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseIssuers(FormatIssuers(%q)) = %+v, %v; want %+v", in, got, err, want)
		}
	}
}

// TestPolicyIssuer: a policy's issuer is trusted while its name is in the
// settings at the policy's URL; removed, renamed or moved, the policy is
// inactive with a sentence that says which and what to do.
func TestPolicyIssuer(t *testing.T) {
	issuers, err := trust.ParseIssuers("github,ghes=github:https://ghe.example.com/_services/token,old=github:https://old.example.com/_services/token")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		issuerName string
		url        string
		wantName   string // "" = inactive
		wantWhy    []string
	}{
		{"trusted", "ghes", "https://ghe.example.com/_services/token", "ghes", nil},
		{"from before names, found by URL", "", "https://old.example.com/_services/token", "old", nil},
		{"from before names, URL gone", "", "https://gone.example.com", "", []string{"its issuer https://gone.example.com is no longer trusted", "it trusts github, ghes, old"}},
		{"name removed", "corp", "https://corp.example.com", "", []string{"its issuer 'corp' (https://corp.example.com) is no longer trusted", "it trusts github, ghes, old", "add 'corp' back"}},
		{"name removed, URL renamed", "legacy", "https://old.example.com/_services/token", "", []string{"'legacy' is no longer in this server's trusted issuers", "now named 'old'"}},
		{"name points elsewhere", "ghes", "https://old.example.com/_services/token", "", []string{"its issuer 'ghes' now names https://ghe.example.com/_services/token, not https://old.example.com/_services/token"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &trust.Policy{Provider: trust.GitHub, IssuerName: tc.issuerName, Issuer: tc.url}
			iss, why := trust.PolicyIssuer(p, issuers)
			if iss.Name != tc.wantName {
				t.Errorf("issuer %q, want %q (%s)", iss.Name, tc.wantName, why)
			}
			if (why == "") != (tc.wantWhy == nil) {
				t.Errorf("why = %q", why)
			}
			for _, w := range tc.wantWhy {
				if !strings.Contains(why, w) {
					t.Errorf("why = %q, want it to say %q", why, w)
				}
			}
		})
	}
}
