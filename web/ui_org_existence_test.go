// Creating a key or a trust policy for an owner the user may not act for
// answers the same whether that organisation exists or not, so the forms
// never tell a stranger which organisations there are.

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestOrgExistenceNotDisclosed: mallory asks for a key and a policy for
// contoso (which exists, and where bob is a member but not an admin), for
// alice (a user) and for nosuchorg (which does not exist): each form
// answers with the same status and the same sentence but for the name.
func TestOrgExistenceNotDisclosed(t *testing.T) {
	f := newUIFeed(t, uiConfig{issuer: trusttest.NewIssuer(t)})
	f.addUser("alice")
	if _, err := f.reg.AddOrganization(context.Background(), "contoso", "alice"); err != nil {
		t.Fatal(err)
	}
	mallory := f.signedIn(t, "mallory")
	bob := f.signedIn(t, "bob")
	if err := f.reg.SetMember(context.Background(), "contoso", "bob", registry.RoleMember); err != nil {
		t.Fatal(err)
	}
	forms := []struct {
		name, path string
		form       url.Values
	}{
		{"key", "/account/keys", url.Values{"description": {"k"}, "expires_days": {"30"}}},
		{"policy", "/account/trusted-publishing", url.Values{"provider": {"github"}, "repository": {"contoso/sdk"}, "workflow": {"release.yml"}}},
	}
	for _, fm := range forms {
		t.Run(fm.name, func(t *testing.T) {
			answer := func(b *browser, owner string) (int, string) {
				v := cloneForm(fm.form)
				v.Set("owner", owner)
				v.Set("_csrf", b.token())
				p := b.postWith(fm.path, v.Encode(), nil)
				return p.res.StatusCode, strings.ReplaceAll(p.reason(), owner, "OWNER")
			}
			missingStatus, missing := answer(mallory, "nosuchorg")
			if missingStatus != http.StatusNotFound || missing == "" {
				t.Errorf("a missing organisation: %d %q, want 404 with a sentence", missingStatus, missing)
			}
			for _, c := range []struct {
				who   *browser
				owner string
			}{{mallory, "contoso"}, {mallory, "alice"}, {bob, "contoso"}} {
				status, why := answer(c.who, c.owner)
				if status != missingStatus || why != missing {
					t.Errorf("%s for %s: %d %q; a missing organisation: %d %q", fm.name, c.owner, status, why, missingStatus, missing)
				}
			}
		})
	}
	keys, err := f.reg.ListKeys(context.Background(), "bob")
	if err != nil || len(keys) != 0 {
		t.Errorf("bob, a member but not an admin, has %d keys (%v)", len(keys), err)
	}
}
