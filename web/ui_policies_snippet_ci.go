package web

import (
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// The CI configuration of Buildkite, CircleCI and generic OIDC policies:
// whole files, whose script trades the job's token for a key with what
// the .NET SDK image has (sh, curl, sed; no jq), then pushes (or, for a
// read-only policy, restores) and revokes the key.

// ruleSnippet is the CI configuration of a claim-rule policy.
func (s *Server) ruleSnippet(p *registry.PolicyView) string {
	switch p.Provider {
	case trust.Buildkite:
		return s.buildkiteSnippet(p)
	case trust.CircleCI:
		return s.circleCISnippet(p)
	}
	return s.oidcSnippet(p)
}

// ciScript is the job's shell lines after the token is in
// $WHARF_ID_TOKEN: the exchange, then the push or restore.
func (s *Server) ciScript(p *registry.PolicyView, userAgent string) []string {
	lines := []string{
		fmt.Sprintf(`ANSWER=$(curl -sS -X POST %s -H "Authorization: Bearer $WHARF_ID_TOKEN" -H "Content-Type: application/json" -H "User-Agent: %s" -d '{"username":"%s","tokenType":"ApiKey"}')`,
			s.urls.Token(), userAgent, p.OwnerName),
		`KEY=$(printf '%s' "$ANSWER" | sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p')`,
		`[ -n "$KEY" ] || { echo "Token exchange failed: $ANSWER"; exit 1; }`,
	}
	if p.ReadOnly {
		return append(lines,
			fmt.Sprintf(`dotnet nuget add source %s --name wharf --username ci --password "$KEY" --store-password-in-clear-text`, s.urls.ServiceIndex()),
			"dotnet restore")
	}
	return append([]string{"dotnet pack -c Release -o out"}, append(lines,
		fmt.Sprintf(`dotnet nuget push "out/*.nupkg" --source %s --api-key "$KEY"`, s.urls.ServiceIndex()),
		fmt.Sprintf(`curl -sS -X DELETE %s -H "Authorization: Bearer $KEY"`, s.urls.Token()))...)
}

// buildkiteSnippet is a whole .buildkite/pipeline.yml. Buildkite
// interpolates $ when the pipeline is uploaded, so the script writes $$
// for every $ it means at run time.
func (s *Server) buildkiteSnippet(p *registry.PolicyView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# .buildkite/pipeline.yml of pipeline %s/%s\n", p.RepoOwner, p.Repository)
	b.WriteString("# Runs on an agent with the .NET SDK, curl and sed (or in mcr.microsoft.com/dotnet/sdk\n" +
		"# with the docker plugin's mount-buildkite-agent: true).\nsteps:\n  - label: \"publish to Wharf\"\n    key: publish\n")
	if branch := p.Rules.Value("build_branch"); branch != "" {
		fmt.Fprintf(&b, "    branches: %q\n", branch)
	}
	b.WriteString("    command: |\n")
	lines := []string{fmt.Sprintf(`WHARF_ID_TOKEN="$(buildkite-agent oidc request-token --audience %s --claim %s)"`, s.audience, trust.BuildkiteIDClaims)}
	if !p.ReadOnly {
		lines = append([]string{"dotnet pack -c Release -o out"}, lines...)
		lines = append(lines, s.ciScript(p, "buildkite")[1:]...)
	} else {
		lines = append(lines, s.ciScript(p, "buildkite")...)
	}
	for _, l := range lines {
		b.WriteString("      " + strings.ReplaceAll(l, "$", "$$") + "\n")
	}
	return b.String()
}

// circleCISnippet is a whole .circleci/config.yml. The job asks for a
// token with Wharf's audience (CircleCI's default audience is the
// organisation ID).
func (s *Server) circleCISnippet(p *registry.PolicyView) string {
	var b strings.Builder
	b.WriteString("# .circleci/config.yml\nversion: 2.1\njobs:\n  publish:\n    docker:\n      - image: mcr.microsoft.com/dotnet/sdk:8.0\n" +
		"    steps:\n      - checkout\n      - run:\n          name: Publish to Wharf\n          command: |\n")
	lines := s.ciScript(p, "circleci")
	token := fmt.Sprintf(`WHARF_ID_TOKEN=$(circleci run oidc get --claims '{"aud":"%s"}')`, s.audience)
	if p.ReadOnly {
		lines = append([]string{token}, lines...)
	} else {
		lines = append([]string{lines[0], token}, lines[1:]...)
	}
	for _, l := range lines {
		b.WriteString("            " + l + "\n")
	}
	b.WriteString("workflows:\n  publish:\n    jobs:\n      - publish")
	ctx, filter := p.Rules.Value("oidc.circleci.com/context-ids"), circleFilter(p.Rules.Value("oidc.circleci.com/vcs-ref"))
	if ctx == "" && filter == "" {
		return b.String() + "\n"
	}
	b.WriteString(":\n")
	if ctx != "" {
		fmt.Fprintf(&b, "          context: [wharf-publish] # the context whose ID is %s\n", ctx)
	}
	b.WriteString(filter)
	return b.String()
}

// circleFilter is a workflow job's filters for a vcs-ref rule, "" for none
// or one CircleCI cannot express.
func circleFilter(ref string) string {
	re := func(s string) string { return "/^" + strings.ReplaceAll(regexpQuote(s), `\*`, ".*") + "$/" }
	if branch, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return fmt.Sprintf("          filters:\n            branches:\n              only: %s\n", re(branch))
	}
	if tag, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return fmt.Sprintf("          filters:\n            tags:\n              only: %s\n            branches:\n              ignore: /.*/\n", re(tag))
	}
	return ""
}

// regexpQuote escapes the regular expression metacharacters of s.
func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$/`, r) {
			b.WriteRune('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// oidcSnippet is a whole POSIX shell script for a job of a generic issuer,
// which gives the job's token to it in $WHARF_ID_TOKEN.
func (s *Server) oidcSnippet(p *registry.PolicyView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/sh\n# publish.sh: run by a job of %s with its OIDC token in $WHARF_ID_TOKEN,\n# requested for the audience %s. The token must carry", p.Issuer, s.audience)
	for i, m := range p.Rules.Match {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s %s=%s", sep, m.Claim, m.Value)
	}
	b.WriteString(".\n")
	if len(p.Rules.Bind) > 0 {
		fmt.Fprintf(&b, "# Its first use binds the policy to its %s.\n", strings.Join(p.Rules.Bind, ", "))
	}
	b.WriteString("set -e\n: \"${WHARF_ID_TOKEN:?set WHARF_ID_TOKEN to the job's OIDC token}\"\n")
	for _, l := range s.ciScript(p, "wharf-oidc-script") {
		b.WriteString(l + "\n")
	}
	return b.String()
}
