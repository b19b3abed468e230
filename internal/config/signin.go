package config

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// SignIn is how people sign in to the web UI: the OAuth and OpenID Connect
// providers the operator registered Wharf with, who may sign in, and who
// administers the registry. Secrets come from the file or the environment,
// never from flags, so they do not show in process lists.
type SignIn struct {
	// GitHubClientID and GitHubClientSecret enable "Sign in with GitHub"
	// (WHARF_GITHUB_CLIENT_ID, WHARF_GITHUB_CLIENT_SECRET).
	GitHubClientID     string `toml:"github_client_id"`
	GitHubClientSecret string `toml:"github_client_secret"`
	// GitHubURL is GitHub Enterprise Server's URL (WHARF_GITHUB_URL);
	// default https://github.com.
	GitHubURL string `toml:"github_url"`
	// GitLabClientID and GitLabClientSecret enable "Sign in with GitLab"
	// (WHARF_GITLAB_CLIENT_ID, WHARF_GITLAB_CLIENT_SECRET).
	GitLabClientID     string `toml:"gitlab_client_id"`
	GitLabClientSecret string `toml:"gitlab_client_secret"`
	// GitLabURL is a self-hosted GitLab's URL (WHARF_GITLAB_URL); default
	// https://gitlab.com.
	GitLabURL string `toml:"gitlab_url"`
	// OIDCIssuer, OIDCClientID and OIDCClientSecret enable sign-in with any
	// OpenID Connect provider (WHARF_SIGNIN_OIDC_ISSUER,
	// WHARF_SIGNIN_OIDC_CLIENT_ID, WHARF_SIGNIN_OIDC_CLIENT_SECRET).
	OIDCIssuer       string `toml:"signin_oidc_issuer"`
	OIDCClientID     string `toml:"signin_oidc_client_id"`
	OIDCClientSecret string `toml:"signin_oidc_client_secret"`
	// OIDCLabel names the provider on the sign-in button
	// (WHARF_SIGNIN_OIDC_LABEL); default "single sign-on".
	OIDCLabel string `toml:"signin_oidc_label"`
	// AllowedDomains limits sign-in to verified e-mail addresses at these
	// domains, comma separated (WHARF_SIGNIN_ALLOWED_DOMAINS).
	AllowedDomains string `toml:"signin_allowed_domains"`
	// AllowedGroups limits sign-in to members of these GitHub
	// organisations, GitLab groups or OIDC "groups", comma separated
	// (WHARF_SIGNIN_ALLOWED_GROUPS).
	AllowedGroups string `toml:"signin_allowed_groups"`
	// Admins names the people who administer the registry as
	// provider:login or provider:#id, comma separated (WHARF_ADMINS), e.g.
	// github:alice or github:#583231; `wharf user add --admin` is the other way.
	// A login ignores case and is, for OpenID Connect, the
	// preferred_username claim; an ID is the provider's subject, matched
	// exactly, case included, and never a login.
	Admins string `toml:"admins"`
	// SessionTTL is how long a browser session lasts (WHARF_SESSION_TTL).
	SessionTTL Duration `toml:"session_ttl"`
}

func (s *SignIn) applyEnv(getenv func(string) string) error {
	str := map[string]*string{
		"WHARF_GITHUB_CLIENT_ID": &s.GitHubClientID, "WHARF_GITHUB_CLIENT_SECRET": &s.GitHubClientSecret, "WHARF_GITHUB_URL": &s.GitHubURL,
		"WHARF_GITLAB_CLIENT_ID": &s.GitLabClientID, "WHARF_GITLAB_CLIENT_SECRET": &s.GitLabClientSecret, "WHARF_GITLAB_URL": &s.GitLabURL,
		"WHARF_SIGNIN_OIDC_ISSUER": &s.OIDCIssuer, "WHARF_SIGNIN_OIDC_CLIENT_ID": &s.OIDCClientID,
		"WHARF_SIGNIN_OIDC_CLIENT_SECRET": &s.OIDCClientSecret, "WHARF_SIGNIN_OIDC_LABEL": &s.OIDCLabel,
		"WHARF_SIGNIN_ALLOWED_DOMAINS": &s.AllowedDomains, "WHARF_SIGNIN_ALLOWED_GROUPS": &s.AllowedGroups,
		"WHARF_ADMINS": &s.Admins,
	}
	for k, p := range str {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	if v := getenv("WHARF_SESSION_TTL"); v != "" {
		if err := s.SessionTTL.Set(v); err != nil {
			return fmt.Errorf("WHARF_SESSION_TTL: %w", err)
		}
	}
	return nil
}

// validate checks that each provider is configured whole.
func (s *SignIn) validate() error {
	pairs := []struct{ name, id, secret, idVar, secretVar string }{
		{"GitHub", s.GitHubClientID, s.GitHubClientSecret, "WHARF_GITHUB_CLIENT_ID", "WHARF_GITHUB_CLIENT_SECRET"},
		{"GitLab", s.GitLabClientID, s.GitLabClientSecret, "WHARF_GITLAB_CLIENT_ID", "WHARF_GITLAB_CLIENT_SECRET"},
		{"OpenID Connect", s.OIDCClientID, s.OIDCClientSecret, "WHARF_SIGNIN_OIDC_CLIENT_ID", "WHARF_SIGNIN_OIDC_CLIENT_SECRET"},
	}
	for _, p := range pairs {
		if (p.id == "") != (p.secret == "") {
			return fmt.Errorf("sign-in with %s needs both a client ID and a client secret: set %s and %s", p.name, p.idVar, p.secretVar)
		}
	}
	if (s.OIDCClientID != "") != (s.OIDCIssuer != "") {
		return fmt.Errorf("sign-in with OpenID Connect needs the issuer URL and the client: set WHARF_SIGNIN_OIDC_ISSUER with WHARF_SIGNIN_OIDC_CLIENT_ID")
	}
	for _, a := range List(s.Admins) {
		p, login, ok := strings.Cut(a, ":")
		if !ok || login == "" || (p != "github" && p != "gitlab" && p != "oidc") {
			return fmt.Errorf("admins: %q must be provider:login or provider:#id, e.g. github:alice (provider github, gitlab or oidc), so that nobody becomes an admin by signing in first with a name", a)
		}
		// An ID is compared exactly (an OpenID Connect subject is
		// case-sensitive), so one that can never match is a mistake.
		if id, isID := strings.CutPrefix(login, "#"); isID && (id == "" || strings.ContainsFunc(id, unicode.IsSpace)) {
			return fmt.Errorf("admins: %q names an empty ID or one with spaces; write provider:#id with the provider's ID exactly as it sends it, e.g. oidc:#00u1a2b3c (IDs are matched exactly, case included)", a)
		}
	}
	for _, u := range []struct{ name, v string }{{"WHARF_GITHUB_URL", s.GitHubURL}, {"WHARF_GITLAB_URL", s.GitLabURL}, {"WHARF_SIGNIN_OIDC_ISSUER", s.OIDCIssuer}} {
		if u.v == "" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return fmt.Errorf("%s: %q is not an http(s) URL", u.name, u.v)
		}
	}
	return nil
}

// List splits a comma-separated setting into trimmed, non-empty items.
func List(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
