package trust

import (
	"net/url"
	"slices"
)

// Kind is a kind of trusted issuer, as the trusted_issuers setting names
// it: which claims its tokens carry, the public issuer a bare kind stands
// for, and how people call it.
type Kind struct {
	// Provider reads the claims of the kind's tokens.
	Provider Provider
	// DefaultURL is the public issuer a bare kind (or name=kind) stands
	// for; "" when the kind has none and every entry must give a URL.
	DefaultURL string
	// Title names the public issuer for people ("GitHub Actions");
	// SelfHosted names another instance, followed by its host
	// ("GitHub Enterprise Server (ghe.example.com)").
	Title, SelfHosted string
	// MissingURL, for a kind without a public issuer, says what URL an
	// entry must give; "" for a generic sentence.
	MissingURL string
}

// kinds are the kinds of issuer trusted_issuers accepts, by the word an
// entry uses. A new CI system is one entry here (and its Provider's claim
// reader and matcher).
var kinds = map[string]Kind{
	"github":    {Provider: GitHub, DefaultURL: GitHubActionsIssuer, Title: "GitHub Actions", SelfHosted: "GitHub Enterprise Server"},
	"gitlab":    {Provider: GitLab, DefaultURL: GitLabComIssuer, Title: "GitLab.com", SelfHosted: "GitLab"},
	"forgejo":   {Provider: Forgejo, DefaultURL: CodebergIssuer, Title: "Codeberg (Forgejo Actions)", SelfHosted: "Forgejo Actions"},
	"codeberg":  {Provider: Forgejo, DefaultURL: CodebergIssuer, Title: "Codeberg (Forgejo Actions)", SelfHosted: "Forgejo Actions"},
	"buildkite": {Provider: Buildkite, DefaultURL: BuildkiteIssuer, Title: "Buildkite", SelfHosted: "Buildkite"},
	"circleci":  {Provider: CircleCI, SelfHosted: "CircleCI", MissingURL: "CircleCI has one issuer per organisation: write NAME=circleci:https://oidc.circleci.com/org/ORG_ID with your organisation's ID"},
	"oidc":      {Provider: OIDC, SelfHosted: "OpenID Connect", MissingURL: "write NAME=oidc:URL with the issuer's URL, and name the claims its policies match in oidc_claims"},
	"azure":     {Provider: Azure, SelfHosted: "Azure Pipelines", MissingURL: "an Azure Pipelines issuer is " + AzureDevOpsIssuerPrefix + "ORGANISATION_ID: write NAME=azure:" + AzureDevOpsIssuerPrefix + "ORGANISATION_ID with your organisation's ID"},
}

// KindOf returns the kind an entry calls word (lower case), and whether
// there is one.
func KindOf(word string) (Kind, bool) {
	k, ok := kinds[word]
	return k, ok
}

// KindNames lists the kinds, sorted, for error messages.
func KindNames() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// titleOf names an issuer of kind k at URL u for people.
func (k Kind) titleOf(u string) string {
	if u == k.DefaultURL {
		return k.Title
	}
	switch k.Provider {
	case Azure:
		return "Azure Pipelines (organisation " + azureOrgID(u) + ")"
	case CircleCI:
		return "CircleCI (organisation " + CircleCIOrgID(u) + ")"
	}
	host := u
	if pu, err := url.Parse(u); err == nil && pu.Host != "" {
		host = pu.Host
	}
	return k.SelfHosted + " (" + host + ")"
}
