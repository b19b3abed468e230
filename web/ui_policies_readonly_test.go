// The read-only policy in the web UI: the form's checkbox, the card, and
// the pasteable CI job, which is run here as far as this machine can
// (no .NET SDK): its token exchange and the credentials it gives NuGet.

package web_test

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// readOnlyUI is a UI feed with trusted publishing from provider, a
// private feed "secret" holding alice's Secret.Lib, and alice's read-only
// policy for contoso/sdk created through the form. It returns the card's
// access text and CI snippet.
func readOnlyUI(t *testing.T, provider trust.Provider) (f *uiFeed, iss *trusttest.Issuer, access, snippet string) {
	iss = trusttest.NewIssuer(t)
	f = newUIFeed(t, uiConfig{issuer: iss, provider: provider})
	ctx := context.Background()
	alicesKey := f.userKey("alice")
	must(t, func() error { _, err := f.reg.Feeds().Add(ctx, "secret", "", true); return err })
	must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "alice", feeds.RolePublisher) })
	if res := f.pushTo(f.urls.Feed("secret").Publish(), alicesKey, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
		t.Fatalf("push Secret.Lib: %s", res.Status)
	}
	br := f.signedIn(t, "alice")
	pg := br.get("/account/trusted-publishing")
	if len(pg.byTestID("policy-read-only")) != 1 {
		t.Fatal("the policy form has no read-only checkbox")
	}
	res := br.post("/account/trusted-publishing", url.Values{"_csrf": {pg.csrf()}, "provider": {string(provider)}, "owner": {"alice"},
		"repository": {"contoso/sdk"}, "read_only": {"on"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create a read-only policy without a workflow through the form: %s", res.Status)
	}
	pg = br.get("/account/trusted-publishing")
	edit := pg.byTestID("edit-policy")
	if len(edit) != 1 {
		t.Fatalf("the page has %d edit links, want 1", len(edit))
	}
	if box := br.get(attr(edit[0], "href")).byTestID("policy-read-only"); len(box) != 1 || !hasAttr(box[0], "checked") {
		t.Error("the edit form does not keep the policy read-only")
	}
	pre := pg.byTestID("policy-snippet")
	if len(pre) != 1 || pre[0].FirstChild == nil {
		t.Fatalf("the page shows %d snippets, want 1", len(pre))
	}
	return f, iss, pg.testIDText("policy-access"), pre[0].FirstChild.Data // a <pre>'s text as the user copies it
}

// canRestore reads Secret.Lib's versions with HTTP Basic as NuGet sends
// stored credentials.
func canRestore(t *testing.T, source, user, password string) {
	t.Helper()
	index, err := url.Parse(source)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, index.JoinPath("../package/secret.lib/index.json").String(), nil)
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET %s with the snippet's credentials: %s, want 200", req.URL, res.Status)
	}
}

// TestReadOnlyPolicyGitHubSnippet: the card says the policy is read-only,
// and its GitHub workflow is valid YAML with a trigger, id-token: write,
// NuGet/login@v1 pointed at this server, a nuget.config whose Wharf source
// and credentials (with the key NuGet/login outputs) restore the private
// package, and dotnet restore.
func TestReadOnlyPolicyGitHubSnippet(t *testing.T) {
	f, iss, access, snippet := readOnlyUI(t, trust.GitHub)
	if !strings.Contains(access, "Read-only") || !strings.Contains(access, "cannot push") {
		t.Errorf("the card's access: %q", access)
	}
	var wf struct {
		On   map[string]any `yaml:"on"`
		Jobs map[string]struct {
			Permissions map[string]string `yaml:"permissions"`
			Steps       []struct {
				Uses string            `yaml:"uses"`
				With map[string]string `yaml:"with"`
				Run  string            `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(snippet), &wf); err != nil {
		t.Fatalf("the snippet is not YAML: %v\n%s", err, snippet)
	}
	job, ok := wf.Jobs["build"]
	if len(wf.On) == 0 || !ok || job.Permissions["id-token"] != "write" {
		t.Fatalf("the workflow lacks a trigger, the build job or id-token: write:\n%s", snippet)
	}
	var login map[string]string
	var config string
	var restores bool
	for _, s := range job.Steps {
		switch {
		case s.Uses == "NuGet/login@v1":
			login = s.With
		case strings.Contains(s.Run, "nuget.config"):
			config = s.Run
		case strings.HasPrefix(s.Run, "dotnet restore"):
			restores = config != ""
		}
	}
	if login["token-service-url"] != f.urls.Token() || login["audience"] != f.urls.Base() || login["user"] != "alice" {
		t.Errorf("NuGet/login's inputs: %v", login)
	}
	if !restores {
		t.Errorf("the workflow does not run dotnet restore after writing nuget.config:\n%s", snippet)
	}
	// What NuGet/login outputs: the exchange of a token from another
	// workflow of the repository than any push policy would name.
	ref := "contoso/sdk/.github/workflows/build.yml@refs/heads/main"
	res, out := f.exchange(iss.Token(trusttest.With(trusttest.GitHubClaims(iss.URL, f.urls.Base(), f.clock.Now()),
		"workflow_ref", ref, "job_workflow_ref", ref)), login["user"])
	if res.StatusCode != http.StatusOK {
		t.Fatalf("exchange as NuGet/login does: %s %v", res.Status, out)
	}
	_, rest, ok := strings.Cut(config, "<<'EOF'\n")
	body, _, found := strings.Cut(rest, "\nEOF")
	if !ok || !found {
		t.Fatalf("no nuget.config here-document in:\n%s", config)
	}
	body = strings.ReplaceAll(body, "${{ steps.login.outputs.NUGET_API_KEY }}", out["apiKey"])
	var cfg struct {
		Sources []struct {
			Key   string `xml:"key,attr"`
			Value string `xml:"value,attr"`
		} `xml:"packageSources>add"`
		Creds []struct {
			Key   string `xml:"key,attr"`
			Value string `xml:"value,attr"`
		} `xml:"packageSourceCredentials>wharf>add"`
	}
	if err := xml.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatalf("nuget.config is not XML: %v\n%s", err, body)
	}
	creds := map[string]string{}
	for _, c := range cfg.Creds {
		creds[c.Key] = c.Value
	}
	for _, s := range cfg.Sources {
		if s.Key == "wharf" {
			if s.Value != f.urls.ServiceIndex() {
				t.Errorf("the wharf source is %q, want the union %q", s.Value, f.urls.ServiceIndex())
			}
			canRestore(t, s.Value, creds["Username"], creds["ClearTextPassword"])
			return
		}
	}
	t.Errorf("nuget.config has no wharf source:\n%s", body)
}

// TestReadOnlyPolicyGitLabSnippet: the GitLab job's exchange runs as
// written (curl, and sed instead of jq) and yields a key that restores
// the private package; the job then stores it with 'dotnet nuget add
// source' and restores.
func TestReadOnlyPolicyGitLabSnippet(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	f, iss, access, snippet := readOnlyUI(t, trust.GitLab)
	if !strings.Contains(access, "Read-only") {
		t.Errorf("the card's access: %q", access)
	}
	var job map[string]struct {
		IDTokens map[string]map[string]string `yaml:"id_tokens"`
		Script   []string                     `yaml:"script"`
	}
	if err := yaml.Unmarshal([]byte(snippet), &job); err != nil {
		t.Fatalf("the snippet is not YAML: %v\n%s", err, snippet)
	}
	build := job["build"]
	n := len(build.Script)
	if build.IDTokens["WHARF_ID_TOKEN"]["aud"] != f.urls.Base() || n != 5 ||
		!strings.Contains(build.Script[n-2], "dotnet nuget add source "+f.urls.ServiceIndex()) || build.Script[n-1] != "dotnet restore" {
		t.Fatalf("the GitLab job:\n%s", snippet)
	}
	if strings.Contains(snippet, "jq") {
		t.Errorf("the job uses jq, which the .NET SDK image lacks:\n%s", snippet)
	}
	exchange := func(token string) (string, error) {
		cmd := exec.Command("sh", "-ec", strings.Join(build.Script[:n-2], "\n")+"\nprintf %s \"$KEY\"")
		cmd.Env = append(cmd.Environ(), "WHARF_ID_TOKEN="+token)
		out, err := cmd.Output()
		return string(out), err
	}
	claims := trusttest.With(trusttest.GitLabClaims(iss.URL, f.urls.Base(), f.clock.Now()), "project_path", "contoso/sdk", "namespace_path", "contoso")
	key, err := exchange(iss.Token(claims))
	if err != nil || !strings.HasPrefix(key, "wharf_tp_") {
		t.Fatalf("the job's exchange: %v, KEY=%q", err, key)
	}
	canRestore(t, f.urls.ServiceIndex(), "ci", key)
	// A refused exchange fails the job with the server's sentence.
	claims["jti"] = trusttest.JTI()
	claims["project_path"] = "contoso/other"
	out, err := exchange(iss.Token(claims))
	if err == nil || !strings.Contains(out, "Token exchange failed") || !strings.Contains(out, "No matching trust policy owned by user 'alice' was found.") {
		t.Errorf("a refused exchange: %v, output %q; want a failure with the server's sentence", err, out)
	}
}
