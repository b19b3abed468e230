package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestForgeReadOnlySnippetsRun: a read-only Forgejo policy (no workflow)
// and a read-only Azure Pipelines policy (no branch) each offer a whole
// file whose restore script, run with sh, curl and sed against the real
// server and a token in the system's shape, stores a key with which the
// private package restores.
func TestForgeReadOnlySnippetsRun(t *testing.T) {
	for _, tc := range []struct {
		provider trust.Provider
		path     string
		repo     string
		env      func(t *testing.T, iss *trusttest.Issuer, f *uiFeed) []string
		steps    func(t *testing.T, snippet string) string
	}{
		{trust.Forgejo, "/api/actions", "contoso/sdk",
			func(t *testing.T, iss *trusttest.Issuer, f *uiFeed) []string {
				u, tok := trusttest.NewActionsRunner(t, iss, func(aud string) map[string]any {
					return trusttest.With(trusttest.ForgejoClaims(iss.URL, aud, f.clock.Now()),
						"event_name", "pull_request", "workflow_ref", "contoso/sdk/.forgejo/workflows/ci.yml@refs/pull/3/head")
				})
				return []string{"ACTIONS_ID_TOKEN_REQUEST_URL=" + u, "ACTIONS_ID_TOKEN_REQUEST_TOKEN=" + tok}
			},
			func(t *testing.T, snippet string) string {
				var wf struct {
					OIDC bool `yaml:"enable-openid-connect"`
					Jobs map[string]struct{ Steps []struct{ Name, Run string } }
				}
				must(t, func() error { return yaml.Unmarshal([]byte(snippet), &wf) })
				for _, j := range wf.Jobs {
					for _, s := range j.Steps {
						if s.Name == "Restore from Wharf" && wf.OIDC {
							return s.Run
						}
					}
				}
				return ""
			}},
		{trust.Azure, "/" + trusttest.AzureOrgID, "Contoso SDK/12",
			func(t *testing.T, iss *trusttest.Issuer, f *uiFeed) []string {
				u, tok := trusttest.NewAzureOIDCEndpoint(t, iss, func() map[string]any {
					return trusttest.With(trusttest.AzureClaims(iss.URL, f.clock.Now()), "rpo_ref", "refs/heads/feature")
				})
				return []string{"SYSTEM_OIDCREQUESTURI=" + u, "SYSTEM_ACCESSTOKEN=" + tok}
			},
			func(t *testing.T, snippet string) string {
				var pl struct {
					Steps []struct {
						Script      string            `yaml:"script"`
						DisplayName string            `yaml:"displayName"`
						Env         map[string]string `yaml:"env"`
					}
				}
				must(t, func() error { return yaml.Unmarshal([]byte(snippet), &pl) })
				for _, s := range pl.Steps {
					if s.DisplayName == "Restore from Wharf" && s.Env["SYSTEM_ACCESSTOKEN"] != "" {
						return s.Script
					}
				}
				return ""
			}},
	} {
		t.Run(string(tc.provider), func(t *testing.T) {
			iss := trusttest.NewIssuerAt(t, tc.path)
			f := newUIFeed(t, uiConfig{issuer: iss, provider: tc.provider})
			ctx := context.Background()
			key := f.userKey("alice")
			must(t, func() error { _, err := f.reg.Feeds().Add(ctx, "secret", "", true); return err })
			must(t, func() error { return f.reg.GrantFeed(ctx, "secret", feeds.SubjectUser, "alice", feeds.RolePublisher) })
			if res := f.pushTo(f.urls.Feed("secret").Publish(), key, nugettest.Spec{ID: "Secret.Lib", Version: "1.0.0"}); res.StatusCode != http.StatusCreated {
				t.Fatalf("push Secret.Lib: %s", res.Status)
			}
			snippet := createForgePolicy(t, f, url.Values{"provider": {string(tc.provider)}, "repository": {tc.repo}, "read_only": {"on"}})
			script := tc.steps(t, snippet)
			if script == "" {
				t.Fatalf("no restore step:\n%s", snippet)
			}
			sh := newSnippetShell(t, f)
			out, _, err := sh.run(script, tc.env(t, iss, f)...)
			if err != nil {
				t.Fatalf("the job failed: %v\n%s", err, out)
			}
			calls, _ := os.ReadFile(filepath.Join(sh.lastDir, "dotnet.log"))
			_, password, _ := strings.Cut(string(calls), "--password ")
			password, _, _ = strings.Cut(password, " ")
			if !strings.HasPrefix(password, "wharf_tp_") || !strings.Contains(string(calls), "\nrestore\n") {
				t.Fatalf("dotnet was not given a short-lived key and a restore; its calls:\n%s", calls)
			}
			canRestore(t, f.urls.ServiceIndex(), "ci", password)
		})
	}
}
