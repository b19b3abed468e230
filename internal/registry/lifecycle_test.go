package registry_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
)

// TestDisabledUserSessionsAndSignIn: disabling a user ends their live
// session at once and refuses new sessions (provider or sign-in link)
// with a sentence; enabling lets them sign in again.
func TestDisabledUserSessionsAndSignIn(t *testing.T) {
	ctx := context.Background()
	s, _ := newSignInService(t, registry.SignInRules{})
	a, err := s.AddUser(ctx, registry.NewUser{Name: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	secret, _, err := s.NewSession(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DisableUser(ctx, a.ID, "alice"); err == nil || !strings.Contains(err.Error(), "cannot disable your own") {
		t.Errorf("disabling oneself: %v, want a refusal", err)
	}
	if _, err := s.DisableUser(ctx, 0, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionUser(ctx, secret); !errors.Is(err, registry.ErrUnauthenticated) {
		t.Errorf("a disabled user's session: %v, want ErrUnauthenticated", err)
	}
	link, _, err := s.NewLoginLink(ctx, "alice", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.UseLoginLink(ctx, link)
	if err == nil {
		_, _, err = s.NewSession(ctx, u)
	}
	if err == nil || !strings.Contains(err.Error(), "Your account is disabled; ask an administrator.") {
		t.Errorf("signing in while disabled: %v, want the sentence", err)
	}
	if _, err := s.EnableUser(ctx, 0, "alice"); err != nil {
		t.Fatal(err)
	}
	a, _ = s.UseLoginLink(ctx, mustLink(t, s))
	if a == nil {
		t.Fatal("sign-in link refused after enable")
	}
	if _, _, err := s.NewSession(ctx, a); err != nil {
		t.Errorf("signing in after enable: %v", err)
	}
}

func mustLink(t *testing.T, s *registry.Service) string {
	t.Helper()
	link, _, err := s.NewLoginLink(context.Background(), "alice", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return link
}
