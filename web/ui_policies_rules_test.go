// The Trusted Publishing page's forms for Buildkite, CircleCI and generic
// OIDC issuers, their cards, and their snippets run as CI would run them.

package web_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// ruleUI is a UI feed trusting a Buildkite, a CircleCI and a generic OIDC
// issuer (claims repo and ref, ID claim repo_id).
type ruleUI struct {
	*uiFeed
	bk, cc, gen *trusttest.Issuer
}

func newRuleUI(t *testing.T) *ruleUI {
	t.Helper()
	u := &ruleUI{bk: trusttest.NewIssuer(t), cc: trusttest.CircleCIIssuer(t), gen: trusttest.NewIssuer(t)}
	issuers, err := trust.ParseIssuers("buildkite=" + u.bk.URL + ",circleci=" + u.cc.URL + ",oidc=" + u.gen.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := trust.ApplyOIDCClaims(issuers, u.gen.URL+"=repo,ref,id:repo_id"); err != nil {
		t.Fatal(err)
	}
	u.uiFeed = newUIFeed(t, uiConfig{issuers: issuers})
	u.addUser("alice")
	return u
}

// inputNames are the names of a form's text inputs.
func inputNames(p *page, testID string) []string {
	var out []string
	for _, form := range p.byTestID(testID) {
		for _, n := range findAll(form, func(n *html.Node) bool { return n.Data == "input" && attr(n, "type") == "text" }) {
			out = append(out, attr(n, "name"))
		}
	}
	return out
}

func TestRulePolicyForms(t *testing.T) {
	u := newRuleUI(t)
	br := u.signedIn(t, "alice")
	pg := br.get("/account/trusted-publishing")
	for testID, want := range map[string]string{
		"rule-form-buildkite": "claim.organization claim.pipeline claim.branch globs name",
		"rule-form-circleci":  "claim.project claim.ref claim.context globs name",
		"rule-form-oidc":      "claim.repo claim.ref globs name", // exactly the claims the operator named
	} {
		if got := strings.Join(inputNames(pg, testID), " "); got != want {
			t.Errorf("%s asks for %q, want %q", testID, got, want)
		}
	}
	if hint := pg.testIDText("rule-id-hint"); !strings.Contains(hint, "--claim organization_id,pipeline_id") {
		t.Errorf("the Buildkite form does not say how to request the IDs: %q", hint)
	}

	// A refused form: the error beside the field, nothing created.
	form := pg.formValues("rule-form-buildkite")
	form.Set("claim.organization", "acme-inc")
	res := br.postWith("/account/trusted-publishing", form.Encode(), nil)
	if res.res.StatusCode != http.StatusBadRequest || !strings.Contains(res.body, `id="policy-buildkite1-claim-pipeline-error"`) {
		t.Fatalf("a Buildkite policy without a pipeline: %s, want 400 with the error beside the pipeline field\n%s", res.res.Status, res.reason())
	}
	if len(u.policies("alice")) != 0 {
		t.Fatal("a refused form created a policy")
	}

	create := func(testID string, values map[string]string) {
		t.Helper()
		form := br.get("/account/trusted-publishing").formValues(testID)
		for k, v := range values {
			form.Set(k, v)
		}
		if res := br.post("/account/trusted-publishing", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("create through %s: %s", testID, res.Status)
		}
	}
	create("rule-form-buildkite", map[string]string{"claim.organization": "acme-inc", "claim.pipeline": "sdk-release", "claim.branch": "main"})
	create("rule-form-circleci", map[string]string{"claim.project": trusttest.CircleCIProjectID, "claim.ref": "refs/tags/v*"})
	create("rule-form-oidc", map[string]string{"claim.repo": "contoso/sdk", "claim.ref": "refs/heads/main"})
	ps := u.policies("alice")
	if len(ps) != 3 || ps[0].Provider != trust.Buildkite || ps[0].Rules.Value("build_branch") != "main" ||
		ps[1].Status.State != "active" || ps[2].Rules.Value("ref") != "refs/heads/main" {
		t.Fatalf("policies = %+v", ps)
	}
	pg = br.get("/account/trusted-publishing")
	snippets := pg.byTestID("policy-snippet")
	if len(snippets) != 3 {
		t.Fatalf("%d snippets, want 3", len(snippets))
	}
	for _, want := range []string{"acme-inc", "sdk-release", "refs/tags/v*", "contoso/sdk", "Binds on first use"} {
		if !strings.Contains(pg.body, want) {
			t.Errorf("the cards do not show %q", want)
		}
	}

	// Edit: the rule form with the policy's values; a new branch keeps the binding.
	edit := br.get("/account/trusted-publishing/" + itoa(ps[0].ID))
	form = edit.formValues("rule-form-buildkite")
	if form.Get("claim.pipeline") != "sdk-release" {
		t.Fatalf("the edit form shows %v", form)
	}
	form.Set("claim.branch", "release/*")
	if res := br.post("/account/trusted-publishing/"+itoa(ps[0].ID), form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: %s", res.Status)
	}
	if got := u.policies("alice")[0]; got.Rules.Value("build_branch") != "release/*" {
		t.Fatalf("after the edit: %+v", got.Rules)
	}
	// A read-only policy's file restores with the key and never pushes.
	create("rule-form-circleci", map[string]string{"claim.project": "c0ffee00-1234-4abc-8def-00112233aaaa", "read_only": "on", "name": "restore"})
	ro := br.get("/account/trusted-publishing").byTestID("policy-snippet")
	if last := ro[len(ro)-1].FirstChild.Data; !strings.Contains(last, "dotnet restore") || strings.Contains(last, "nuget push") || strings.Contains(last, "jq") {
		t.Errorf("the read-only CircleCI policy's file:\n%s", last)
	}
	form.Set("claim.pipeline", "other")
	if res := br.post("/account/trusted-publishing/"+itoa(ps[0].ID), form); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("moving the policy to another pipeline without confirming: %s, want 400", res.Status)
	}
}

// TestRuleSnippetsRun runs each claim-rule policy's snippet as its CI
// would, with only sh, curl, sed and cat (the .NET SDK image has no jq),
// a stand-in dotnet and a stand-in token tool that prints a token of the
// local issuer, and checks that the package lands.
func TestRuleSnippetsRun(t *testing.T) {
	tools := map[string]string{}
	for _, tool := range []string{"sh", "curl", "sed", "cat"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			t.Skipf("%s is not installed", tool)
		}
		tools[tool] = p
	}
	u := newRuleUI(t)
	br := u.signedIn(t, "alice")
	aud := u.urls.Base()
	cases := []struct {
		form    string
		values  map[string]string
		tool    string // the token tool the job calls, and the arguments it must get
		args    string
		claims  map[string]any
		iss     *trusttest.Issuer
		script  func(t *testing.T, snippet string) string
		pkgID   string
		envName string
	}{
		{form: "rule-form-buildkite", values: map[string]string{"claim.organization": "acme-inc", "claim.pipeline": "sdk-release", "claim.branch": "main"},
			tool: "buildkite-agent", args: "oidc request-token --audience " + aud + " --claim organization_id,pipeline_id",
			iss: u.bk, claims: trusttest.BuildkiteClaims(u.bk.URL, aud, u.clock.Now()), script: buildkiteScript, pkgID: "Acme.Bk"},
		{form: "rule-form-circleci", values: map[string]string{"claim.project": trusttest.CircleCIProjectID, "claim.ref": "refs/heads/main"},
			tool: "circleci", args: `run oidc get --claims {"aud":"` + aud + `"}`,
			iss: u.cc, claims: trusttest.CircleCIClaims(u.cc.URL, aud, u.clock.Now()), script: circleScript, pkgID: "Acme.Circle"},
		{form: "rule-form-oidc", values: map[string]string{"claim.repo": "contoso/sdk", "claim.ref": "refs/heads/main"},
			iss: u.gen, claims: map[string]any{"iss": u.gen.URL, "aud": aud, "sub": "x", "jti": trusttest.JTI(), "iat": u.clock.Now().Unix(),
				"exp": u.clock.Now().Unix() + 300, "repo": "contoso/sdk", "ref": "refs/heads/main", "repo_id": "42"},
			script: func(t *testing.T, s string) string { return s }, pkgID: "Acme.Generic", envName: "WHARF_ID_TOKEN"},
	}
	for i, tc := range cases {
		t.Run(tc.form, func(t *testing.T) {
			form := br.get("/account/trusted-publishing").formValues(tc.form)
			for k, v := range tc.values {
				form.Set(k, v)
			}
			if res := br.post("/account/trusted-publishing", form); res.StatusCode != http.StatusSeeOther {
				t.Fatalf("create: %s", res.Status)
			}
			snippet := br.get("/account/trusted-publishing").byTestID("policy-snippet")[i].FirstChild.Data
			if strings.Contains(snippet, "jq") {
				t.Errorf("the job uses jq, which the .NET SDK image lacks:\n%s", snippet)
			}
			script := tc.script(t, snippet)
			bin, work := t.TempDir(), t.TempDir()
			for name, p := range tools {
				must(t, func() error { return os.Symlink(p, filepath.Join(bin, name)) })
			}
			token := tc.iss.Token(tc.claims)
			env := []string{"PATH=" + bin, "PUBLISH_URL=" + u.urls.Publish(), "PKG=out/" + tc.pkgID + ".1.0.0.nupkg"}
			if tc.tool != "" {
				// The token tool prints the token only when asked as the snippet must ask.
				fake := "#!" + tools["sh"] + "\n[ \"$*\" = '" + tc.args + "' ] || { echo \"unexpected: $*\" >&2; exit 2; }\necho '" + token + "'\n"
				must(t, func() error { return os.WriteFile(filepath.Join(bin, tc.tool), []byte(fake), 0o755) })
			} else {
				env = append(env, tc.envName+"="+token)
			}
			fakeDotnet := "#!" + tools["sh"] + `
if [ "$1 $2" = "nuget push" ]; then
  while [ $# -gt 0 ]; do [ "$1" = "--api-key" ] && key="$2"; shift; done
  curl -sS -f -X PUT -H "X-NuGet-ApiKey: $key" -F "package=@$PKG" "$PUBLISH_URL" || exit 1
fi
`
			must(t, func() error { return os.WriteFile(filepath.Join(bin, "dotnet"), []byte(fakeDotnet), 0o755) })
			must(t, func() error { return os.Mkdir(filepath.Join(work, "out"), 0o755) })
			must(t, func() error {
				return os.WriteFile(filepath.Join(work, "out", tc.pkgID+".1.0.0.nupkg"), nugettest.Spec{ID: tc.pkgID, Version: "1.0.0"}.Build(), 0o644)
			})
			cmd := exec.Command(tools["sh"], "-ec", script)
			cmd.Dir, cmd.Env = work, env
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("the job failed: %v\n%s\nscript:\n%s", err, out, script)
			}
			if res, _ := u.get(u.urls.Versions(strings.ToLower(tc.pkgID))); res.StatusCode != http.StatusOK {
				t.Errorf("after the job, the versions of %s: %s, want 200", tc.pkgID, res.Status)
			}
		})
	}
}

// buildkiteScript is the command of the pipeline's one step, as the agent
// runs it after Buildkite's interpolation ($$ → $).
func buildkiteScript(t *testing.T, snippet string) string {
	var file struct {
		Steps []struct {
			Label   string `yaml:"label"`
			Command string `yaml:"command"`
		} `yaml:"steps"`
	}
	if err := yaml.Unmarshal([]byte(snippet), &file); err != nil || len(file.Steps) != 1 || file.Steps[0].Command == "" {
		t.Fatalf("not a pipeline.yml with one command step (%v):\n%s", err, snippet)
	}
	cmd := file.Steps[0].Command
	if strings.Contains(strings.ReplaceAll(cmd, "$$", ""), "$") {
		t.Fatalf("the step has a $ that Buildkite would interpolate at upload:\n%s", cmd)
	}
	return strings.ReplaceAll(cmd, "$$", "$")
}

// circleScript is the publish job's run steps, with a workflow that runs it.
func circleScript(t *testing.T, snippet string) string {
	var file struct {
		Version string `yaml:"version"`
		Jobs    struct {
			Publish struct {
				Docker []map[string]string `yaml:"docker"`
				Steps  []any               `yaml:"steps"`
			} `yaml:"publish"`
		} `yaml:"jobs"`
		Workflows map[string]struct {
			Jobs []any `yaml:"jobs"`
		} `yaml:"workflows"`
	}
	if err := yaml.Unmarshal([]byte(snippet), &file); err != nil || file.Version != "2.1" || len(file.Workflows) != 1 {
		t.Fatalf("not a config.yml with version 2.1 and a workflow (%v):\n%s", err, snippet)
	}
	var cmds []string
	for _, step := range file.Jobs.Publish.Steps {
		if m, ok := step.(map[string]any); ok {
			if run, ok := m["run"].(map[string]any); ok {
				cmds = append(cmds, run["command"].(string))
			}
		}
	}
	if len(cmds) == 0 {
		t.Fatalf("the publish job runs nothing:\n%s", snippet)
	}
	return strings.Join(cmds, "\n")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// policies lists a user's policies, oldest first.
func (u *ruleUI) policies(user string) []registry.PolicyView {
	u.t.Helper()
	ps, err := u.reg.Policies(context.Background(), user)
	if err != nil {
		u.t.Fatal(err)
	}
	return ps
}
