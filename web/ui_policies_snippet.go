package web

import (
	"fmt"
	"strings"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// readOnlySnippet is a complete CI job that restores under a read-only
// policy, with this server's token URL, audience and source filled in:
// it trades the job's OIDC token for a read key and gives the key to
// NuGet as the password of the Wharf source, then restores.
func (s *Server) readOnlySnippet(p *registry.PolicyView) string {
	if p.Provider == trust.GitLab {
		return s.readOnlyGitLab(p)
	}
	return s.readOnlyGitHub(p)
}

// readOnlyGitHub writes nuget.config with the minted key, as NuGet reads
// stored credentials (any user name, the key as ClearTextPassword).
func (s *Server) readOnlyGitHub(p *registry.PolicyView) string {
	file := p.Workflow
	var b strings.Builder
	if file == "" {
		file = "build.yml"
		fmt.Fprintf(&b, "# any workflow of %s/%s may restore; this one is an example\n", p.RepoOwner, p.Repository)
	}
	fmt.Fprintf(&b, "# .github/workflows/%s\nname: build\non:\n  push:\n  pull_request: # pull requests from forks get no OIDC token\n"+
		"jobs:\n  build:\n    runs-on: ubuntu-latest\n", file)
	if p.Environment != "" {
		fmt.Fprintf(&b, "    environment: %s\n", p.Environment)
	}
	fmt.Fprintf(&b, "    permissions:\n      id-token: write\n      contents: read\n    steps:\n"+
		"      - uses: actions/checkout@v4\n      - uses: actions/setup-dotnet@v4\n"+
		"      - uses: NuGet/login@v1\n        id: login\n        with:\n          user: %s\n          token-service-url: %s\n          audience: %s\n"+
		"      - name: Write nuget.config with the short-lived read key\n        run: |\n          cat > nuget.config <<'EOF'\n%s          EOF\n"+
		"      - run: dotnet restore\n      - run: dotnet build --no-restore\n",
		p.OwnerName, s.urls.Token(), s.audience, indent(nugetConfig(s.urls.ServiceIndex(), "${{ steps.login.outputs.NUGET_API_KEY }}"), "          "))
	return b.String()
}

// readOnlyGitLab exchanges with curl (the .NET SDK image has curl but no
// jq, so sed takes the key out of the JSON; a refusal's {"error": ...}
// sentence is printed and fails the job) and stores the key with
// 'dotnet nuget add source' in the job user's NuGet configuration.
func (s *Server) readOnlyGitLab(p *registry.PolicyView) string {
	var b strings.Builder
	b.WriteString("build:\n  image: mcr.microsoft.com/dotnet/sdk:8.0\n")
	if p.Environment != "" {
		fmt.Fprintf(&b, "  environment: %s\n", p.Environment)
	}
	if p.Ref != "" {
		fmt.Fprintf(&b, "  rules:\n    - if: $CI_COMMIT_BRANCH == %q\n", p.Ref)
	}
	fmt.Fprintf(&b, "  id_tokens:\n    WHARF_ID_TOKEN:\n      aud: %s\n", s.audience)
	fmt.Fprintf(&b, "  script:\n"+
		"    - >\n      ANSWER=$(curl -sS -X POST %s\n      -H \"Authorization: Bearer $WHARF_ID_TOKEN\" -H \"Content-Type: application/json\"\n"+
		"      -H \"User-Agent: gitlab-ci\" -d '{\"username\":\"%s\",\"tokenType\":\"ApiKey\"}')\n"+
		"    - KEY=$(printf '%%s' \"$ANSWER\" | sed -n 's/.*\"apiKey\":\"\\([^\"]*\\)\".*/\\1/p')\n"+
		"    - '[ -n \"$KEY\" ] || { echo \"Token exchange failed: $ANSWER\"; exit 1; }'\n"+
		"    - dotnet nuget add source %s --name wharf --username ci --password \"$KEY\" --store-password-in-clear-text\n"+
		"    - dotnet restore\n",
		s.urls.Token(), p.OwnerName, s.urls.ServiceIndex())
	return b.String()
}

// nugetConfig is a nuget.config with the Wharf source (the union of the
// feeds the key may read) and nuget.org, the key as the Wharf source's
// password.
func nugetConfig(source, password string) string {
	return `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="wharf" value="` + source + `" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceCredentials>
    <wharf>
      <add key="Username" value="ci" />
      <add key="ClearTextPassword" value="` + password + `" />
    </wharf>
  </packageSourceCredentials>
</configuration>
`
}

// indent prefixes every line of s with prefix.
func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}
