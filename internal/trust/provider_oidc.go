package trust

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Generic OpenID Connect issuers (kind oidc): any issuer with a discovery
// document, for CI systems Wharf has no profile of. The operator names, per
// issuer, the claims every policy must match (exactly; all of them are
// identity, so a mismatch is never disclosed) and the claims that are
// immutable IDs, bound on the first use (oidc_claims, see
// ApplyOIDCClaims). The policy form asks for exactly the named claims.

// ClaimNames are the claims a generic issuer's policies match and the ID
// claims they bind.
type ClaimNames struct {
	Match []string
	IDs   []string
}

// MatchClaims are the claims a generic issuer's policies match (none for
// other issuers).
func (iss Issuer) MatchClaims() []string {
	if iss.ClaimNames == nil {
		return nil
	}
	return iss.ClaimNames.Match
}

// IDClaims are the ID claims a generic issuer's policies bind.
func (iss Issuer) IDClaims() []string {
	if iss.ClaimNames == nil {
		return nil
	}
	return iss.ClaimNames.IDs
}

// noID stands for "no ID" in the bound IDs of a generic policy.
const noID = "-"

// standardClaims are claims a policy may not be about: the verifier
// checks them itself, or they differ in every token.
var standardClaims = []string{"iss", "aud", "exp", "iat", "nbf", "jti", "azp"}

// ApplyOIDCClaims reads the oidc_claims setting into the generic issuers:
// entries separated by ";", each NAME=claim,claim,id:claim, NAME being the
// issuer's name in trusted_issuers (or its URL). A claim
// written id:NAME is an immutable ID bound on first use; the others are
// what every policy for the issuer names. Every oidc issuer needs an entry
// with at least one claim to match; an entry for an issuer that is not a
// trusted oidc issuer is refused. The errors are sentences.
func ApplyOIDCClaims(issuers []Issuer, spec string) error {
	seen := map[string]bool{}
	for _, entry := range strings.Split(spec, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		u, list, ok := strings.Cut(entry, "=")
		u = strings.TrimSpace(u)
		if !ok {
			return fmt.Errorf("oidc_claims entry %q has no '=': write NAME=claim,claim,id:claim with the issuer's name in trusted_issuers", entry)
		}
		i := slices.IndexFunc(issuers, func(iss Issuer) bool { return iss.Name == u || iss.URL == u })
		if i < 0 || issuers[i].Provider != OIDC {
			return fmt.Errorf("oidc_claims names %q, which is not an oidc issuer in trusted_issuers: add NAME=oidc:URL there and use its NAME here, or remove the entry", u)
		}
		if seen[issuers[i].URL] {
			return fmt.Errorf("oidc_claims names the issuer %q twice: list each issuer once", u)
		}
		seen[issuers[i].URL] = true
		var match, ids []string
		for _, name := range strings.Split(list, ",") {
			name = strings.TrimSpace(name)
			id := false
			if rest, ok := strings.CutPrefix(name, "id:"); ok {
				name, id = strings.TrimSpace(rest), true
			}
			switch {
			case name == "":
				return fmt.Errorf("oidc_claims for %s has an empty claim name: remove the extra comma", u)
			case strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '=' || r == ';' }):
				return fmt.Errorf("oidc_claims for %s: the claim name %q has spaces, control characters, '=' or ';'", u, name)
			case slices.Contains(standardClaims, name):
				return fmt.Errorf("oidc_claims for %s: %s is checked by Wharf itself or differs in every token; name the claims that say which job it is (sub, a repository, a ref)", u, name)
			case slices.Contains(match, name) || slices.Contains(ids, name):
				return fmt.Errorf("oidc_claims for %s names %s twice", u, name)
			case id:
				ids = append(ids, name)
			default:
				match = append(match, name)
			}
		}
		if len(match) == 0 {
			return fmt.Errorf("oidc_claims for %s names no claim to match (only id: claims): name at least one, e.g. sub", u)
		}
		issuers[i].ClaimNames = &ClaimNames{Match: match, IDs: ids}
	}
	for _, iss := range issuers {
		if iss.Provider == OIDC && !seen[iss.URL] {
			return fmt.Errorf("the oidc issuer %s needs the claims its policies match: set oidc_claims (WHARF_OIDC_CLAIMS) to %s=claim,claim,id:claim", iss.URL, iss.URL)
		}
	}
	return nil
}

// oidcProfile is a generic issuer's profile: one required, identity field
// per named claim.
func oidcProfile(iss Issuer) Profile {
	p := Profile{Provider: OIDC, Bind: iss.IDClaims()}
	for _, name := range iss.MatchClaims() {
		p.Fields = append(p.Fields, ClaimField{Key: name, Claim: name, Label: "claim " + name, Required: true, Identity: true,
			Hint: "the exact value of the token's " + name + " claim."})
	}
	if len(iss.IDClaims()) > 0 {
		p.IDHint = "The first matching token binds the policy to its " + strings.Join(iss.IDClaims(), ", ") + " for good."
	}
	return p
}

// OIDCIDs is what a generic policy binds when its issuer names no ID
// claims: it is bound when created.
func OIDCIDs() (owner, repository string) { return noID, noID }

// oidc maps a generic issuer's token: it must carry every named claim;
// the ID claims (one value each) become the bound IDs.
func (r *reader) oidc(iss Issuer, c *Claims) error {
	c.RepoOwner, c.Repository = iss.URL, c.Subject
	if u, err := url.Parse(iss.URL); err == nil {
		c.RepoOwner = u.Host
	}
	for _, name := range append(slices.Clone(iss.MatchClaims()), iss.IDClaims()...) {
		if len(claimValues(r.m[name])) == 0 {
			return tokenError(fmt.Sprintf("The JSON web token must have a %s claim.", name), nil)
		}
	}
	c.RepoOwnerID, c.RepositoryID = noID, noID
	var ids []string
	for _, name := range iss.IDClaims() {
		v := claimValues(r.m[name])
		if len(v) != 1 {
			return tokenError(fmt.Sprintf("The JSON web token's %s claim must be a single value.", name), nil)
		}
		ids = append(ids, name+"="+v[0])
	}
	if len(ids) > 0 {
		c.RepositoryID = strings.Join(ids, ",")
	}
	return nil
}
