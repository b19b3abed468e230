// Control characters and text-direction marks (issue 12, item 9): the
// fields people type refuse them with a sentence naming the field, and
// pages show what came from CI tokens' claims, which nobody typed, escaped.

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/wharf-registry/wharf/internal/nuget/nugettest"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
)

// hostileClaim is a claim value with a line break, terminal escapes, a C1
// control and a right-to-left override.
const hostileClaim = "prod\n2026-01-01 forged \x1b[31mRED\u009b \u202eevil"

// rawControl returns the first control character or text-direction
// override in s (a page's HTML), or 0.
func rawControl(s string) rune {
	for _, r := range s {
		if (unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r') || r == '\u202e' {
			return r
		}
	}
	return 0
}

// TestTypedTextRefusesControls: a key description and a policy's fields
// holding a line break, an escape sequence, a C1 control or a
// text-direction override are refused with a sentence naming the field,
// and nothing is created.
func TestTypedTextRefusesControls(t *testing.T) {
	f := newUIFeed(t, uiConfig{reg: registry.Options{
		Issuers: []trust.Issuer{{URL: trust.GitHubActionsIssuer, Provider: trust.GitHub, Name: "github", Title: "GitHub Actions"}},
	}})
	b := f.signedIn(t, "alice")
	policy := func(field, v string) url.Values {
		form := url.Values{"provider": {"github"}, "repository": {"alice/tools"}, "workflow": {"release.yml"}}
		form.Set(field, v)
		return form
	}
	for _, tc := range []struct {
		name, path, field string
		form              url.Values
	}{
		{"key description with a line break", "/account/keys", "key's description", url.Values{"description": {"laptop\n2026-01-01 key.create done"}, "expires_days": {"30"}}},
		{"key description with an escape sequence", "/account/keys", "key's description", url.Values{"description": {"laptop \x1b[2J"}, "expires_days": {"30"}}},
		{"policy name with a C1 control", "/account/trusted-publishing", "policy name", policy("name", "release\u009b")},
		{"environment with a right-to-left override", "/account/trusted-publishing", "environment", policy("environment", "prod\u202edorp")},
		{"environment with a tab", "/account/trusted-publishing", "environment", policy("environment", "pr\tod")},
		{"repository with a line break", "/account/trusted-publishing", "repository", policy("repository", "alice/too\nls")},
		{"workflow with an isolate", "/account/trusted-publishing", "workflow", policy("workflow", "release\u2066.yml")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, _ := f.reg.ListKeys(context.Background(), "alice")
			policies, _ := f.reg.Policies(context.Background(), "alice")
			tc.form.Set("_csrf", b.token())
			p := b.postWith(tc.path, tc.form.Encode(), nil)
			if p.res.StatusCode != http.StatusBadRequest || !strings.Contains(p.reason(), "The "+tc.field+" contains the invisible character") {
				t.Errorf("POST %s: %s %q, want 400 saying the %s holds an invisible character", tc.path, p.res.Status, p.reason(), tc.field)
			}
			keys2, _ := f.reg.ListKeys(context.Background(), "alice")
			policies2, _ := f.reg.Policies(context.Background(), "alice")
			if len(keys2) != len(keys) || len(policies2) != len(policies) {
				t.Errorf("a refused form created something: keys %d→%d, policies %d→%d", len(keys), len(keys2), len(policies), len(policies2))
			}
		})
	}
}

// TestPagesEscapeClaims: a CI token's environment claim with controls and
// a text-direction override reaches the package page (as provenance of a
// version its key pushed) and the admin's audit page (quoted by a
// refusal); both show it escaped, on one line.
func TestPagesEscapeClaims(t *testing.T) {
	tp := newTPFeed(t, 0)
	tp.policy(registry.NewPolicy{User: "alice", Repository: "contoso/sdk", Workflow: "release.yml"})
	key := tp.mustExchange(tp.claims("environment", hostileClaim), "alice")
	if res := tp.push(key, nugettest.Spec{ID: "Contoso.Sdk", Version: "1.0.0"}.Build()); res.StatusCode != http.StatusCreated {
		t.Fatalf("push with the minted key: %s", res.Status)
	}
	tp.policy(registry.NewPolicy{User: "alice", Repository: "contoso/tools", Workflow: "release.yml", Environment: "prod"})
	const toolsWorkflow = "contoso/tools/.github/workflows/release.yml@refs/tags/v1.2.3"
	if res, _ := tp.exchange(tp.iss.Token(tp.claims("repository", "contoso/tools", "environment", hostileClaim,
		"workflow_ref", toolsWorkflow, "job_workflow_ref", toolsWorkflow)), "alice"); res.StatusCode == http.StatusOK {
		t.Fatal("the exchange with a hostile environment was accepted by a policy for prod")
	}
	ui := &uiFeed{feed: tp.feed}
	if _, err := tp.reg.AddUser(context.Background(), registry.NewUser{Name: "root", IsAdmin: true}); err != nil {
		t.Fatal(err)
	}

	p := ui.anonymous(t).getOK("/packages/Contoso.Sdk/1.0.0")
	if r := rawControl(p.body); r != 0 {
		t.Errorf("the package page holds a raw %U", r)
	}
	if got, want := p.testIDText("provenance-environment"), `prod\n2026-01-01 forged \x1b[31mRED\u009b \u202eevil`; got != want {
		t.Errorf("provenance environment = %q, want %q", got, want)
	}
	a := ui.signedIn(t, "root").getOK("/admin/audit")
	if r := rawControl(a.body); r != 0 {
		t.Errorf("the audit page holds a raw %U", r)
	}
	if !strings.Contains(a.body, `actual &#39;prod\n2026-01-01 forged \x1b[31mRED`) && !strings.Contains(a.body, `actual 'prod\n2026-01-01 forged \x1b[31mRED`) {
		t.Errorf("the audit page does not show the refusal's claim escaped:\n%s", a.body)
	}
}
