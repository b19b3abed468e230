package web

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/wharf-registry/wharf/internal/registry"
)

// The snippets of Forgejo Actions and Azure Pipelines policies: whole
// files their CI runs. Neither runs NuGet/login, so both trade the job's
// OIDC token for a key with curl and take the key out of the JSON with sed
// (the .NET SDK image and hosted agents have no jq).

// forgeExchange is the shell lines that POST the OIDC token in $ID_TOKEN
// to the token endpoint and leave the key in $KEY, failing the job with
// the server's sentence when it refuses. ua names the CI system.
func (s *Server) forgeExchange(p *registry.PolicyView, ua, pad string) string {
	lines := []string{
		fmt.Sprintf(`ANSWER=$(curl -sS -X POST %s -H "Authorization: Bearer $ID_TOKEN" -H "Content-Type: application/json" -H "User-Agent: %s" -d '{"username":"%s","tokenType":"ApiKey"}')`,
			s.urls.Token(), ua, p.OwnerName),
		`KEY=$(printf '%s' "$ANSWER" | sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p')`,
		`[ -n "$KEY" ] || { echo "Token exchange failed: $ANSWER"; exit 1; }`,
	}
	return pad + strings.Join(lines, "\n"+pad) + "\n"
}

// forgejoFile is the workflow's file name for a Forgejo policy.
func forgejoFile(p *registry.PolicyView, fallback string) string {
	if p.Workflow != "" {
		return p.Workflow
	}
	return fallback
}

// forgejoHead is a Forgejo workflow up to its steps: the trigger, OpenID
// Connect enabled, a job in the .NET SDK image, and a checkout with git
// and the job's token (actions/checkout needs Node, which the image lacks).
func forgejoHead(b *strings.Builder, file, on string) {
	fmt.Fprintf(b, "# .forgejo/workflows/%s\nname: %s\non:\n%s"+
		"enable-openid-connect: true # gives the job ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN\n"+
		"jobs:\n  %s:\n    runs-on: docker # on Codeberg: codeberg-small, or your runner's label\n"+
		"    container:\n      image: mcr.microsoft.com/dotnet/sdk:8.0\n    steps:\n"+
		"      - name: Check out\n        env:\n          JOB_TOKEN: ${{ github.token }}\n        run: |\n"+
		"          git init -q . && git fetch -q --depth 1 \"https://x:$JOB_TOKEN@${GITHUB_SERVER_URL#https://}/$GITHUB_REPOSITORY.git\" \"$GITHUB_SHA\"\n"+
		"          git checkout -q FETCH_HEAD\n", file, strings.TrimSuffix(strings.TrimSuffix(file, ".yml"), ".yaml"), on,
		strings.TrimSuffix(strings.TrimSuffix(file, ".yml"), ".yaml"))
}

// forgejoToken is the step lines that fetch the job's OIDC token for this
// server's audience into $ID_TOKEN.
func (s *Server) forgejoToken(pad string) string {
	return pad + `ID_TOKEN=$(curl -sS -H "Authorization: Bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=` +
		url.QueryEscape(s.audience) + `" | sed -n 's/.*"value":"\([^"]*\)".*/\1/p')` + "\n" +
		pad + `[ -n "$ID_TOKEN" ] || { echo "No OIDC token: does the workflow say enable-openid-connect: true?"; exit 1; }` + "\n"
}

// pushForgejo is a complete Forgejo Actions workflow that packs and
// publishes on a pushed version tag (or by hand), then revokes its key.
func (s *Server) pushForgejo(p *registry.PolicyView) string {
	var b strings.Builder
	forgejoHead(&b, forgejoFile(p, "release.yml"), "  push:\n    tags: ['v*']\n  workflow_dispatch:\n")
	b.WriteString("      - run: dotnet pack -c Release -o out\n      - name: Publish to Wharf\n        run: |\n")
	b.WriteString(s.forgejoToken("          "))
	b.WriteString(s.forgeExchange(p, "forgejo-actions", "          "))
	fmt.Fprintf(&b, "          dotnet nuget push \"out/*.nupkg\" --source %s --api-key \"$KEY\"\n"+
		"          curl -sS -X DELETE %s -H \"Authorization: Bearer $KEY\"\n", s.urls.ServiceIndex(), s.urls.Token())
	return b.String()
}

// readOnlyForgejo restores with a read key stored in the job user's NuGet
// configuration.
func (s *Server) readOnlyForgejo(p *registry.PolicyView) string {
	var b strings.Builder
	if p.Workflow == "" {
		fmt.Fprintf(&b, "# any workflow of %s/%s may restore; this one is an example\n", p.RepoOwner, p.Repository)
	}
	forgejoHead(&b, forgejoFile(p, "build.yml"), "  push:\n")
	b.WriteString("      - name: Restore from Wharf\n        run: |\n")
	b.WriteString(s.forgejoToken("          "))
	b.WriteString(s.forgeExchange(p, "forgejo-actions", "          "))
	fmt.Fprintf(&b, "          dotnet nuget add source %s --name wharf --username ci --password \"$KEY\" --store-password-in-clear-text\n"+
		"          dotnet restore\n", s.urls.ServiceIndex())
	return b.String()
}

// azureHead is an azure-pipelines.yml up to its steps: the trigger (the
// policy's branch, no pull-request builds) and a hosted Ubuntu agent with
// the .NET SDK.
func azureHead(b *strings.Builder, p *registry.PolicyView) {
	fmt.Fprintf(b, "# azure-pipelines.yml of the pipeline with definition ID %s in project %s\n", p.Repository, p.RepoOwner)
	if p.Ref != "" {
		fmt.Fprintf(b, "trigger:\n  branches:\n    include: [%s]\npr: none\n", p.Ref)
	} else {
		b.WriteString("trigger:\n  branches:\n    include: ['*']\n")
	}
	b.WriteString("pool:\n  vmImage: ubuntu-latest\nsteps:\n  - task: UseDotNet@2\n    inputs:\n      packageType: sdk\n      version: 8.x\n")
}

// azureToken is the script lines that fetch the job's OIDC token (the
// pipeline's own, from System.OidcRequestUri) into $ID_TOKEN.
func azureToken(pad string) string {
	return pad + `ID_TOKEN=$(curl -sS -X POST "$SYSTEM_OIDCREQUESTURI?api-version=7.1" -H "Authorization: Bearer $SYSTEM_ACCESSTOKEN" -H "Content-Type: application/json" -H "Content-Length: 0" | sed -n 's/.*"oidcToken":"\([^"]*\)".*/\1/p')` + "\n" +
		pad + `[ -n "$ID_TOKEN" ] || { echo "No OIDC token from Azure DevOps"; exit 1; }` + "\n"
}

// pushAzure is a complete azure-pipelines.yml that packs and publishes
// from the policy's branch, then revokes its key.
func (s *Server) pushAzure(p *registry.PolicyView) string {
	var b strings.Builder
	azureHead(&b, p)
	b.WriteString("  - script: dotnet pack -c Release -o out\n    displayName: Pack\n  - script: |\n      set -e\n")
	b.WriteString(azureToken("      "))
	b.WriteString(s.forgeExchange(p, "azure-pipelines", "      "))
	fmt.Fprintf(&b, "      dotnet nuget push \"out/*.nupkg\" --source %s --api-key \"$KEY\"\n"+
		"      curl -sS -X DELETE %s -H \"Authorization: Bearer $KEY\"\n"+
		"    displayName: Publish to Wharf\n    env:\n      SYSTEM_ACCESSTOKEN: $(System.AccessToken)\n", s.urls.ServiceIndex(), s.urls.Token())
	return b.String()
}

// readOnlyAzure restores with a read key stored in the agent user's NuGet
// configuration.
func (s *Server) readOnlyAzure(p *registry.PolicyView) string {
	var b strings.Builder
	azureHead(&b, p)
	b.WriteString("  - script: |\n      set -e\n")
	b.WriteString(azureToken("      "))
	b.WriteString(s.forgeExchange(p, "azure-pipelines", "      "))
	fmt.Fprintf(&b, "      dotnet nuget add source %s --name wharf --username ci --password \"$KEY\" --store-password-in-clear-text\n"+
		"      dotnet restore\n    displayName: Restore from Wharf\n    env:\n      SYSTEM_ACCESSTOKEN: $(System.AccessToken)\n", s.urls.ServiceIndex())
	return b.String()
}
