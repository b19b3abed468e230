package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// createForgePolicy creates alice's policy through the form with the given
// fields and returns the card's CI snippet, as the user copies it.
func createForgePolicy(t *testing.T, f *uiFeed, form url.Values) string {
	t.Helper()
	br := f.signedIn(t, "alice")
	pg := br.get("/account/trusted-publishing")
	form.Set("_csrf", pg.csrf())
	form.Set("owner", "alice")
	if res := br.post("/account/trusted-publishing", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create a %s policy through the form: %s", form.Get("provider"), res.Status)
	}
	pre := br.get("/account/trusted-publishing").byTestID("policy-snippet")
	if len(pre) != 1 || pre[0].FirstChild == nil {
		t.Fatalf("the page shows %d snippets, want 1", len(pre))
	}
	return pre[0].FirstChild.Data
}

// snippetShell is sh with only curl, sed and cat on the PATH (no jq), and a
// stand-in dotnet whose 'nuget push' sends out/Contoso.Sdk.1.0.0.nupkg with
// the key it is given, as NuGet does. run executes a script in a fresh
// directory holding that package, with env, and returns its output and the
// key dotnet was given.
type snippetShell struct {
	t       *testing.T
	sh      string
	bin     string
	f       *uiFeed
	lastDir string // the directory of the last run
}

func newSnippetShell(t *testing.T, f *uiFeed) *snippetShell {
	t.Helper()
	tools := map[string]string{}
	for _, tool := range []string{"sh", "curl", "sed", "cat"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is not installed", tool)
		}
		tools[tool] = p
	}
	bin := t.TempDir()
	for name, p := range tools {
		must(t, func() error { return os.Symlink(p, filepath.Join(bin, name)) })
	}
	fake := `#!` + tools["sh"] + `
echo "$*" >> "$DOTNET_LOG"
if [ "$1 $2" = "nuget push" ]; then
  while [ $# -gt 0 ]; do [ "$1" = "--api-key" ] && key="$2"; shift; done
  curl -sS -f -X PUT -H "X-NuGet-ApiKey: $key" -F "package=@out/Contoso.Sdk.1.0.0.nupkg" "$PUBLISH_URL" || exit 1
fi
`
	must(t, func() error { return os.WriteFile(filepath.Join(bin, "dotnet"), []byte(fake), 0o755) })
	return &snippetShell{t: t, sh: tools["sh"], bin: bin, f: f}
}

func (s *snippetShell) run(script string, env ...string) (out, key string, err error) {
	work := s.t.TempDir()
	s.lastDir = work
	log := filepath.Join(work, "dotnet.log")
	must(s.t, func() error { return os.Mkdir(filepath.Join(work, "out"), 0o755) })
	must(s.t, func() error {
		return os.WriteFile(filepath.Join(work, "out", "Contoso.Sdk.1.0.0.nupkg"), nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build(), 0o644)
	})
	cmd := exec.Command(s.sh, "-ec", script)
	cmd.Dir = work
	cmd.Env = append([]string{"PATH=" + s.bin, "DOTNET_LOG=" + log, "PUBLISH_URL=" + s.f.urls.Publish()}, env...)
	b, err := cmd.CombinedOutput()
	calls, _ := os.ReadFile(log)
	_, key, _ = strings.Cut(string(calls), "--api-key ")
	key, _, _ = strings.Cut(strings.TrimSpace(key), "\n")
	return string(b), key, err
}

// published checks that Contoso.Sdk landed and that the job's key was
// revoked by its last line.
func (s *snippetShell) published(key string) {
	s.t.Helper()
	if res, _ := s.f.get(s.f.urls.Versions("contoso.sdk")); res.StatusCode != http.StatusOK {
		s.t.Errorf("after the job, the versions of Contoso.Sdk: %s, want 200", res.Status)
	}
	if !strings.HasPrefix(key, "wharf_tp_") {
		s.t.Fatalf("dotnet nuget push got no short-lived key: %q", key)
	}
	if res := s.f.pushTo(s.f.urls.Publish(), key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.1"}); res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusForbidden {
		s.t.Errorf("a push with the job's key after the job: %s; its last step revokes the key", res.Status)
	}
}

// TestForgejoPushSnippetRuns: the Forgejo policy's workflow is a whole
// file with OpenID Connect enabled; its publish step, run as a Forgejo job
// in the .NET SDK image would (sh, curl, sed; the runner's token endpoint;
// a token in Forgejo's claim shape from an issuer at /api/actions), binds
// the policy, pushes over HTTP to the real server and revokes its key. A
// token whose repository was re-created under the same name (new ID) is
// then refused with the server's sentence.
func TestForgejoPushSnippetRuns(t *testing.T) {
	iss := trusttest.NewIssuerAt(t, "/api/actions")
	f := newUIFeed(t, uiConfig{issuer: iss, provider: trust.Forgejo})
	f.addUser("alice")
	sh := newSnippetShell(t, f)
	snippet := createForgePolicy(t, f, url.Values{"provider": {"forgejo"}, "repository": {"contoso/sdk"}, "workflow": {".forgejo/workflows/release.yml"}})
	if strings.Contains(snippet, "jq") || strings.Contains(snippet, "NuGet/login") {
		t.Errorf("the workflow uses jq or NuGet/login, which Forgejo jobs in the .NET SDK image lack:\n%s", snippet)
	}
	var wf struct {
		On   map[string]any `yaml:"on"`
		OIDC bool           `yaml:"enable-openid-connect"`
		Jobs map[string]struct {
			RunsOn    string            `yaml:"runs-on"`
			Container map[string]string `yaml:"container"`
			Steps     []struct{ Name, Run string }
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal([]byte(snippet), &wf); err != nil {
		t.Fatalf("the workflow is not YAML: %v\n%s", err, snippet)
	}
	job, ok := wf.Jobs["release"]
	if !ok || !wf.OIDC || wf.On["push"] == nil || job.RunsOn == "" || !strings.HasPrefix(snippet, "# .forgejo/workflows/release.yml\n") {
		t.Fatalf("not a complete Forgejo workflow with OpenID Connect enabled:\n%s", snippet)
	}
	script := ""
	for _, s := range job.Steps {
		if s.Name == "Publish to Wharf" {
			script = s.Run
		}
	}
	if script == "" {
		t.Fatalf("no publish step:\n%s", snippet)
	}
	repoID := "2323"
	claims := func(aud string) map[string]any {
		return trusttest.With(trusttest.ForgejoClaims(iss.URL, aud, f.clock.Now()), "repository_id", repoID)
	}
	reqURL, reqToken := trusttest.NewActionsRunner(t, iss, claims)
	env := []string{"ACTIONS_ID_TOKEN_REQUEST_URL=" + reqURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN=" + reqToken}
	out, key, err := sh.run(script, env...)
	if err != nil {
		t.Fatalf("the job failed: %v\n%s", err, out)
	}
	sh.published(key)

	repoID = "9999" // contoso/sdk deleted and re-created: a new ID
	out, _, err = sh.run(script, env...)
	if err == nil || !strings.Contains(out, "Token exchange failed") || !strings.Contains(out, "No matching trust policy owned by user 'alice' was found.") {
		t.Errorf("a token of a re-created repository: %v, output %q; want a failure with the server's sentence", err, out)
	}
	out, _, err = sh.run(script, "ACTIONS_ID_TOKEN_REQUEST_URL="+reqURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN=wrong")
	if err == nil || !strings.Contains(out, "enable-openid-connect") {
		t.Errorf("without a token: %v, output %q; want the hint about enable-openid-connect", err, out)
	}
}

// TestAzurePushSnippetRuns: the Azure Pipelines policy's azure-pipelines.yml
// builds only its branch, and its publish script, run as the agent would
// (sh, curl, sed; System.OidcRequestUri; a token in Azure DevOps' claim
// shape from an issuer at /ORG_ID with the fixed audience), binds the
// project and repository IDs, pushes over HTTP to the real server and
// revokes its key. The same pipeline building another repository, or a
// pipeline on another branch, is then refused.
func TestAzurePushSnippetRuns(t *testing.T) {
	iss := trusttest.NewIssuerAt(t, "/"+trusttest.AzureOrgID)
	f := newUIFeed(t, uiConfig{issuer: iss, provider: trust.Azure})
	f.addUser("alice")
	sh := newSnippetShell(t, f)
	snippet := createForgePolicy(t, f, url.Values{"provider": {"azure"}, "repository": {"Contoso SDK/12"}, "ref": {"main"}})
	if strings.Contains(snippet, "jq") {
		t.Errorf("the pipeline uses jq:\n%s", snippet)
	}
	var pl struct {
		Trigger struct{ Branches struct{ Include []string } }
		PR      string `yaml:"pr"`
		Steps   []struct {
			Script      string            `yaml:"script"`
			DisplayName string            `yaml:"displayName"`
			Env         map[string]string `yaml:"env"`
		}
	}
	if err := yaml.Unmarshal([]byte(snippet), &pl); err != nil {
		t.Fatalf("the pipeline is not YAML: %v\n%s", err, snippet)
	}
	if len(pl.Trigger.Branches.Include) != 1 || pl.Trigger.Branches.Include[0] != "main" || pl.PR != "none" {
		t.Errorf("the pipeline runs on other branches or pull requests:\n%s", snippet)
	}
	script := ""
	for _, s := range pl.Steps {
		if s.DisplayName == "Publish to Wharf" && s.Env["SYSTEM_ACCESSTOKEN"] == "$(System.AccessToken)" {
			script = s.Script
		}
	}
	if script == "" {
		t.Fatalf("no publish step with System.AccessToken mapped in:\n%s", snippet)
	}
	mods := []any{}
	uri, access := trusttest.NewAzureOIDCEndpoint(t, iss, func() map[string]any {
		return trusttest.With(trusttest.AzureClaims(iss.URL, f.clock.Now()), mods...)
	})
	env := []string{"SYSTEM_OIDCREQUESTURI=" + uri, "SYSTEM_ACCESSTOKEN=" + access}
	out, key, err := sh.run(script, env...)
	if err != nil {
		t.Fatalf("the job failed: %v\n%s", err, out)
	}
	sh.published(key)

	for name, m := range map[string][]any{
		"another repository": {"rpo_id", "11111111-2222-3333-4444-555555555555"},
		"another branch":     {"rpo_ref", "refs/heads/dev"},
		"another pipeline":   {"def_id", "13"},
	} {
		mods = m
		out, _, err = sh.run(script, env...)
		if err == nil || !strings.Contains(out, "Token exchange failed") {
			t.Errorf("%s: %v, output %q; want a refused exchange", name, err, out)
		}
	}
}

// TestForgePolicyForm: the create form offers the trusted Azure Pipelines issuer,
// a created policy's card names its provider and repository, and bad
// fields get a sentence saying what to fix, creating nothing.
func TestForgePolicyForm(t *testing.T) {
	iss := trusttest.NewIssuerAt(t, "/"+trusttest.AzureOrgID)
	f := newUIFeed(t, uiConfig{issuer: iss, provider: trust.Azure})
	f.addUser("alice")
	br := f.signedIn(t, "alice")
	pg := br.get("/account/trusted-publishing")
	// The form offers the trusted issuers by name: here the one Azure
	// organisation.
	if !strings.Contains(pg.body, `<option value="azure"`) {
		t.Errorf("the issuer select has no azure option")
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"provider": {"azure"}, "repository": {"Contoso SDK"}, "ref": {"main"}}, "is not an Azure Pipelines pipeline: write it as project/definition-ID"},
		{url.Values{"provider": {"azure"}, "repository": {"Contoso SDK/release"}, "ref": {"main"}}, "does not end in a pipeline definition ID"},
		{url.Values{"provider": {"azure"}, "repository": {"Contoso SDK/12"}}, "must name the branch it publishes from"},
		{url.Values{"provider": {"azure"}, "repository": {"Contoso SDK/12"}, "ref": {"main"}, "environment": {"prod"}}, "Azure Pipelines tokens name no environment"},
		{url.Values{"provider": {"forgejo"}, "repository": {"contoso/sdk"}, "workflow": {"release.yml"}}, "This server trusts no forgejo issuer"},
	} {
		tc.form.Set("_csrf", pg.csrf())
		tc.form.Set("owner", "alice")
		res := br.postWith("/account/trusted-publishing", tc.form.Encode(), nil)
		if res.res.StatusCode == http.StatusSeeOther || !strings.Contains(res.body, tc.want) {
			t.Errorf("%v: %s, want the form again with %q", tc.form, res.res.Status, tc.want)
		}
	}
	if cards := br.get("/account/trusted-publishing").byTestID("policy-snippet"); len(cards) != 0 {
		t.Fatalf("refused forms created %d policies", len(cards))
	}
	snippet := createForgePolicy(t, f, url.Values{"provider": {"azure"}, "repository": {"Contoso SDK/12"}, "ref": {"main"}})
	body := br.get("/account/trusted-publishing").body
	if !strings.Contains(body, "azure: <code>Contoso SDK/12</code>") || !strings.Contains(snippet, "# azure-pipelines.yml") {
		t.Errorf("the card does not show the Azure Pipelines policy:\n%s", body)
	}
}

// TestAzurePolicyEditKeepsBinding: alice's bound Azure Pipelines policy
// ("Contoso SDK/12" on main) round-trips through its edit form: the form
// shows the pipeline as written, a branch change keeps the project and
// repository IDs (the pipeline is the same), and clearing the branch of a
// push policy is refused with the sentence, changing nothing.
func TestAzurePolicyEditKeepsBinding(t *testing.T) {
	iss := trusttest.NewIssuerAt(t, "/"+trusttest.AzureOrgID)
	f := newUIFeed(t, uiConfig{issuer: iss, provider: trust.Azure})
	alice := f.signedIn(t, "alice")
	if _, err := f.reg.CreatePolicy(context.Background(), registry.NewPolicy{User: "alice", Provider: trust.Azure, Repository: "Contoso SDK/12",
		Ref: "main", RepoOwnerID: trusttest.AzureProjectID, RepositoryID: trusttest.AzureRepoID}); err != nil {
		t.Fatal(err)
	}
	path := "/account/trusted-publishing/" + strconv.FormatInt(f.onlyPolicy("alice").ID, 10)
	form := alice.get(path).formValues("policy-form")
	if form.Get("repository") != "Contoso SDK/12" || form.Get("ref") != "main" || form.Get("provider") != "azure" {
		t.Fatalf("the edit form: %v", form)
	}
	form.Set("ref", "")
	if res := alice.postWith(path, form.Encode(), nil); res.res.StatusCode != http.StatusBadRequest || !strings.Contains(res.reason(), "must name the branch") {
		t.Errorf("clearing the branch: %s %q", res.res.Status, res.reason())
	}
	form.Set("ref", "release")
	if res := alice.post(path, form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a branch change: %s", res.Status)
	}
	if got := f.onlyPolicy("alice"); got.Ref != "release" || got.RepoOwnerID != trusttest.AzureProjectID || got.RepositoryID != trusttest.AzureRepoID || got.Status.State != "active" {
		t.Errorf("after a branch change: %+v", got.Policy)
	}
}
