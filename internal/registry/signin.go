package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DefaultSessionTTL is how long a browser session lasts when not configured.
const DefaultSessionTTL = 7 * 24 * time.Hour

// MaxLoginLinkTTL bounds the lifetime of an operator's sign-in link.
const MaxLoginLinkTTL = time.Hour

// ExternalIdentity is who a sign-in provider says the visitor is.
type ExternalIdentity struct {
	Provider      string   // the configured provider's name, e.g. "github"
	Subject       string   // the provider's stable ID for the person
	Login         string   // the name the person uses there
	Email         string   // as the provider reports it
	EmailVerified bool     // the provider vouches for Email
	Groups        []string // organisations or groups the provider reports
}

// SignInRules restrict who may sign in to the web UI and name its admins.
// Empty lists allow everyone.
type SignInRules struct {
	AllowedDomains []string // e-mail domains, e.g. "contoso.com"
	AllowedGroups  []string // provider organisations or groups, e.g. "contoso"
	Admins         []string // "provider:login" or "provider:#id" of the people who administer the registry, e.g. "github:alice"
}

func (r SignInRules) normalized() SignInRules {
	lower := func(in []string) []string {
		var out []string
		for _, s := range in {
			if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
				out = append(out, strings.TrimPrefix(s, "@"))
			}
		}
		return out
	}
	var admins []string
	for _, e := range r.Admins {
		if e = adminEntry(e); e != "" {
			admins = append(admins, e)
		}
	}
	return SignInRules{AllowedDomains: lower(r.AllowedDomains), AllowedGroups: lower(r.AllowedGroups), Admins: admins}
}

// adminEntry is an admins entry in the form it is compared in: the
// provider and a login in lower case ("github:alice"), or the provider in
// lower case and an ID exactly as written ("oidc:#Zq7"), since an OpenID
// Connect subject is case-sensitive and two subjects differing in case
// are two people.
func adminEntry(e string) string {
	provider, who, ok := strings.Cut(strings.TrimSpace(e), ":")
	if !ok || who == "" {
		return ""
	}
	provider = strings.ToLower(strings.TrimSpace(provider))
	if strings.HasPrefix(who, "#") {
		return provider + ":" + who
	}
	return provider + ":" + strings.ToLower(who)
}

// check returns why the identity may not sign in, or nil.
func (r SignInRules) check(id ExternalIdentity) error {
	if len(r.AllowedDomains) > 0 {
		at := strings.LastIndexByte(id.Email, '@')
		if at < 0 || !id.EmailVerified || !slices.Contains(r.AllowedDomains, strings.ToLower(id.Email[at+1:])) {
			return errorf(ErrForbidden, "Sign-in to this registry is limited to verified e-mail addresses at %s. Sign in with such an account, or ask the operator to let you in.", strings.Join(r.AllowedDomains, ", "))
		}
	}
	if len(r.AllowedGroups) > 0 {
		ok := false
		for _, g := range id.Groups {
			if slices.Contains(r.AllowedGroups, strings.ToLower(g)) {
				ok = true
				break
			}
		}
		if !ok {
			return errorf(ErrForbidden, "Sign-in to this registry is limited to members of %s. If you are one, make your membership visible to this registry (for GitHub, grant it access to the organisation), then try again.", strings.Join(r.AllowedGroups, ", "))
		}
	}
	return nil
}

// withAdmin marks a as an admin when the rules name the identity it signed
// in with: by provider and stable ID ("github:#1234", which survives
// renames), compared exactly and only with the provider's subject, or by
// provider and login ("github:alice"), ignoring case, never by account
// name, so nobody becomes an admin by being first to sign in with a name.
// A login is never compared with an ID entry, so a login of "#1234" is
// not the person whose ID is 1234.
func (r SignInRules) withAdmin(a *Account, id ExternalIdentity) *Account {
	if id.Subject == "" {
		return a
	}
	byID := id.Provider + ":#" + id.Subject
	byLogin := ""
	if id.Login != "" && !strings.HasPrefix(id.Login, "#") {
		byLogin = strings.ToLower(id.Provider + ":" + id.Login)
	}
	for _, entry := range r.Admins {
		if entry == byID || (byLogin != "" && entry == byLogin) {
			a.IsAdmin, a.AdminAs = true, entry
			return a
		}
	}
	return a
}

// invalidNameChars are what a provider's login may hold that account names
// may not.
var invalidNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SignInExternal signs in a person a provider vouched for. The rules are
// checked at every sign-in, so someone who left the allowed organisation
// cannot come back. The first sign-in creates the user, named after the
// provider's login (with "-provider" added when the name is taken).
// Errors: ErrForbidden (the rules refuse), ErrConflict (no free name).
func (s *Service) SignInExternal(ctx context.Context, id ExternalIdentity) (*Account, error) {
	if id.Provider == "" || id.Subject == "" {
		return nil, errorf(ErrUnauthenticated, "The sign-in provider did not say who you are. Try again.")
	}
	refused := s.signIn.check(id)
	if refused != nil {
		s.audit(ctx, &AuditEvent{Kind: "signin", Outcome: "rejected", Subject: id.Provider + ":" + id.Login, Message: Message(refused)})
	}
	a, err := s.store.IdentityAccount(ctx, id.Provider, id.Subject)
	if err == nil {
		// A known person the rules now refuse is suspended, not only
		// turned away; one they let in again gets the suspension lifted.
		if a, err = s.signInKnown(ctx, a, id, refused); err != nil {
			return nil, err
		}
		s.audit(ctx, &AuditEvent{Kind: "signin", Outcome: "accepted", ActorID: a.ID, Subject: a.Name, Message: "via " + id.Provider})
		return s.signIn.withAdmin(a, id), nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if refused != nil {
		return nil, refused
	}
	if err := s.checkNotBlocked(ctx, id); err != nil {
		return nil, err
	}
	base := strings.Trim(invalidNameChars.ReplaceAllString(id.Login, "-"), "._-")
	if len(base) > 40 {
		base = strings.Trim(base[:40], "._-")
	}
	if base == "" {
		base = "user"
	}
	email := strings.TrimSpace(id.Email)
	if !id.EmailVerified || len(email) > 254 || checkText("e-mail address", email) != nil {
		email = ""
	}
	sum := sha256.Sum256([]byte(id.Provider + "\x00" + id.Subject))
	unique := base + "-" + id.Provider + "-" + hex.EncodeToString(sum[:3])
	for _, name := range []string{base, base + "-" + id.Provider, unique} {
		if !accountName.MatchString(name) {
			continue
		}
		a := &Account{Name: name, Kind: KindUser, Email: email, CreatedAt: s.now()}
		err := s.store.CreateUserWithIdentity(ctx, a, id.Provider, id.Subject)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		s.audit(ctx, &AuditEvent{Kind: "user.create", Outcome: "done", ActorID: a.ID, Subject: a.Name, Message: "first sign-in via " + id.Provider + " as " + id.Login})
		if err := s.store.RecordIdentityFacts(ctx, IdentityFacts{Provider: id.Provider, Subject: id.Subject, Email: id.Email, EmailVerified: id.EmailVerified, Groups: id.Groups, At: s.now()}); err != nil {
			return nil, fmt.Errorf("sign in: %w", err)
		}
		return s.signIn.withAdmin(a, id), nil
	}
	return nil, errorf(ErrConflict, "The names '%s', '%s-%s' and '%s' are all taken on this registry. Ask an operator for a sign-in link to your account.", base, base, id.Provider, unique)
}

// NewSession starts a browser session for an account as signed in (with
// IsAdmin set when the sign-in rules made it an admin) and returns its
// secret, which goes into the cookie; only its hash is stored.
func (s *Service) NewSession(ctx context.Context, a *Account) (string, time.Time, error) {
	if a.DisabledAt != nil {
		return "", time.Time{}, errDisabled()
	}
	secret, hash, err := newSecret()
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	expires := now.Add(s.sessionTTL)
	if err := s.store.CreateSession(ctx, hash, a.ID, a.AdminAs, now, expires); err != nil {
		return "", time.Time{}, fmt.Errorf("new session: %w", err)
	}
	return secret, expires, nil
}

// SessionUser returns the user of a live session. Errors:
// ErrUnauthenticated (unknown, ended or expired session).
func (s *Service) SessionUser(ctx context.Context, secret string) (*Account, error) {
	if secret == "" || len(secret) > 200 {
		return nil, errorf(ErrUnauthenticated, "Sign in to continue.")
	}
	a, err := s.store.SessionAccount(ctx, hashSecret(secret), s.now())
	if errors.Is(err, ErrNotFound) {
		return nil, errorf(ErrUnauthenticated, "Your session has ended. Sign in again.")
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if a.DisabledAt != nil {
		return nil, errorf(ErrUnauthenticated, "Your account is disabled; ask an administrator.")
	}
	// Admin rights from the rules last only while the rules still say so.
	if a.AdminAs != "" && slices.Contains(s.signIn.Admins, a.AdminAs) {
		a.IsAdmin = true
	}
	return a, nil
}

// EndSession ends a session at once (sign-out), on every replica.
func (s *Service) EndSession(ctx context.Context, secret string) error {
	if secret == "" || len(secret) > 200 {
		return nil
	}
	return s.store.DeleteSession(ctx, hashSecret(secret))
}

// NewLoginLink creates a single-use sign-in secret for a user that expires
// after ttl (at most MaxLoginLinkTTL): how an operator signs in on a fresh
// install without any sign-in provider. Errors: ErrNotFound, ErrInvalid.
func (s *Service) NewLoginLink(ctx context.Context, userName string, ttl time.Duration) (string, time.Time, error) {
	u, err := s.user(ctx, userName)
	if err != nil {
		return "", time.Time{}, err
	}
	if ttl <= 0 || ttl > MaxLoginLinkTTL {
		return "", time.Time{}, errorf(ErrInvalid, "A sign-in link may last between 1 second and %s.", MaxLoginLinkTTL)
	}
	secret, hash, err := newSecret()
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	if err := s.store.CreateLoginLink(ctx, hash, u.ID, now, now.Add(ttl)); err != nil {
		return "", time.Time{}, fmt.Errorf("new sign-in link: %w", err)
	}
	s.audit(ctx, &AuditEvent{Kind: "signin.link.create", Outcome: "done", ActorID: u.ID, Subject: u.Name, Message: "valid for " + ttl.String()})
	return secret, now.Add(ttl), nil
}

// UseLoginLink consumes a sign-in link and returns its user. Errors:
// ErrUnauthenticated (unknown, used or expired link).
func (s *Service) UseLoginLink(ctx context.Context, secret string) (*Account, error) {
	bad := errorf(ErrUnauthenticated, "This sign-in link is not valid: it was already used, it expired, or it was mistyped. Ask the operator for a new one ('wharf user login-link NAME').")
	if secret == "" || len(secret) > 200 {
		return nil, bad
	}
	a, err := s.store.ConsumeLoginLink(ctx, hashSecret(secret), s.now())
	if errors.Is(err, ErrNotFound) {
		s.audit(ctx, &AuditEvent{Kind: "signin", Outcome: "rejected", Message: "invalid sign-in link"})
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("use sign-in link: %w", err)
	}
	s.audit(ctx, &AuditEvent{Kind: "signin", Outcome: "accepted", ActorID: a.ID, Subject: a.Name, Message: "via sign-in link"})
	return a, nil
}
