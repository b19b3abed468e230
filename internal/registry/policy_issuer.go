package registry

// Which trusted issuer a policy names: by its stable name in the server's
// trusted_issuers setting (trust.Issuer.Name), checked against the issuers
// the server runs with. The command line judges by the same list: wharf
// serve records it in the database and the admin commands read it there
// (see cmd/wharf).

import (
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/trust"
)

// policyIssuer picks the issuer of a policy request. A request that names
// the stored issuer's URL (an update that leaves the issuer out) keeps it,
// trusted or not, with its stored name (or, for a policy from before
// names, the name the settings now give its URL).
func (s *Service) policyIssuer(req NewPolicy, stored trust.Issuer) (trust.Issuer, error) {
	want := strings.TrimSpace(req.Issuer)
	if want != "" && stored.URL != "" && strings.TrimRight(want, "/") == stored.URL {
		if req.Provider != "" && req.Provider != stored.Provider {
			return trust.Issuer{}, fieldErrorf(ErrInvalid, "issuer", "'%s' is a %s issuer, not a %s one: choose an issuer of the policy's provider.", want, stored.Provider, req.Provider)
		}
		if stored.Name == "" {
			if iss, ok := trust.IssuerAt(s.issuers, stored.URL); ok {
				stored.Name = iss.Name
			}
		}
		return stored, nil
	}
	return s.issuerFor(req.Provider, want)
}

// issuerFor picks a policy's issuer: the one the server's settings call
// want (a trusted issuer's URL is accepted too, as before names), whose
// provider must be the given one when given; else the only trusted issuer
// of the provider. It never guesses between two issuers of one provider:
// a policy on the wrong one would trust another instance's repositories of
// the same name. Refusals name the trusted issuers.
func (s *Service) issuerFor(provider trust.Provider, want string) (trust.Issuer, error) {
	if want != "" {
		iss, ok := trust.IssuerNamed(s.issuers, strings.ToLower(want))
		if !ok {
			iss, ok = trust.IssuerAt(s.issuers, strings.TrimRight(want, "/"))
		}
		if !ok {
			return trust.Issuer{}, fieldErrorf(ErrInvalid, "issuer", "'%s' is not an issuer this server trusts; it trusts %s (its trusted_issuers setting): choose one of those, or ask the operator to add yours.",
				want, s.trustedList(""))
		}
		if provider != "" && iss.Provider != provider {
			return trust.Issuer{}, fieldErrorf(ErrInvalid, "issuer", "'%s' is a %s issuer, not a %s one: choose an issuer of the policy's provider (%s).", want, iss.Provider, provider, s.trustedList(provider))
		}
		return iss, nil
	}
	if provider == "" {
		return s.defaultIssuer()
	}
	if !trust.KnownProvider(provider) {
		return trust.Issuer{}, fieldErrorf(ErrInvalid, "issuer", "'%s' is not a provider: use one of %s, or name the issuer (%s).", provider, strings.Join(trust.KindNames(), ", "), s.trustedList(""))
	}
	found := s.IssuersOf(provider)
	switch len(found) {
	case 0:
		return trust.Issuer{}, fieldErrorf(ErrInvalid, "issuer", "This server trusts no %s issuer (it trusts %s); the operator adds one to its trusted_issuers setting.", provider, s.trustedList(""))
	case 1:
		return found[0], nil
	}
	return trust.Issuer{}, fieldErrorf(ErrInvalid, "issuer", "This server trusts several %s issuers (%s): choose the one the repository is on by its name.", provider, s.trustedList(provider))
}

// defaultIssuer is the issuer of a request that names neither provider
// nor issuer: the server's only trusted issuer, whatever its kind; else its
// only GitHub Actions issuer (GitHub is what the form, the API and policy
// files have always defaulted to); else none, with the list to choose from.
func (s *Service) defaultIssuer() (trust.Issuer, error) {
	all := s.IssuersOf("")
	if len(all) == 1 {
		return all[0], nil
	}
	if github := s.IssuersOf(trust.GitHub); len(github) == 1 {
		return github[0], nil
	}
	return trust.Issuer{}, fieldErrorf(ErrInvalid, "issuer", "Name the policy's issuer: this server trusts %s.", s.trustedList(""))
}

// trustedList names the trusted issuers of a provider (all for ""), each
// with its URL, for refusals: "github (https://…), ghes (https://…)".
func (s *Service) trustedList(provider trust.Provider) string {
	var parts []string
	for _, iss := range s.IssuersOf(provider) {
		parts = append(parts, fmt.Sprintf("%s (%s)", iss.Name, iss.URL))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// issuerNote is what the audit log adds to a refused exchange whose
// closest policy is inactive because its issuer is no longer trusted as
// it was; "" otherwise. It is never shown to the caller.
func (s *Service) issuerNote(p *trust.Policy) string {
	if p == nil {
		return ""
	}
	if _, why := trust.PolicyIssuer(p, s.issuers); why != "" {
		return fmt.Sprintf(" (policy '%s' is inactive: %s)", p.Name, why)
	}
	return ""
}
