package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/trust"
)

// TrustedKeyPrefix starts every trusted-publishing key, so secret scanners
// and people can tell a short-lived key from a long-lived one.
const TrustedKeyPrefix = "wharf_tp_"

// MaxTrustedKeyTTL is the longest a trusted-publishing key lives.
const MaxTrustedKeyTTL = time.Hour

// TokenVerifier verifies a CI job's OIDC token (trust.Verifier does).
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*trust.Claims, error)
}

// ExchangeRequest is a token exchange as the NuGet/login action sends it.
type ExchangeRequest struct {
	Token      string
	Username   string
	RemoteAddr string
}

// ExchangeResult is a freshly minted trusted-publishing key.
type ExchangeResult struct {
	Secret  string
	Expires time.Time
	Key     *APIKey
}

// Exchange verifies a CI token, finds the first of the username's trust
// policies (push policies oldest first, then read-only ones oldest first)
// that the token matches, and mints a short-lived key scoped to the
// policy's package owner and globs: read and push, or read only for a
// read-only policy. The token is usable
// once. Errors: ErrUnauthenticated (bad token, no match, replay, expired
// pending policy), ErrInvalid (only policies whose creator lost the right
// to publish for the owner match; a malformed username), ErrRateLimited (per client address,
// then per verified repository), ErrUnavailable (trusted publishing is off).
func (s *Service) Exchange(ctx context.Context, req ExchangeRequest) (*ExchangeResult, error) {
	if s.verifier == nil {
		return nil, errorf(ErrUnavailable, "Trusted publishing is not configured on this server.")
	}
	if !accountName.MatchString(req.Username) {
		return nil, errorf(ErrInvalid, "The username must be the name of a user or organisation on this server (letters, digits, '.', '_' or '-', at most 64).")
	}
	// Before the token is verified only the client's address is counted:
	// a name the caller chooses must not let anyone exhaust another
	// owner's budget.
	// Budgets are checked with reads; a minted key counts its events in
	// its own transaction (one write per successful exchange) and a
	// refused exchange counts them when it is refused.
	addrKey := "addr:" + req.RemoteAddr
	if err := s.limiter.check(ctx, s.now(), addrKey); err != nil {
		s.log.Warn("token exchanges rate limited", "addr", req.RemoteAddr)
		return nil, err
	}
	// closest is, when no policy matched, the one that came closest: the
	// audit log keeps it for its owners; the caller's answer never has it.
	var closest *ClosestPolicy
	reject := func(claims *trust.Claims, policy *trust.Policy, err error) error {
		s.limiter.count(ctx, s.now(), addrKey)
		if claims != nil {
			s.limiter.count(ctx, s.now(), repoKey(claims))
		}
		e := &AuditEvent{Kind: "token.exchange", Outcome: "rejected", Subject: req.Username,
			Message: Message(err), RemoteAddr: req.RemoteAddr}
		if claims != nil {
			e.Claims = claims.Raw
		}
		if e.Message == "" {
			e.Message = "internal error"
		}
		if policy != nil {
			e.PolicyID, e.Message = policy.ID, e.Message+readOnlyNote(policy)
			e.Message += s.issuerNote(policy)
		}
		e.Closest = closest
		s.audit(ctx, e)
		return err
	}
	claims, err := s.verifier.Verify(ctx, req.Token)
	if err != nil {
		var ve *trust.VerifyError
		if errors.As(err, &ve) {
			kind := ErrUnauthenticated
			if ve.Status == 503 {
				kind = ErrUnavailable // the issuer is unreachable: not the token's fault
				s.log.Warn("token issuer unreachable", "err", err)
			}
			return nil, reject(nil, nil, &Error{Kind: kind, Message: ve.Msg})
		}
		return nil, reject(nil, nil, fmt.Errorf("verify token: %w", err))
	}
	// After it, the verified repository identity is counted too.
	if err := s.limiter.check(ctx, s.now(), repoKey(claims)); err != nil {
		s.limiter.count(ctx, s.now(), addrKey)
		s.log.Warn("token exchanges rate limited", "repository", claims.Repository)
		return nil, err
	}
	// A policy that changed between the match and the mint (most often
	// bound by a concurrent first use from the same workflow) is matched
	// again once, as it now is.
	for attempt := 0; ; attempt++ {
		policy, match, err := s.matchPolicy(ctx, req.Username, claims, &closest)
		if err != nil {
			return nil, reject(claims, policy, err)
		}
		res, err := s.mint(ctx, req, claims, policy, match, reject)
		if errors.Is(err, errPolicyChanged) {
			if attempt == 0 {
				continue
			}
			return nil, reject(claims, policy, errorf(ErrUnauthenticated, "No matching trust policy owned by user '%s' was found.", req.Username))
		}
		return res, err
	}
}

// errPolicyChanged is mint's answer when the matched policy was edited,
// bound or removed before the key could be minted from it.
var errPolicyChanged = errors.New("trust policy changed since it was matched")

// repoKey is the rate-limit key of a verified token's repository.
func repoKey(c *trust.Claims) string { return "repo:" + c.Issuer + "#" + c.RepositoryID }

// matchPolicy evaluates the candidate policies: those created by the named
// user, or owned by the named organisation; push policies first, then
// read-only ones, each oldest first. A job that matches both gets the push
// key (which reads too), so a broad read-only policy never shadows the
// release workflow's push policy, whichever was created first. A policy
// whose creator may no longer publish for its owner (they left the
// organisation) is skipped, so the next matching policy answers; only when
// no other one matches is the answer nuget.org's 400 about the key's scopes.
// When none matches, *closest is set to the candidate that came closest.
func (s *Service) matchPolicy(ctx context.Context, username string, c *trust.Claims, closest **ClosestPolicy) (*trust.Policy, trust.Result, error) {
	generic := errorf(ErrUnauthenticated, "No matching trust policy owned by user '%s' was found.", username)
	acct, err := s.store.AccountByName(ctx, username)
	if errors.Is(err, ErrNotFound) {
		return nil, trust.Result{}, generic
	}
	if err != nil {
		return nil, trust.Result{}, err
	}
	var policies []trust.Policy
	if acct.Kind == KindOrganization {
		policies, err = s.store.Policies(ctx, 0, acct.ID)
	} else {
		policies, err = s.store.Policies(ctx, acct.ID, 0)
	}
	if err != nil {
		return nil, trust.Result{}, err
	}
	// A job that several policies match gets the most restricted key
	// that publishes: staging-only before push, read-only last.
	rank := func(p trust.Policy) int {
		switch {
		case p.StagingOnly:
			return 0
		case p.ReadOnly:
			return 2
		}
		return 1
	}
	slices.SortStableFunc(policies, func(a, b trust.Policy) int { return rank(a) - rank(b) })
	var specific error
	var specificPolicy, lapsed *trust.Policy
	var untrusted *trust.Policy // its issuer is no longer trusted as it was; never matched
	for i := range policies {
		p := &policies[i]
		if _, why := trust.PolicyIssuer(p, s.issuers); why != "" {
			if untrusted == nil && p.Issuer == c.Issuer {
				untrusted = p
			}
			continue
		}
		res, err := trust.Match(p, c, s.now(), trust.MatchOptions{BannedEvents: s.bannedEvents})
		if err == nil {
			if creator, err := s.store.AccountByID(ctx, p.CreatedBy); err == nil && creator.DisabledAt != nil {
				return p, trust.Result{}, errorf(ErrForbidden, "The trust policy '%s' was created by %s, whose account is disabled; ask an administrator to enable the account or have someone else create the policy.", p.Name, creator.Name)
			}
			ok, err := s.canActFor(ctx, p.CreatedBy, p.OwnerID, false)
			if err != nil {
				return p, trust.Result{}, err
			}
			if ok {
				return p, res, nil
			}
			if lapsed == nil {
				lapsed = p
			}
			continue
		}
		var me *trust.MatchError
		if errors.As(err, &me) && me.Specific && specific == nil {
			specific, specificPolicy = errorf(ErrUnauthenticated, "%s", me.Msg), p
		}
	}
	if lapsed == nil {
		*closest = s.closestOf(policies, c)
	}
	switch {
	case lapsed != nil:
		name := fmt.Sprint(lapsed.OwnerID)
		if owner, err := s.store.AccountByID(ctx, lapsed.OwnerID); err == nil {
			name = owner.Name
		}
		return lapsed, trust.Result{}, errorf(ErrInvalid, "The scopes on the generated API key are not valid. Confirm that you still have permissions to operate on behalf of package owner '%s'.", name)
	case specific != nil:
		return specificPolicy, trust.Result{}, specific
	case untrusted != nil:
		return untrusted, trust.Result{}, generic // the audit log says why (issuerNote)
	}
	return nil, trust.Result{}, generic
}

// mint creates the key, records the token and binds the policy in one
// transaction.
func (s *Service) mint(ctx context.Context, req ExchangeRequest, c *trust.Claims, p *trust.Policy, m trust.Result,
	reject func(*trust.Claims, *trust.Policy, error) error) (*ExchangeResult, error) {
	now := s.now()
	expires := now.Add(s.trustedTTL)
	secret, hash, err := newSecret()
	if err != nil {
		return nil, err
	}
	secret = TrustedKeyPrefix + strings.TrimPrefix(secret, KeyPrefix)
	hash = hashSecret(secret)
	key := &APIKey{
		UserID: p.CreatedBy, OwnerID: p.OwnerID, Description: "trusted publishing: " + p.Name,
		Hint: secret[:len(TrustedKeyPrefix)+4], Globs: p.Globs, ExpiresAt: &expires, CreatedAt: now,
		PolicyID: &p.ID, Provenance: provenanceOf(c, p),
		// For its short life it also restores what the policy's package owner
		// may read, so CI needs no stored secret to restore private packages.
		Scopes: feeds.ScopeRead | feeds.ScopePush,
	}
	scope := "read+push"
	if p.ReadOnly {
		key.Description = "trusted publishing, read-only: " + p.Name
		key.Scopes, scope = feeds.ScopeRead, "read-only"
	}
	if p.StagingOnly {
		key.Description = "trusted publishing, staging only: " + p.Name
		key.Scopes, scope = feeds.ScopeRead|feeds.ScopeStage, "read+stage"
	}
	mint := &Mint{
		Issuer: c.Issuer, JTI: c.JTI, TokenExpiry: c.Expiry.Add(time.Minute), Policy: p, Bind: m.Bind,
		RepoOwnerID: c.RepoOwnerID, RepositoryID: c.RepositoryID, Key: key, Hash: hash, BoundAt: now,
		Audit: &AuditEvent{At: now, Kind: "token.exchange", Outcome: "accepted", ActorID: p.CreatedBy, PolicyID: p.ID,
			Subject: req.Username, Message: "minted " + scope + " key " + key.Hint + "… until " + expires.UTC().Format(time.RFC3339), RemoteAddr: req.RemoteAddr, Claims: c.Raw},
	}
	if p.RepoGlob() {
		mint.RepositoryID = trust.AnyRepository // it binds the owner's ID only
		mint.RepoUse = &RepoUse{Repository: c.Repository, RepositoryID: c.RepositoryID, FirstUsedAt: now, JTI: c.JTI, RunID: c.RunID}
	}
	if m.Bind {
		mint.BindAuditEvent = &AuditEvent{At: now, Kind: "policy.bind", Outcome: "done", ActorID: p.CreatedBy, PolicyID: p.ID, Subject: p.Name,
			Message: fmt.Sprintf("bound to owner ID %s and repository ID %s", c.RepoOwnerID, mint.RepositoryID), Claims: c.Raw}
	}
	for _, key := range []string{"addr:" + req.RemoteAddr, repoKey(c)} {
		if e := s.limiter.event(now, key); e != nil {
			mint.Counts = append(mint.Counts, *e)
		}
	}
	switch err := s.store.MintTrustedKey(ctx, mint); {
	case errors.Is(err, ErrRateLimited):
		s.log.Warn("token exchanges rate limited", "addr", req.RemoteAddr, "repository", c.Repository)
		return nil, s.limiter.refusal(now)
	case errors.Is(err, ErrConflict):
		s.limiter.count(ctx, now, "addr:"+req.RemoteAddr)
		s.limiter.count(ctx, now, repoKey(c))
		s.audit(ctx, &AuditEvent{Kind: "token.replay", Outcome: "rejected", PolicyID: p.ID, Subject: req.Username, RemoteAddr: req.RemoteAddr, Claims: c.Raw,
			Message: "token " + c.JTI + " was already used" + readOnlyNote(p)})
		return nil, &Error{Kind: ErrUnauthenticated, Message: "This bearer token has already been used. A new bearer token must be used for each request."}
	case errors.Is(err, ErrForbidden):
		return nil, errPolicyChanged
	case err != nil:
		return nil, reject(c, p, fmt.Errorf("mint key: %w", err))
	}
	return &ExchangeResult{Secret: secret, Expires: expires, Key: key}, nil
}

// readOnlyNote marks the audit messages of a read-only policy's exchanges.
func readOnlyNote(p *trust.Policy) string {
	if p.ReadOnly {
		return " (read-only policy)"
	}
	return ""
}

// RevokeTrustedKey revokes a trusted-publishing key early, as the job that
// holds it asks with the key as its bearer. Errors: ErrUnauthenticated.
func (s *Service) RevokeTrustedKey(ctx context.Context, secret string) error {
	k, err := s.Authenticate(ctx, secret)
	if err != nil {
		return err
	}
	if k.PolicyID == nil {
		return errorf(ErrInvalid, "Only trusted-publishing keys are revoked here; revoke other keys with 'wharf key revoke' or on the API keys page.")
	}
	if err := s.store.RevokeKey(ctx, k.ID, s.now()); err != nil {
		return err
	}
	s.audit(ctx, &AuditEvent{Kind: "key.revoke", Outcome: "done", ActorID: k.UserID, PolicyID: *k.PolicyID, Subject: k.Hint + "…", Message: "revoked by its bearer"})
	return nil
}
