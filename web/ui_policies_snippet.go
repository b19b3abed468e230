package web

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// readOnlySnippet is a complete CI job that restores under a read-only
// policy, with this server's token URL, audience and source filled in:
// it trades the job's OIDC token for a read key and gives the key to
// NuGet as the password of the Wharf source, then restores.
func (s *Server) readOnlySnippet(p *registry.PolicyView) string {
	switch p.Provider {
	case trust.GitLab:
		return s.readOnlyGitLab(p)
	case trust.Forgejo:
		return s.readOnlyForgejo(p)
	case trust.Azure:
		return s.readOnlyAzure(p)
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

// readOnlyGitLab exchanges the job's token (gitlabExchange) and stores
// the key with 'dotnet nuget add source' in the job user's NuGet
// configuration.
func (s *Server) readOnlyGitLab(p *registry.PolicyView) string {
	var b strings.Builder
	b.WriteString("build:\n  image: mcr.microsoft.com/dotnet/sdk:8.0\n")
	s.gitlabJobHead(&b, p)
	b.WriteString(s.gitlabExchange(p))
	fmt.Fprintf(&b, "    - dotnet nuget add source %s --name wharf --username ci --password \"$KEY\" --store-password-in-clear-text\n"+
		"    - dotnet restore\n", s.urls.ServiceIndex())
	return b.String()
}

// pushGitHub is a complete workflow that packs and publishes on a pushed
// version tag (or by hand), with the key from NuGet/login.
func (s *Server) pushGitHub(p *registry.PolicyView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# .github/workflows/%s\nname: publish\non:\n  push:\n    tags: ['v*']\n  workflow_dispatch:\n"+
		"jobs:\n  publish:\n    runs-on: ubuntu-latest\n", p.Workflow)
	if p.Environment != "" {
		fmt.Fprintf(&b, "    environment: %s\n", p.Environment)
	}
	fmt.Fprintf(&b, "    permissions:\n      id-token: write\n      contents: read\n    steps:\n"+
		"      - uses: actions/checkout@v4\n      - uses: actions/setup-dotnet@v4\n      - run: dotnet pack -c Release -o out\n"+
		"      - uses: NuGet/login@v1\n        id: login\n        with:\n          user: %s\n          token-service-url: %s\n          audience: %s\n"+
		"      - run: dotnet nuget push \"out/*.nupkg\" --source %s --api-key ${{ steps.login.outputs.NUGET_API_KEY }}\n",
		p.OwnerName, s.urls.Token(), s.audience, s.urls.ServiceIndex())
	return b.String()
}

// pushGitLab is a complete .gitlab-ci.yml: a publish stage whose job packs,
// exchanges its token (gitlabExchange), pushes, and revokes the key.
func (s *Server) pushGitLab(p *registry.PolicyView) string {
	var b strings.Builder
	b.WriteString("# .gitlab-ci.yml\nstages: [publish]\npublish:\n  stage: publish\n  image: mcr.microsoft.com/dotnet/sdk:8.0\n")
	s.gitlabJobHead(&b, p)
	b.WriteString("    - dotnet pack -c Release -o out\n")
	b.WriteString(s.gitlabExchange(p))
	fmt.Fprintf(&b, "    - dotnet nuget push \"out/*.nupkg\" --source %s --api-key \"$KEY\"\n"+
		"    - 'curl -sS -X DELETE %s -H \"Authorization: Bearer $KEY\"'\n",
		s.urls.ServiceIndex(), s.urls.Token())
	return b.String()
}

// gitlabJobHead writes a job's environment, branch rule and ID token, up
// to its "script:" line.
func (s *Server) gitlabJobHead(b *strings.Builder, p *registry.PolicyView) {
	if p.Environment != "" {
		fmt.Fprintf(b, "  environment: %s\n", p.Environment)
	}
	if p.Ref != "" {
		fmt.Fprintf(b, "  rules:\n    - if: $CI_COMMIT_BRANCH == %q\n", p.Ref)
	}
	fmt.Fprintf(b, "  id_tokens:\n    WHARF_ID_TOKEN:\n      aud: %s\n  script:\n", s.audience)
}

// gitlabExchange is the script lines that trade the job's token for a key
// in $KEY with what the .NET SDK image has: curl, and sed to take the key
// out of the JSON (the image has no jq). A refusal's {"error": ...}
// sentence is printed and fails the job (curl without -f keeps the body).
func (s *Server) gitlabExchange(p *registry.PolicyView) string {
	return fmt.Sprintf("    - >\n      ANSWER=$(curl -sS -X POST %s\n      -H \"Authorization: Bearer $WHARF_ID_TOKEN\" -H \"Content-Type: application/json\"\n"+
		"      -H \"User-Agent: gitlab-ci\" -d '{\"username\":\"%s\",\"tokenType\":\"ApiKey\"}')\n"+
		"    - KEY=$(printf '%%s' \"$ANSWER\" | sed -n 's/.*\"apiKey\":\"\\([^\"]*\\)\".*/\\1/p')\n"+
		"    - '[ -n \"$KEY\" ] || { echo \"Token exchange failed: $ANSWER\"; exit 1; }'\n",
		s.urls.Token(), p.OwnerName)
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

// unreachableByCI says why a CI job on a hosted runner (GitHub's, GitLab's)
// may not reach a registry at base: plain http (NuGet/login and nuget
// push refuse or warn), localhost, or a loopback, private or link-local
// address. "" when base looks reachable from the internet.
func unreachableByCI(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	local := strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost")
	if ip, err := netip.ParseAddr(host); err == nil {
		local = local || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
	} else if net.ParseIP(host) == nil && !strings.Contains(host, ".") {
		local = true // a single-label name only resolves inside a network
	}
	switch {
	case local:
		return "This registry's address, " + base + ", is local or private: jobs on hosted CI runners (GitHub Actions, GitLab.com) cannot reach it. Use self-hosted runners in the same network, or serve Wharf at a public https address (--base-url)."
	case u.Scheme == "http":
		return "This registry's address, " + base + ", is plain http: CI jobs send their tokens and keys in the clear, and NuGet refuses to push over http by default. Serve Wharf over https (--base-url https://...)."
	}
	return ""
}
