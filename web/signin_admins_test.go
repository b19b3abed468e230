// Who the admins setting names, through the real sign-in flow of a local
// OpenID Connect provider: an "oidc:#SUB" entry is the verified subject,
// exactly, and an "oidc:LOGIN" entry is the preferred_username claim, the
// one the README documents.

package web_test

import (
	"net/http"
	"testing"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// TestSignInOIDCAdminsMatchOnlyTheirPerson: each attack of the review
// (issue 12, item 5) signs in as someone else and must not be an admin,
// while the named person is.
func TestSignInOIDCAdminsMatchOnlyTheirPerson(t *testing.T) {
	for _, tc := range []struct {
		name     string
		admins   []string
		attacker trusttest.LoginUser
		admin    trusttest.LoginUser
	}{
		{
			name:     "a login of #SUB is not the subject SUB",
			admins:   []string{"oidc:#Zq7-Admin"},
			attacker: trusttest.LoginUser{Subject: "m-1", Login: "#Zq7-Admin"},
			admin:    trusttest.LoginUser{Subject: "Zq7-Admin", Login: "root"},
		},
		{
			name:     "subjects differing only in case are different people",
			admins:   []string{"oidc:#Zq7-Admin"},
			attacker: trusttest.LoginUser{Subject: "zq7-admin", Login: "mallory"},
			admin:    trusttest.LoginUser{Subject: "Zq7-Admin", Login: "root"},
		},
		{
			name:     "the nickname claim is not the login",
			admins:   []string{"oidc:alice"},
			attacker: trusttest.LoginUser{Subject: "m-3", Login: "mallory", Nickname: "alice"},
			admin:    trusttest.LoginUser{Subject: "a-1", Login: "alice", Nickname: "Ally"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, iss := oidcFeed(t, registry.SignInRules{Admins: tc.admins})
			b := f.anonymous(t)
			if p := signInWithProvider(t, b, iss, tc.attacker); p.res.StatusCode != http.StatusSeeOther {
				t.Fatalf("attacker's callback: %s: %s", p.res.Status, p.reason())
			}
			if got := b.get("/admin/users").res.StatusCode; got != http.StatusForbidden {
				t.Errorf("sub %q, preferred_username %q, nickname %q is an admin under %v: GET /admin/users = %d, want 403",
					tc.attacker.Subject, tc.attacker.Login, tc.attacker.Nickname, tc.admins, got)
			}
			b = f.anonymous(t)
			if p := signInWithProvider(t, b, iss, tc.admin); p.res.StatusCode != http.StatusSeeOther {
				t.Fatalf("admin's callback: %s: %s", p.res.Status, p.reason())
			}
			if got := b.get("/admin/users").res.StatusCode; got != http.StatusOK {
				t.Errorf("the named admin (sub %q, preferred_username %q) is not an admin under %v: GET /admin/users = %d",
					tc.admin.Subject, tc.admin.Login, tc.admins, got)
			}
		})
	}
}
