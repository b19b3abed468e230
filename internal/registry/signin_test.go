package registry_test

import (
	"context"
	"errors"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
)

// newSignInService is newService with sign-in rules.
func newSignInService(t *testing.T, rules registry.SignInRules) (*registry.Service, *time.Time) {
	t.Helper()
	d, blobs := openStores(t)
	now := trusttest.Epoch().Add(2 * time.Hour)
	s, err := registry.New(d, blobs, registry.Options{
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SignIn: rules, SessionTTL: 24 * time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, &now
}

func github(subject, login string) registry.ExternalIdentity {
	return registry.ExternalIdentity{Provider: "github", Subject: subject, Login: login}
}

func TestSignInExternalNamesNewUsers(t *testing.T) {
	tests := []struct {
		login, want string
	}{
		{"octocat", "octocat"},
		{"Ada Lovelace", "Ada-Lovelace"},
		{"jane.doe_1", "jane.doe_1"},
		{"--o'brien--", "o-brien"},
		{"élise@example.com", "lise-example.com"},
		{"名前", "user"},
		{"", "user"},
		{strings.Repeat("a", 50), strings.Repeat("a", 40)},
		{strings.Repeat("a", 39) + "._b", strings.Repeat("a", 39)},
	}
	for _, tc := range tests {
		t.Run(tc.login, func(t *testing.T) {
			ctx := context.Background()
			s, _ := newSignInService(t, registry.SignInRules{})
			a, err := s.SignInExternal(ctx, github("1", tc.login))
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != tc.want || a.Kind != registry.KindUser || a.IsAdmin {
				t.Errorf("first sign-in of %q created %+v, want user %q", tc.login, a, tc.want)
			}
			// The account is a user the operator can name.
			if _, _, err := s.NewLoginLink(ctx, a.Name, time.Minute); err != nil {
				t.Errorf("the new user %s: %v", a.Name, err)
			}
		})
	}
}

func TestSignInExternalKeepsOnlyVerifiedEmail(t *testing.T) {
	ctx := context.Background()
	s, _ := newSignInService(t, registry.SignInRules{})
	for _, tc := range []struct {
		subject  string
		verified bool
		want     string
	}{{"1", true, "a@example.com"}, {"2", false, ""}} {
		id := github(tc.subject, "user"+tc.subject)
		id.Email, id.EmailVerified = "a@example.com", tc.verified
		a, err := s.SignInExternal(ctx, id)
		if err != nil || a.Email != tc.want {
			t.Errorf("verified %v: e-mail %q (%v), want %q", tc.verified, a.Email, err, tc.want)
		}
	}
}

func TestSignInExternalTakenNames(t *testing.T) {
	ctx := context.Background()
	s, _ := newSignInService(t, registry.SignInRules{})
	if _, err := s.AddUser(ctx, registry.NewUser{Name: "octocat"}); err != nil {
		t.Fatal(err)
	}
	a, err := s.SignInExternal(ctx, github("1", "OctoCat"))
	if err != nil || a.Name != "OctoCat-github" {
		t.Fatalf("name taken: %+v %v, want OctoCat-github", a, err)
	}
	// With both taken, the name gets a suffix derived from the identity,
	// so squatting two names cannot lock a person out.
	b, err := s.SignInExternal(ctx, github("2", "octocat"))
	if err != nil || !strings.HasPrefix(b.Name, "octocat-github-") || len(b.Name) != len("octocat-github-")+6 {
		t.Errorf("both names taken: %+v %v, want octocat-github-XXXXXX", b, err)
	}
	// An organisation's name is taken for users too.
	if _, err := s.AddOrganization(ctx, "contoso", "octocat"); err != nil {
		t.Fatal(err)
	}
	gl := registry.ExternalIdentity{Provider: "gitlab", Subject: "9", Login: "contoso"}
	if a, err := s.SignInExternal(ctx, gl); err != nil || a.Name != "contoso-gitlab" {
		t.Errorf("an organisation's name: %+v %v, want contoso-gitlab", a, err)
	}
}

func TestSignInExternalReturning(t *testing.T) {
	ctx := context.Background()
	s, _ := newSignInService(t, registry.SignInRules{})
	first, err := s.SignInExternal(ctx, github("42", "octocat"))
	if err != nil {
		t.Fatal(err)
	}
	// The login changed at the provider; the subject identifies the person.
	again, err := s.SignInExternal(ctx, github("42", "octo-renamed"))
	if err != nil || again.ID != first.ID || again.Name != "octocat" {
		t.Errorf("returning: %+v %v, want account %d octocat", again, err, first.ID)
	}
	// The same subject at another provider is another person.
	other, err := s.SignInExternal(ctx, registry.ExternalIdentity{Provider: "gitlab", Subject: "42", Login: "octocat"})
	if err != nil || other.ID == first.ID {
		t.Errorf("another provider's subject 42 signed in as %+v %v", other, err)
	}
	for _, bad := range []registry.ExternalIdentity{{Provider: "github", Login: "octocat"}, {Subject: "42", Login: "octocat"}} {
		if a, err := s.SignInExternal(ctx, bad); !errors.Is(err, registry.ErrUnauthenticated) {
			t.Errorf("identity without provider or subject %+v: %+v %v", bad, a, err)
		}
	}
}

func TestSignInAllowedDomains(t *testing.T) {
	tests := []struct {
		name     string
		email    string
		verified bool
		want     error
	}{
		{"verified at the domain", "ada@contoso.com", true, nil},
		{"domain in capitals", "ada@CONTOSO.COM", true, nil},
		{"unverified", "ada@contoso.com", false, registry.ErrForbidden},
		{"another domain", "ada@example.com", true, registry.ErrForbidden},
		{"a subdomain", "ada@evil.contoso.com", true, registry.ErrForbidden},
		{"a look-alike", "ada@contoso.com.evil.example", true, registry.ErrForbidden},
		{"no e-mail", "", true, registry.ErrForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newSignInService(t, registry.SignInRules{AllowedDomains: []string{" @Contoso.com "}})
			id := github("1", "ada")
			id.Email, id.EmailVerified = tc.email, tc.verified
			a, err := s.SignInExternal(context.Background(), id)
			wantErr(t, "sign in", err, tc.want)
			if tc.want != nil && a != nil {
				t.Errorf("refused, but signed in as %+v", a)
			}
		})
	}
	t.Run("checked at every sign-in", func(t *testing.T) {
		ctx := context.Background()
		s, _ := newSignInService(t, registry.SignInRules{AllowedDomains: []string{"contoso.com"}})
		id := github("1", "ada")
		id.Email, id.EmailVerified = "ada@contoso.com", true
		if _, err := s.SignInExternal(ctx, id); err != nil {
			t.Fatal(err)
		}
		id.Email = "ada@example.com" // left the company
		wantErr(t, "returning from another domain", errOnly(s.SignInExternal(ctx, id)), registry.ErrForbidden)
	})
}

func TestSignInAllowedGroups(t *testing.T) {
	ctx := context.Background()
	s, _ := newSignInService(t, registry.SignInRules{AllowedGroups: []string{"Contoso"}})
	id := github("1", "ada")
	id.Groups = []string{"other", "contoso"}
	first, err := s.SignInExternal(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	id.Groups = []string{"other"} // left the organisation
	wantErr(t, "returning without the group", errOnly(s.SignInExternal(ctx, id)), registry.ErrForbidden)
	id.Groups = nil
	wantErr(t, "returning without groups", errOnly(s.SignInExternal(ctx, id)), registry.ErrForbidden)
	wantErr(t, "a newcomer without the group", errOnly(s.SignInExternal(ctx, github("2", "eve"))), registry.ErrForbidden)
	id.Groups = []string{"CONTOSO"}
	if again, err := s.SignInExternal(ctx, id); err != nil || again.ID != first.ID {
		t.Errorf("back in the group: %+v %v", again, err)
	}
	// Refusals are audited, and never create an account.
	us, _ := s.Users(ctx, &registry.Account{IsAdmin: true})
	if len(us) != 1 {
		t.Errorf("users after refusals: %v", us)
	}
	es, _ := s.AuditLog(ctx, 100)
	rejected := 0
	for _, e := range es {
		if e.Kind == "signin" && e.Outcome == "rejected" {
			rejected++
		}
	}
	if rejected != 3 {
		t.Errorf("%d rejected sign-ins in the audit log, want 3", rejected)
	}
}

func errOnly(_ *registry.Account, err error) error { return err }

func TestSignInAdmins(t *testing.T) {
	ctx := context.Background()
	s, _ := newSignInService(t, registry.SignInRules{Admins: []string{"github:Root"}})
	admin, err := s.SignInExternal(ctx, github("1", "root"))
	if err != nil || !admin.IsAdmin {
		t.Fatalf("a named admin signs in: %+v %v", admin, err)
	}
	user, err := s.SignInExternal(ctx, github("2", "rooted"))
	if err != nil || user.IsAdmin {
		t.Fatalf("another user signs in: %+v %v", user, err)
	}
	// The same login on another provider is another person: admins are
	// named by provider and login, so squatting the name gains nothing.
	squatter, err := s.SignInExternal(ctx, registry.ExternalIdentity{Provider: "gitlab", Subject: "9", Login: "root", Email: "x@example.com", EmailVerified: true})
	if err != nil || squatter.IsAdmin {
		t.Fatalf("root on gitlab signs in: %+v %v", squatter, err)
	}
	for _, a := range []*registry.Account{admin, user, squatter} {
		secret, _, err := s.NewSession(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.SessionUser(ctx, secret)
		if err != nil || got.IsAdmin != (a == admin) {
			t.Errorf("session of %s: admin %v (%v)", a.Name, got.IsAdmin, err)
		}
		// A sign-in link proves no identity, so only the database flag
		// (wharf user add --admin) counts for it.
		link, _, err := s.NewLoginLink(ctx, a.Name, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		got, err = s.UseLoginLink(ctx, link)
		if err != nil || got.IsAdmin {
			t.Errorf("sign-in link of %s: admin %v (%v)", a.Name, got.IsAdmin, err)
		}
	}
	if _, err := s.Users(ctx, admin); err != nil {
		t.Errorf("an admin lists users: %v", err)
	}
	if _, err := s.Users(ctx, user); !errors.Is(err, registry.ErrForbidden) {
		t.Errorf("a user lists users: %v", err)
	}
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	s, now := newSignInService(t, registry.SignInRules{})
	a, err := s.AddUser(ctx, registry.NewUser{Name: "ada"})
	if err != nil {
		t.Fatal(err)
	}
	secret, expires, err := s.NewSession(ctx, a)
	if err != nil || !expires.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("new session: expires %s (%v)", expires, err)
	}
	if got, err := s.SessionUser(ctx, secret); err != nil || got.ID != a.ID {
		t.Fatalf("session user: %+v %v", got, err)
	}
	for name, bad := range map[string]string{"empty": "", "unknown": "wharf_nope", "too long": strings.Repeat("a", 201), "mangled": secret + "x"} {
		if _, err := s.SessionUser(ctx, bad); !errors.Is(err, registry.ErrUnauthenticated) {
			t.Errorf("%s session: %v", name, err)
		}
	}
	*now = expires
	if _, err := s.SessionUser(ctx, secret); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("expired session: %v", err)
	}
	*now = expires.Add(-time.Hour)
	other, _, _ := s.NewSession(ctx, a)
	if err := s.EndSession(ctx, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, secret); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("ended session: %v", err)
	}
	if _, err := s.SessionUser(ctx, other); err != nil {
		t.Errorf("ending one session ended another: %v", err)
	}
	if err := s.EndSession(ctx, secret); err != nil {
		t.Errorf("ending an ended session: %v", err)
	}
}

func TestLoginLinks(t *testing.T) {
	ctx := context.Background()
	s, now := newSignInService(t, registry.SignInRules{})
	if _, err := s.AddUser(ctx, registry.NewUser{Name: "ada"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddOrganization(ctx, "contoso", "ada"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		user string
		ttl  time.Duration
		want error
	}{
		{"ada", 0, registry.ErrInvalid},
		{"ada", -time.Minute, registry.ErrInvalid},
		{"ada", registry.MaxLoginLinkTTL + time.Second, registry.ErrInvalid},
		{"nobody", time.Minute, registry.ErrNotFound},
		{"contoso", time.Minute, registry.ErrInvalid}, // organisations do not sign in
	} {
		_, _, err := s.NewLoginLink(ctx, tc.user, tc.ttl)
		wantErr(t, "link for "+tc.user+" lasting "+tc.ttl.String(), err, tc.want)
	}

	link, expires, err := s.NewLoginLink(ctx, "ada", 15*time.Minute)
	if err != nil || !expires.Equal(now.Add(15*time.Minute)) {
		t.Fatalf("new link: %s %v", expires, err)
	}
	if a, err := s.UseLoginLink(ctx, link); err != nil || a.Name != "ada" {
		t.Fatalf("use link: %+v %v", a, err)
	}
	_, err = s.UseLoginLink(ctx, link)
	wantErr(t, "second use", err, registry.ErrUnauthenticated)
	if !strings.Contains(registry.Message(err), "already used") {
		t.Errorf("second use says %q", registry.Message(err))
	}

	link, expires, _ = s.NewLoginLink(ctx, "ada", time.Minute)
	*now = expires
	wantErr(t, "expired link", errOnly(s.UseLoginLink(ctx, link)), registry.ErrUnauthenticated)
	for name, bad := range map[string]string{"empty": "", "unknown": "wharf_nope", "too long": strings.Repeat("a", 201)} {
		wantErr(t, name+" link", errOnly(s.UseLoginLink(ctx, bad)), registry.ErrUnauthenticated)
	}
}

// TestSignInAdminsByIDAndConfigChange: an admin may be named by the
// provider's stable ID, and admin rights from the rules end when the rules
// stop naming the person, even for a session that is still open.
func TestSignInAdminsByIDAndConfigChange(t *testing.T) {
	ctx := context.Background()
	d, blobs := openStores(t)
	open := func(rules registry.SignInRules) *registry.Service {
		s, err := registry.New(d, blobs, registry.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), SignIn: rules})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := open(registry.SignInRules{Admins: []string{"github:#583231"}})
	a, err := before.SignInExternal(ctx, github("583231", "renamed-octocat"))
	if err != nil || !a.IsAdmin {
		t.Fatalf("admin named by ID: %+v %v", a, err)
	}
	secret, _, err := before.NewSession(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := before.SessionUser(ctx, secret); err != nil || !u.IsAdmin {
		t.Fatalf("session of the admin: %+v %v", u, err)
	}
	after := open(registry.SignInRules{}) // the operator removed the entry and restarted
	if u, err := after.SessionUser(ctx, secret); err != nil || u.IsAdmin {
		t.Errorf("session after the admin entry was removed: %+v %v, want a plain user", u, err)
	}
}

// TestSignInAdminsMatchExactly: an "#id" entry names the provider's
// subject, exactly and only the subject; a login entry names the login,
// ignoring case, and a login that looks like an ID is still only a login.
func TestSignInAdminsMatchExactly(t *testing.T) {
	ctx := context.Background()
	s, _ := newSignInService(t, registry.SignInRules{Admins: []string{"oidc:#Zq7-Admin", "OIDC:Alice", "github:#583231"}})
	for _, tc := range []struct {
		name  string
		id    registry.ExternalIdentity
		admin bool
	}{
		{"the subject, exactly", registry.ExternalIdentity{Provider: "oidc", Subject: "Zq7-Admin", Login: "root"}, true},
		{"the subject in other case", registry.ExternalIdentity{Provider: "oidc", Subject: "zq7-admin", Login: "root2"}, false},
		{"a login of #subject", registry.ExternalIdentity{Provider: "oidc", Subject: "m-1", Login: "#Zq7-Admin"}, false},
		{"a login of #subject in other case", registry.ExternalIdentity{Provider: "oidc", Subject: "m-2", Login: "#zq7-admin"}, false},
		{"the login, any case", registry.ExternalIdentity{Provider: "oidc", Subject: "a-1", Login: "ALICE"}, true},
		{"a subject named like the login", registry.ExternalIdentity{Provider: "oidc", Subject: "alice", Login: "mallory"}, false},
		{"the GitHub ID", github("583231", "octocat"), true},
		{"a GitHub login of #ID", github("9", "#583231"), false},
		{"the subject on another provider", registry.ExternalIdentity{Provider: "gitlab", Subject: "Zq7-Admin", Login: "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := s.SignInExternal(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if a.IsAdmin != tc.admin {
				t.Errorf("%s:%s (login %q): admin %v, want %v", tc.id.Provider, tc.id.Subject, tc.id.Login, a.IsAdmin, tc.admin)
			}
			secret, _, err := s.NewSession(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if u, err := s.SessionUser(ctx, secret); err != nil || u.IsAdmin != tc.admin {
				t.Errorf("session: admin %v (%v), want %v", u.IsAdmin, err, tc.admin)
			}
		})
	}
}
