package web_test

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"github.com/wharf-registry/wharf/web"
)

// lintWorkflow runs actionlint, as a library, over a GitHub workflow and
// returns its complaints, one per line ("" when GitHub would run it).
func lintWorkflow(t *testing.T, workflow string) string {
	t.Helper()
	l, err := actionlint.NewLinter(ioDiscard{}, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint("publish.yml", []byte(workflow), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range errs {
		b.WriteString(e.Error() + "\n")
	}
	return b.String()
}

// dedent removes the indentation of a block's first line from every line
// (the README indents its blocks under list items).
func dedent(block string) string {
	first := strings.TrimLeft(block, "\n")
	pad := first[:len(first)-len(strings.TrimLeft(first, " "))]
	var b strings.Builder
	for _, line := range strings.SplitAfter(block, "\n") {
		b.WriteString(strings.TrimPrefix(line, pad))
	}
	return b.String()
}

type ioDiscard struct{}

func (ioDiscard) Write(p []byte) (int, error) { return len(p), nil }

// createPushPolicy creates alice's push policy for contoso/sdk through the
// form and returns the card's CI snippet, as the user copies it.
func createPushPolicy(t *testing.T, f *uiFeed, form url.Values) string {
	t.Helper()
	br := f.signedIn(t, "alice")
	pg := br.get("/account/trusted-publishing")
	form.Set("_csrf", pg.csrf())
	form.Set("owner", "alice")
	form.Set("repository", "contoso/sdk")
	if res := br.post("/account/trusted-publishing", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create a %s push policy through the form: %s", form.Get("provider"), res.Status)
	}
	pre := br.get("/account/trusted-publishing").byTestID("policy-snippet")
	if len(pre) != 1 || pre[0].FirstChild == nil {
		t.Fatalf("the page shows %d snippets, want 1", len(pre))
	}
	return pre[0].FirstChild.Data
}

// TestGitHubSnippetsPassActionlint: every GitHub workflow the policy page
// offers is a whole file GitHub runs (it once had no on: trigger, which
// GitHub refuses); the same workflow without its trigger fails the lint,
// so the check can fail.
func TestGitHubSnippetsPassActionlint(t *testing.T) {
	for _, env := range []string{"", "prod"} {
		f := newUIFeed(t, uiConfig{issuer: trusttest.NewIssuer(t)})
		f.addUser("alice")
		snippet := createPushPolicy(t, f, url.Values{"provider": {"github"}, "workflow": {"release.yml"}, "environment": {env}})
		if complaints := lintWorkflow(t, snippet); complaints != "" {
			t.Errorf("actionlint on the push workflow (environment %q):\n%s\n%s", env, complaints, snippet)
		}
		head, rest, ok := strings.Cut(snippet, "on:\n")
		jobs := strings.Index(rest, "jobs:")
		if !ok || jobs < 0 {
			t.Fatalf("the workflow has no on: block before jobs:\n%s", snippet)
		}
		if lintWorkflow(t, head+rest[jobs:]) == "" {
			t.Error("actionlint accepts the workflow without its on: trigger; the check cannot fail")
		}
	}
	linted := 0
	for _, block := range docYAMLBlocks(t) {
		if !strings.Contains(block.text, "runs-on:") {
			continue // not a GitHub workflow
		}
		linted++
		if complaints := lintWorkflow(t, dedent(block.text)); complaints != "" {
			t.Errorf("actionlint on the workflow in %s:\n%s\n%s", block.file, complaints, block.text)
		}
	}
	if linted == 0 {
		t.Error("found no GitHub workflow in the README or docs to check")
	}
	_, _, _, readOnly := readOnlyUI(t, trust.GitHub)
	if complaints := lintWorkflow(t, readOnly); complaints != "" {
		t.Errorf("actionlint on the read-only workflow:\n%s\n%s", complaints, readOnly)
	}
}

// docBlock is a YAML code block of the README or a document in docs/.
type docBlock struct{ file, text string }

// docYAMLBlocks returns every ```yaml block of the README and of docs/*.md,
// the CI files users copy from the documentation.
func docYAMLBlocks(t *testing.T) []docBlock {
	t.Helper()
	files, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []docBlock
	for _, file := range append([]string{"../README.md"}, files...) {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range strings.Split(string(text), "```yaml\n")[1:] {
			block, _, _ = strings.Cut(block, "```")
			out = append(out, docBlock{strings.TrimPrefix(file, "../"), block})
		}
	}
	return out
}

// TestDocumentedCIFilesAvoidJQ: no CI file in the README or docs pipes
// into jq, which the .NET SDK image (the image the GitLab job runs in)
// lacks; the UI's snippets are held to the same by
// TestGitLabPushSnippetRuns.
func TestDocumentedCIFilesAvoidJQ(t *testing.T) {
	for _, block := range docYAMLBlocks(t) {
		if strings.Contains(block.text, "| jq") || strings.Contains(block.text, "jq -r") {
			t.Errorf("a CI file in %s uses jq, which the .NET SDK image lacks; take the key out with sed as the UI's snippet does:\n%s", block.file, block.text)
		}
	}
}

// TestGitLabPushSnippetRuns runs the GitLab push job's script as GitLab
// would in the .NET SDK image: sh with only curl, sed and cat on the PATH
// (no jq), a real token from the local issuer in $WHARF_ID_TOKEN, and a
// stand-in dotnet that pushes the packed package with curl as NuGet does.
// The package lands, the job revokes its key afterwards, and a refused
// exchange fails the job with the server's sentence.
func TestGitLabPushSnippetRuns(t *testing.T) {
	tools := map[string]string{}
	for _, tool := range []string{"sh", "curl", "sed", "cat"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is not installed", tool)
		}
		tools[tool] = p
	}
	iss := trusttest.NewIssuer(t)
	f := newUIFeed(t, uiConfig{issuer: iss, provider: trust.GitLab})
	f.addUser("alice")
	snippet := createPushPolicy(t, f, url.Values{"provider": {"gitlab"}})
	if strings.Contains(snippet, "jq") {
		t.Errorf("the job uses jq, which the .NET SDK image lacks:\n%s", snippet)
	}
	var file map[string]any
	if err := yaml.Unmarshal([]byte(snippet), &file); err != nil {
		t.Fatalf("the snippet is not YAML: %v\n%s", err, snippet)
	}
	var jobs struct {
		Stages  []string `yaml:"stages"`
		Publish struct {
			Stage    string                       `yaml:"stage"`
			IDTokens map[string]map[string]string `yaml:"id_tokens"`
			Script   []string                     `yaml:"script"`
		} `yaml:"publish"`
	}
	if err := yaml.Unmarshal([]byte(snippet), &jobs); err != nil {
		t.Fatal(err)
	}
	job := jobs.Publish
	if len(jobs.Stages) != 1 || job.Stage != jobs.Stages[0] || job.IDTokens["WHARF_ID_TOKEN"]["aud"] != f.urls.Base() || len(job.Script) == 0 {
		t.Fatalf("not a complete .gitlab-ci.yml with a publish job and its ID token:\n%s", snippet)
	}

	bin := t.TempDir()
	for name, p := range tools {
		if err := os.Symlink(p, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	// The stand-in dotnet: 'pack' leaves the package in out/, 'nuget push'
	// sends it with the key it is given, as NuGet does.
	fake := `#!` + tools["sh"] + `
echo "$*" >> "$DOTNET_LOG"
if [ "$1 $2" = "nuget push" ]; then
  while [ $# -gt 0 ]; do [ "$1" = "--api-key" ] && key="$2"; shift; done
  curl -sS -f -X PUT -H "X-NuGet-ApiKey: $key" -F "package=@out/Contoso.Sdk.1.0.0.nupkg" "$PUBLISH_URL" || exit 1
fi
`
	if err := os.WriteFile(filepath.Join(bin, "dotnet"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	var dotnetLog string
	run := func(token string) (string, error) {
		work := t.TempDir()
		dotnetLog = filepath.Join(work, "dotnet.log")
		must(t, func() error { return os.Mkdir(filepath.Join(work, "out"), 0o755) })
		must(t, func() error {
			return os.WriteFile(filepath.Join(work, "out", "Contoso.Sdk.1.0.0.nupkg"), nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build(), 0o644)
		})
		cmd := exec.Command(tools["sh"], "-ec", strings.Join(job.Script, "\n"))
		cmd.Dir = work
		cmd.Env = []string{"PATH=" + bin, "WHARF_ID_TOKEN=" + token, "DOTNET_LOG=" + dotnetLog, "PUBLISH_URL=" + f.urls.Publish()}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	claims := trusttest.With(trusttest.GitLabClaims(iss.URL, f.urls.Base(), f.clock.Now()), "project_path", "contoso/sdk", "namespace_path", "contoso")
	if out, err := run(iss.Token(claims)); err != nil {
		t.Fatalf("the job failed: %v\n%s", err, out)
	}
	if res, _ := f.get(f.urls.Versions("contoso.sdk")); res.StatusCode != http.StatusOK {
		t.Errorf("after the job, the versions of Contoso.Sdk: %s, want 200", res.Status)
	}
	calls, _ := os.ReadFile(dotnetLog)
	_, key, _ := strings.Cut(string(calls), "--api-key ")
	key = strings.TrimSpace(key)
	if !strings.HasPrefix(key, "wharf_tp_") {
		t.Fatalf("dotnet nuget push got no short-lived key; its calls:\n%s", calls)
	}
	if res := f.pushTo(f.urls.Publish(), key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.1"}); res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusForbidden {
		t.Errorf("a push with the job's key after the job: %s; its last step revokes the key", res.Status)
	}

	claims["jti"] = trusttest.JTI()
	claims["project_path"] = "contoso/other"
	out, err := run(iss.Token(claims))
	if err == nil || !strings.Contains(out, "Token exchange failed") || !strings.Contains(out, "No matching trust policy owned by user 'alice' was found.") {
		t.Errorf("a refused exchange: %v, output %q; want a failure with the server's sentence", err, out)
	}
}

// TestUnreachableByCIWarning: the page warns when hosted CI cannot reach
// the registry (local or private address, or plain http), and only then.
func TestUnreachableByCIWarning(t *testing.T) {
	for base, want := range map[string]string{
		"https://nuget.contoso.com":       "",
		"https://[2001:db8::1]:8443":      "",
		"http://nuget.contoso.com":        "plain http",
		"http://localhost:5555":           "local or private",
		"https://127.0.0.1:5555":          "local or private",
		"https://10.1.2.3":                "local or private",
		"https://192.168.0.10:5555":       "local or private",
		"https://[fd00::1]":               "local or private",
		"https://[::1]:5555":              "local or private",
		"https://buildbox:5555":           "local or private",
		"https://nuget.contoso.localhost": "local or private",
	} {
		got := web.UnreachableByCI(base)
		if (want == "") != (got == "") || !strings.Contains(got, want) {
			t.Errorf("warning for %s = %q, want one saying %q", base, got, want)
		}
	}
	f := newUIFeed(t, uiConfig{issuer: trusttest.NewIssuer(t)}) // http://127.0.0.1:PORT
	f.addUser("alice")
	if got := f.signedIn(t, "alice").get("/account/trusted-publishing").testIDText("ci-unreachable"); !strings.Contains(got, "local or private") {
		t.Errorf("the Trusted Publishing page of a registry on 127.0.0.1 says %q, want that hosted CI cannot reach it", got)
	}
}
