package web

// The policy form names issuers by their stable names in the server's
// trusted_issuers; a policy whose issuer is no longer trusted as it was
// keeps it (by its URL) until someone chooses another.

import (
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/templates"
)

// issuerOptions offers trusted issuers by name.
func issuerOptions(issuers []trust.Issuer) []templates.IssuerOption {
	out := make([]templates.IssuerOption, len(issuers))
	for i, iss := range issuers {
		out[i] = templates.IssuerOption{URL: iss.URL, Name: iss.Name, Title: iss.Title, Value: iss.Name}
	}
	return out
}

// editIssuers are the issuers the edit form offers: the trusted ones of the
// policy's provider, and first, when the policy's own is no longer trusted
// as it was, that one by its URL, so that saving the form keeps it rather
// than moving the policy.
func (s *Server) editIssuers(p *registry.PolicyView) []templates.IssuerOption {
	issuers := issuerOptions(s.reg.IssuersOf(p.Provider))
	if p.IssuerTitle == "" {
		name := p.IssuerName
		if name == "" {
			name = "unnamed"
		}
		kept := templates.IssuerOption{URL: p.Issuer, Name: name, Title: "no longer trusted, kept", Value: p.Issuer}
		issuers = append([]templates.IssuerOption{kept}, issuers...)
	}
	return issuers
}

// issuerValue is the form value that keeps a policy's issuer: its name
// while it is trusted as it was, else its URL (see editIssuers).
func issuerValue(p *registry.PolicyView) string {
	if p.IssuerTitle == "" {
		return p.Issuer
	}
	if p.IssuerName == "" {
		return p.Issuer // from before names: the URL still finds it
	}
	return p.IssuerName
}

// issuerLabel names a policy's issuer on its card: its title and its name
// in the settings, or why it is no longer trusted.
func issuerLabel(p *registry.PolicyView) string {
	if p.IssuerTitle == "" {
		if p.IssuerName != "" {
			return "'" + p.IssuerName + "', no longer trusted:"
		}
		return "no longer trusted:"
	}
	name := p.IssuerName
	if name == "" {
		name = "by URL"
	}
	return p.IssuerTitle + " (" + name + ")"
}
