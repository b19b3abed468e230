package trust

import (
	"fmt"
	"strings"
)

// PolicyIssuer finds a policy's issuer among the trusted issuers: the one
// of its IssuerName, which must still be at the policy's URL (a policy from
// before names, IssuerName "", is found by its URL). When there is none it
// returns a sentence saying why the policy is inactive and what to do:
// the name was removed from the settings, or now names another URL. Such
// a policy never matches (Match compares both the URL and the name).
func PolicyIssuer(p *Policy, issuers []Issuer) (Issuer, string) {
	trusted := "it trusts " + strings.Join(IssuerNames(issuers), ", ")
	if p.IssuerName == "" {
		if iss, ok := IssuerAt(issuers, p.Issuer); ok {
			return iss, ""
		}
		return Issuer{}, fmt.Sprintf("its issuer %s is no longer trusted by this server (%s): edit the policy to choose one, or have the operator add the issuer to trusted_issuers", p.Issuer, trusted)
	}
	iss, ok := IssuerNamed(issuers, p.IssuerName)
	switch {
	case !ok:
		if other, ok := IssuerAt(issuers, p.Issuer); ok {
			return Issuer{}, fmt.Sprintf("its issuer '%s' is no longer in this server's trusted issuers; its URL %s is now named '%s': edit the policy to choose '%s'",
				p.IssuerName, p.Issuer, other.Name, other.Name)
		}
		return Issuer{}, fmt.Sprintf("its issuer '%s' (%s) is no longer trusted by this server (%s): edit the policy to choose one, or have the operator add '%s' back to trusted_issuers",
			p.IssuerName, p.Issuer, trusted, p.IssuerName)
	case iss.URL != p.Issuer:
		return Issuer{}, fmt.Sprintf("its issuer '%s' now names %s, not %s that the policy was made for: edit the policy to confirm the new issuer (its binding is dropped), or have the operator restore the URL of '%s' in trusted_issuers",
			p.IssuerName, iss.URL, p.Issuer, p.IssuerName)
	}
	return iss, ""
}
