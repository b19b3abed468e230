package trust

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
)

// VerifyError is a token the verifier refuses, with the sentence to show
// the client. Status is 401 for every problem of the token itself, and 503
// when the issuer could not be reached to check it (Err then says why).
type VerifyError struct {
	Status int
	Msg    string
	Err    error // the underlying cause, for logs; may be nil
}

// Error returns the user-facing sentence.
func (e *VerifyError) Error() string { return e.Msg }

// Unwrap returns the underlying cause.
func (e *VerifyError) Unwrap() error { return e.Err }

// tokenError is a 401 VerifyError; cause may be nil.
func tokenError(msg string, cause error) *VerifyError {
	return &VerifyError{Status: http.StatusUnauthorized, Msg: msg, Err: cause}
}

// The messages, nuget.org's where it has one.
const (
	msgMalformed   = "The bearer token is not a valid JSON web token."
	msgIssuer      = "The JSON web token iss claim is not supported."
	msgSignature   = "The JSON web token has an invalid signature."
	msgExpired     = "The JSON web token has expired."
	msgNotYetValid = "The JSON web token is not yet valid."
	msgAudienceN   = "The JSON web token must have exactly one aud claim value."
	msgAudience    = "The JSON web token has an incorrect audience."
	msgJTI         = "The JSON web token must have a jti claim."
)

// Defaults and bounds.
const (
	maxTokenBytes   = 64 << 10
	defaultLeeway   = 30 * time.Second
	maxLeeway       = 60 * time.Second
	defaultCooldown = time.Minute
)

// VerifierOptions configures verification.
type VerifierOptions struct {
	Issuers  []Issuer
	Audience string        // exactly one aud must equal this
	Leeway   time.Duration // clock skew allowed on exp, nbf, iat; 0 means 30s, at most 60s
	// Now is the clock (tests inject one); default time.Now. It also
	// times the cool-downs.
	Now func() time.Time
	// HTTPClient fetches discovery documents and JWKS; default a client
	// with a 10s timeout. Response bodies are capped at 1 MiB.
	HTTPClient *http.Client
	// RefreshCooldown is the minimum time between JWKS refetches triggered
	// by an unknown kid, and between retries of a failed discovery or first
	// key load; default 1 minute.
	RefreshCooldown time.Duration
}

// Verifier verifies CI OIDC tokens against the trusted issuers. It is safe
// for concurrent use; build one per process, its caches live in it.
type Verifier struct {
	issuers  map[string]*remoteIssuer
	audience string
	leeway   time.Duration
	now      func() time.Time
}

// NewVerifier checks the options and builds a Verifier. It does no network
// I/O: each issuer is discovered on its first token.
func NewVerifier(o VerifierOptions) (*Verifier, error) {
	if len(o.Issuers) == 0 {
		return nil, errors.New("trust: no trusted issuers configured")
	}
	if strings.TrimSpace(o.Audience) == "" {
		return nil, errors.New("trust: the OIDC audience is empty")
	}
	if o.Leeway < 0 || o.Leeway > maxLeeway {
		return nil, fmt.Errorf("trust: leeway %s is out of range: use 0 to %s", o.Leeway, maxLeeway)
	}
	if o.Leeway == 0 {
		o.Leeway = defaultLeeway
	}
	if o.RefreshCooldown < 0 {
		return nil, fmt.Errorf("trust: refresh cool-down %s is negative", o.RefreshCooldown)
	}
	if o.RefreshCooldown == 0 {
		o.RefreshCooldown = defaultCooldown
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	client := &http.Client{Timeout: fetchTimeout}
	if o.HTTPClient != nil {
		c := *o.HTTPClient
		client = &c
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	client.Transport = limitBody{base}
	f := &fetcher{client: client, now: o.Now, cooldown: o.RefreshCooldown}
	v := &Verifier{issuers: map[string]*remoteIssuer{}, audience: o.Audience, leeway: o.Leeway, now: o.Now}
	for _, iss := range o.Issuers {
		if err := ValidateIssuerURL(iss.URL); err != nil {
			return nil, fmt.Errorf("trust: %w", err)
		}
		if iss.Provider == OIDC && len(iss.MatchClaims()) == 0 {
			return nil, fmt.Errorf("trust: the oidc issuer %s names no claims for its policies to match: set oidc_claims", iss.URL)
		}
		if !KnownProvider(iss.Provider) {
			return nil, fmt.Errorf("trust: issuer %s has unknown provider %q", iss.URL, iss.Provider)
		}
		if v.issuers[iss.URL] != nil {
			return nil, fmt.Errorf("trust: issuer %s is listed twice", iss.URL)
		}
		v.issuers[iss.URL] = &remoteIssuer{Issuer: iss, net: f, sem: make(chan struct{}, 1)}
	}
	return v, nil
}

// Verify checks a raw JWT and returns its claims. In order: the token's
// form; its unverified iss, which picks the issuer; the algorithm (RS256,
// or ES256 if the issuer advertises it); the signature (go-oidc, against
// the issuer's discovered and cached keys); exp, nbf and iat with the
// leeway; exactly one aud, ours; a jti; the provider's required claims.
// Claims.Raw holds every claim as decoded JSON, numbers as json.Number.
// Errors: *VerifyError (401 for the token's faults, 503 when the issuer
// cannot be reached); ctx's error if it ends while waiting for a fetch.
func (v *Verifier) Verify(ctx context.Context, raw string) (*Claims, error) {
	return v.verify(ctx, raw, false)
}

// verify is Verify; allowExpired skips the exp check (VerifyAllowExpired).
func (v *Verifier) verify(ctx context.Context, raw string, allowExpired bool) (*Claims, error) {
	iss, alg, err := peek(raw)
	if err != nil {
		return nil, err
	}
	ri := v.issuers[iss]
	if ri == nil {
		return nil, tokenError(msgIssuer, nil)
	}
	if !slices.Contains(supportedAlgs, alg) {
		return nil, tokenError(msgSignature, nil)
	}
	d, err := ri.discover(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(d.algs, alg) {
		return nil, tokenError(msgSignature, nil)
	}
	call := &sigCall{}
	_, oidcErr := d.verifier.Verify(context.WithValue(ctx, sigCallKey{}, call), raw)
	if call.err != nil {
		return nil, call.err
	}
	if call.payload == nil {
		return nil, tokenError(msgSignature, oidcErr)
	}
	c, err := v.claims(ri.Issuer, call.payload, allowExpired)
	if err != nil {
		return nil, err
	}
	if oidcErr != nil { // signed, but go-oidc could not read a claim our checks let through
		return nil, tokenError(msgMalformed, oidcErr)
	}
	return c, nil
}

// peek reads a compact JWS without trusting it: its iss and alg.
func peek(raw string) (iss, alg string, err error) {
	if len(raw) > maxTokenBytes {
		return "", "", tokenError(msgMalformed, nil)
	}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", "", tokenError(msgMalformed, nil)
	}
	var header, payload map[string]json.RawMessage
	if decodeSegment(parts[0], &header) != nil || decodeSegment(parts[1], &payload) != nil ||
		header == nil || payload == nil {
		return "", "", tokenError(msgMalformed, nil)
	}
	if _, err := base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return "", "", tokenError(msgMalformed, nil)
	}
	if json.Unmarshal(header["alg"], &alg) != nil {
		return "", "", tokenError(msgSignature, nil)
	}
	if json.Unmarshal(payload["iss"], &iss) != nil {
		return "", "", tokenError(msgIssuer, nil)
	}
	return iss, alg, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// claims checks the verified payload and maps it to Claims.
func (v *Verifier) claims(iss Issuer, payload []byte, allowExpired bool) (*Claims, error) {
	raw := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if dec.Decode(&raw) != nil || dec.Decode(new(any)) != io.EOF {
		return nil, tokenError(msgMalformed, nil)
	}
	now := v.now()
	exp, err := numericDate(raw, "exp")
	if err != nil {
		return nil, err
	}
	if exp.IsZero() || (!allowExpired && !now.Before(exp.Add(v.leeway))) {
		return nil, tokenError(msgExpired, nil)
	}
	for _, name := range []string{"nbf", "iat"} {
		t, err := numericDate(raw, name)
		if err != nil {
			return nil, err
		}
		if now.Add(v.leeway).Before(t) {
			return nil, tokenError(msgNotYetValid, nil)
		}
	}
	auds, ok := audiences(raw["aud"])
	if !ok || len(auds) != 1 {
		return nil, tokenError(msgAudienceN, nil)
	}
	if auds[0] != expectedAudience(iss.Provider, v.audience) {
		return nil, tokenError(msgAudience, nil)
	}
	r := &reader{m: raw}
	c := &Claims{Issuer: iss.URL, Provider: iss.Provider, Subject: r.str("sub"), Audience: auds[0],
		JTI: r.str("jti"), Expiry: exp, Raw: raw}
	c.IssuerName = iss.Name
	c.IssuedAt, _ = numericDate(raw, "iat")
	if c.JTI == "" && iss.Provider == Forgejo {
		c.JTI = forgejoJTI(payload)
	}
	if c.JTI == "" && iss.Provider == CircleCI {
		c.JTI = payloadID(payload) // CircleCI's tokens have no jti
	}
	if c.JTI == "" {
		return nil, tokenError(msgJTI, nil)
	}
	var required []string
	switch iss.Provider {
	case GitHub:
		required = r.github(c)
	case GitLab:
		required = r.gitlab(c)
	case Forgejo:
		required = r.forgejo(c)
	case Azure:
		required = r.azure(c, iss.URL)
	case Buildkite:
		required = r.buildkite(c)
	case CircleCI:
		required = r.circleci(iss, c)
	case OIDC:
		if err := r.oidc(iss, c); err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	for _, name := range required {
		if r.str(name) == "" {
			article := "a"
			if strings.ContainsRune("aeiou", rune(name[0])) {
				article = "an"
			}
			return nil, tokenError(fmt.Sprintf("The JSON web token must have %s %s claim.", article, name), nil)
		}
	}
	if err := ruleKindChecks(iss, c); err != nil {
		return nil, err
	}
	if iss.Provider == GitHub && c.WorkflowRef == "" && c.JobWorkflowRef == "" {
		return nil, tokenError("The JSON web token must have a workflow_ref or job_workflow_ref claim.", nil)
	}
	return c, nil
}

// github maps GitHub Actions claims and returns the required ones.
func (r *reader) github(c *Claims) []string {
	c.RepoOwner, c.RepoOwnerID = r.str("repository_owner"), r.str("repository_owner_id")
	c.Repository, c.RepositoryID = r.str("repository"), r.str("repository_id")
	c.Workflow, c.WorkflowRef, c.WorkflowSHA = r.str("workflow"), r.str("workflow_ref"), r.str("workflow_sha")
	c.JobWorkflowRef, c.JobWorkflowSHA = r.str("job_workflow_ref"), r.str("job_workflow_sha")
	c.RunID, c.RunNumber, c.RunAttempt = r.str("run_id"), r.str("run_number"), r.str("run_attempt")
	c.RepositoryVisibility, c.RunnerEnvironment = r.str("repository_visibility"), r.str("runner_environment")
	c.Ref, c.RefType, c.SHA = r.str("ref"), r.str("ref_type"), r.str("sha")
	c.Actor, c.ActorID = r.str("actor"), r.str("actor_id")
	c.EventName, c.Environment = r.str("event_name"), r.str("environment")
	return []string{"repository", "repository_owner", "repository_owner_id", "repository_id", "event_name"}
}

// gitlab maps GitLab CI claims and returns the required ones.
func (r *reader) gitlab(c *Claims) []string {
	c.RepoOwner, c.RepoOwnerID = r.str("namespace_path"), r.str("namespace_id")
	c.Repository, c.RepositoryID = r.str("project_path"), r.str("project_id")
	c.Ref, c.RefType, c.SHA = r.str("ref"), r.str("ref_type"), r.str("sha")
	c.Actor, c.ActorID = r.str("user_login"), r.str("user_id")
	c.EventName, c.Environment = r.str("pipeline_source"), r.str("environment")
	c.RunID, c.JobID = r.str("pipeline_id"), r.str("job_id")
	c.CIConfigRefURI, c.CIConfigSHA = r.str("ci_config_ref_uri"), r.str("ci_config_sha")
	c.RunnerEnvironment = r.str("runner_environment")
	return []string{"namespace_path", "project_path", "namespace_id", "project_id"}
}

// reader reads string claims. Real tokens carry IDs as JSON strings; a
// number is accepted and kept as written. Any other type is an error,
// remembered in err.
type reader struct {
	m   map[string]any
	err error
}

func (r *reader) str(name string) string {
	switch x := r.m[name].(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	default:
		if r.err == nil {
			r.err = tokenError(fmt.Sprintf("The JSON web token's %s claim must be a string.", name), nil)
		}
		return ""
	}
}

// numericDate reads an optional NumericDate claim (zero time if absent).
func numericDate(m map[string]any, name string) (time.Time, error) {
	switch x := m[name].(type) {
	case nil:
		return time.Time{}, nil
	case json.Number:
		f, err := x.Float64()
		if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) && f > 0 && f < 1<<40 {
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(frac*1e9)), nil
		}
	}
	return time.Time{}, tokenError(fmt.Sprintf("The JSON web token's %s claim must be a date (seconds since 1970).", name), nil)
}

// audiences reads aud: a string or an array of strings.
func audiences(v any) ([]string, bool) {
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, a := range x {
			s, ok := a.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// fetcher holds what network access needs: the client, the clock, the
// cool-down between fetches.
type fetcher struct {
	client   *http.Client
	now      func() time.Time
	cooldown time.Duration
}

// Bounds on network access.
const (
	fetchTimeout = 10 * time.Second
	maxDocBytes  = 1 << 20
)

// context bounds a fetch. It is detached from the caller's cancellation:
// a fetch costs a cool-down, so one impatient client must not waste it
// for everyone.
func (f *fetcher) context(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
}

// limitBody caps every response body read through it.
type limitBody struct{ base http.RoundTripper }

func (l limitBody) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := l.base.RoundTrip(req)
	if err == nil {
		res.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(res.Body, maxDocBytes), res.Body}
	}
	return res, err
}

// getJSON GETs a JSON document.
func (f *fetcher) getJSON(ctx context.Context, url string, v any) error {
	ctx, cancel := f.context(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cache-Control", "no-cache") // an unknown kid wants the freshest keys
	res, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}

// acquire takes a one-slot semaphore, or gives up when ctx ends.
func acquire(ctx context.Context, sem chan struct{}) error {
	select {
	case sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
