package trust

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
)

// Issuer is a trusted token issuer.
type Issuer struct {
	// Name is the issuer's stable name in the trusted_issuers setting
	// ("github", "ghes", "gitlab-corp"): what policies store and people
	// type. Lowercase letters, digits and '-'.
	Name     string
	Kind     string   // the kind word of its entry, e.g. "github" (see KindOf)
	URL      string   // exactly the iss claim of its tokens
	Provider Provider // which claims its tokens carry
	Title    string   // for humans, e.g. "GitHub Actions"

	// ClaimNames, for a generic oidc issuer, are the claims its policies
	// match and the ID claims they bind (ApplyOIDCClaims). A pointer, so
	// that Issuer stays comparable.
	ClaimNames *ClaimNames
}

// Well-known issuers.
const (
	GitHubActionsIssuer = "https://token.actions.githubusercontent.com"
	GitLabComIssuer     = "https://gitlab.com"
)

// issuerName is the form of an issuer's name.
var issuerName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// ParseIssuers reads the trusted_issuers setting (WHARF_TRUSTED_ISSUERS):
// a comma-separated list of entries, each
//
//	NAME=KIND:URL   ghes=github:https://ghe.example.com/_services/token
//	NAME=KIND       corp=gitlab (the kind's public issuer, named corp)
//	KIND=URL        gitlab=https://gitlab.example.com (named after its kind)
//	KIND            github (the kind's public issuer, named after its kind)
//
// Kinds are those of KindOf: github (GitHub Actions, or GitHub Enterprise
// Server as https://HOST/_services/token) and gitlab (gitlab.com or
// self-managed, https://gitlab.example.com). Names are lowercase letters,
// digits and '-', starting with a letter, and unique; so are URLs. An empty
// string means GitHub Actions alone, named github. The errors are sentences
// naming the bad entry and how to fix it.
func ParseIssuers(s string) ([]Issuer, error) {
	if strings.TrimSpace(s) == "" {
		k, _ := KindOf("github")
		return []Issuer{{Name: "github", Kind: "github", URL: k.DefaultURL, Provider: k.Provider, Title: k.Title}}, nil
	}
	var out []Issuer
	seenURL, seenName := map[string]string{}, map[string]string{}
	for i, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("trusted issuer entry %d is empty: remove the extra comma", i+1)
		}
		iss, err := parseIssuer(entry)
		if err != nil {
			return nil, err
		}
		if prev, dup := seenURL[iss.URL]; dup {
			return nil, fmt.Errorf("trusted issuer %q repeats the issuer of %q: list each issuer once", entry, prev)
		}
		if prev, dup := seenName[iss.Name]; dup {
			return nil, fmt.Errorf("trusted issuer %q takes the name %q, which %q has already: give each issuer its own name, as in %s-2=%s:%s",
				entry, iss.Name, prev, iss.Name, iss.Kind, iss.URL)
		}
		seenURL[iss.URL], seenName[iss.Name] = entry, entry
		out = append(out, iss)
	}
	return out, nil
}

// parseIssuer reads one entry of trusted_issuers.
func parseIssuer(entry string) (Issuer, error) {
	kindList := strings.Join(KindNames(), ", ")
	left, right, named := strings.Cut(entry, "=")
	left, right = strings.TrimSpace(left), strings.TrimSpace(right)
	var name, kind, u string
	switch {
	case !named: // KIND
		kind = strings.ToLower(left)
		name = kind
		if _, ok := KindOf(kind); !ok {
			return Issuer{}, fmt.Errorf("trusted issuer %q has an unknown kind %q: write one of %s, or NAME=KIND:URL", entry, kind, kindList)
		}
	case isKindPrefixed(right): // NAME=KIND:URL
		name = left
		kind, u, _ = strings.Cut(right, ":")
		kind, u = strings.ToLower(kind), strings.TrimSpace(u)
		if u == "" {
			return Issuer{}, fmt.Errorf("trusted issuer %q has no URL after %q: write %s=%s:URL, or %s=%s for its public issuer", entry, kind+":", name, kind, name, kind)
		}
	case isKind(right): // NAME=KIND
		name, kind = left, strings.ToLower(right)
	case isUnknownKindPrefixed(right): // NAME=KIND:URL with a kind we do not know
		word, _, _ := strings.Cut(right, ":")
		return Issuer{}, fmt.Errorf("trusted issuer %q has an unknown kind %q: write %s=KIND:URL with a kind of %s", entry, word, left, kindList)
	default: // KIND=URL
		kind, u = strings.ToLower(left), right
		name = kind
		if _, ok := KindOf(kind); !ok {
			if issuerName.MatchString(left) {
				return Issuer{}, fmt.Errorf("trusted issuer %q names no kind: write %s=KIND:%s with a kind of %s", entry, left, right, kindList)
			}
			return Issuer{}, fmt.Errorf("trusted issuer %q has an unknown kind %q: write KIND=URL or NAME=KIND:URL with a kind of %s", entry, kind, kindList)
		}
	}
	if !issuerName.MatchString(name) {
		return Issuer{}, fmt.Errorf("trusted issuer %q has the name %q: a name is 1 to 40 lowercase letters, digits and '-', starting with a letter, as in ghes or gitlab-corp", entry, name)
	}
	k, _ := KindOf(kind)
	if u == "" && named && !isKind(right) {
		return Issuer{}, fmt.Errorf("trusted issuer %q: the issuer URL is empty", entry)
	}
	if u == "" {
		if k.DefaultURL == "" && k.MissingURL != "" {
			return Issuer{}, fmt.Errorf("trusted issuer %q: %s", entry, k.MissingURL)
		}
		if k.DefaultURL == "" {
			return Issuer{}, fmt.Errorf("trusted issuer %q: the kind %s has no public issuer: write %s=%s:URL with your instance's issuer URL", entry, kind, name, kind)
		}
		u = k.DefaultURL
	}
	if err := ValidateIssuerURL(u); err != nil {
		return Issuer{}, fmt.Errorf("trusted issuer %q: %w", entry, err)
	}
	if err := checkProviderIssuer(k.Provider, u); err != nil {
		return Issuer{}, fmt.Errorf("trusted issuer %q: %w", entry, err)
	}
	return Issuer{Name: name, Kind: kind, URL: u, Provider: k.Provider, Title: k.titleOf(u)}, nil
}

// isKind reports whether s is a kind, in any case.
func isKind(s string) bool {
	_, ok := KindOf(strings.ToLower(s))
	return ok
}

// isKindPrefixed reports whether s is KIND:something (KIND in any case).
// No kind is called http or https, so a URL is never taken for one.
func isKindPrefixed(s string) bool {
	kind, _, ok := strings.Cut(s, ":")
	return ok && isKind(kind)
}

// isUnknownKindPrefixed reports whether s is WORD:something that is not a
// URL (whose scheme is followed by //).
func isUnknownKindPrefixed(s string) bool {
	word, rest, ok := strings.Cut(s, ":")
	return ok && word != "" && !strings.HasPrefix(rest, "//") && !strings.ContainsAny(word, "/.")
}

// FormatIssuers writes issuers as trusted_issuers entries, NAME=KIND:URL,
// in their order: what ParseIssuers reads back as the same list.
func FormatIssuers(issuers []Issuer) string {
	parts := make([]string, len(issuers))
	for i, iss := range issuers {
		parts[i] = iss.Name + "=" + iss.Kind + ":" + iss.URL
	}
	return strings.Join(parts, ",")
}

// IssuerNamed finds the issuer called name among issuers.
func IssuerNamed(issuers []Issuer, name string) (Issuer, bool) {
	for _, iss := range issuers {
		if iss.Name == name {
			return iss, true
		}
	}
	return Issuer{}, false
}

// IssuerAt finds the issuer whose URL is u among issuers.
func IssuerAt(issuers []Issuer, u string) (Issuer, bool) {
	for _, iss := range issuers {
		if iss.URL == u {
			return iss, true
		}
	}
	return Issuer{}, false
}

// IssuerNames lists the issuers' names, in their order.
func IssuerNames(issuers []Issuer) []string {
	out := make([]string, len(issuers))
	for i, iss := range issuers {
		out[i] = iss.Name
	}
	return out
}

// ValidateIssuerURL checks an issuer URL. A token's iss claim must equal
// it exactly, so it is never normalised, and a form that no issuer puts in
// its tokens is refused rather than silently never matching: it must be an
// absolute https URL (plain http only on a loopback host: 127.0.0.0/8, ::1,
// localhost, as tests use), without user info, query, fragment, trailing
// slash, or unclean path.
func ValidateIssuerURL(raw string) error {
	if raw == "" {
		return fmt.Errorf("the issuer URL is empty")
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("the issuer URL %q contains spaces or control characters", raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("the issuer URL %q is not a URL", raw)
	}
	if err := checkFetchURL(u, raw); err != nil {
		return err
	}
	switch {
	case !strings.HasPrefix(raw, u.Scheme+"://"):
		return fmt.Errorf("the issuer URL %q must start with %s:// in lower case", raw, u.Scheme)
	case u.User != nil:
		return fmt.Errorf("the issuer URL %q must not contain user info", raw)
	case strings.ContainsAny(raw, "?#"):
		return fmt.Errorf("the issuer URL %q must not have a query or fragment", raw)
	case strings.HasSuffix(raw, "/"):
		return fmt.Errorf("the issuer URL %q must not end with a slash: tokens' iss claims have none", raw)
	case u.Path != "" && (path.Clean(u.Path) != u.Path || u.RawPath != ""):
		return fmt.Errorf("the issuer URL %q has an unclean or escaped path", raw)
	}
	return nil
}

// checkFetchURL checks a URL we fetch from: https, or http on a loopback
// host.
func checkFetchURL(u *url.URL, raw string) error {
	if !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("the URL %q must be absolute, like https://host/path", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("the URL %q must use https; plain http is allowed only on loopback hosts (127.0.0.1, ::1, localhost)", raw)
	default:
		return fmt.Errorf("the URL %q must use https", raw)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// remoteIssuer is a configured issuer as seen over the network: its
// discovery document, read on first use, and its signing keys.
type remoteIssuer struct {
	Issuer
	net *fetcher

	sem   chan struct{}             // one discovery at a time
	ready atomic.Pointer[discovery] // set once discovery succeeded

	mu       sync.Mutex // guards failedAt, failErr
	failedAt time.Time
	failErr  error
}

// discovery is what an issuer's discovery document told us: go-oidc's
// verifier over our key set, and the algorithms we accept from it.
type discovery struct {
	verifier *oidc.IDTokenVerifier
	algs     []string
	keys     *keySet
}

// supportedAlgs are the only algorithms we accept, in any case: never none,
// never HMAC.
var supportedAlgs = []string{oidc.RS256, oidc.ES256}

// discover returns the issuer's discovery, fetching it on first use. After a
// failure it answers the same error without network I/O until the cool-down
// has passed, so forged tokens naming an unreachable issuer cost nothing.
func (r *remoteIssuer) discover(ctx context.Context) (*discovery, error) {
	if d := r.ready.Load(); d != nil {
		return d, nil
	}
	if err := acquire(ctx, r.sem); err != nil {
		return nil, err
	}
	defer func() { <-r.sem }()
	if d := r.ready.Load(); d != nil {
		return d, nil
	}
	r.mu.Lock()
	if r.failErr != nil && r.net.now().Sub(r.failedAt) < r.net.cooldown {
		err := r.failErr
		r.mu.Unlock()
		return nil, err
	}
	r.mu.Unlock()
	d, err := r.fetchDiscovery(ctx)
	if err != nil {
		err = &VerifyError{Status: http.StatusServiceUnavailable, Err: fmt.Errorf("discover %s: %w", r.URL, err),
			Msg: fmt.Sprintf("The JSON web token could not be verified: its issuer %s could not be reached. Try again later.", r.URL)}
		r.mu.Lock()
		r.failedAt, r.failErr = r.net.now(), err
		r.mu.Unlock()
		return nil, err
	}
	r.ready.Store(d)
	return d, nil
}

func (r *remoteIssuer) fetchDiscovery(ctx context.Context) (*discovery, error) {
	ctx, cancel := r.net.context(ctx)
	defer cancel()
	// go-oidc fetches URL/.well-known/openid-configuration and insists that
	// the document's issuer equals URL exactly, so no
	// InsecureIssuerURLContext is needed (nor wanted), even on loopback.
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, r.net.client), r.URL)
	if err != nil {
		return nil, err
	}
	var meta struct {
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, err
	}
	u, err := url.Parse(meta.JWKSURI)
	if err != nil {
		return nil, fmt.Errorf("jwks_uri %q: %w", meta.JWKSURI, err)
	}
	if err := checkFetchURL(u, meta.JWKSURI); err != nil {
		return nil, fmt.Errorf("jwks_uri: %w", err)
	}
	// RS256 always (OIDC's mandatory algorithm); ES256 if advertised.
	algs := []string{oidc.RS256}
	if slices.Contains(meta.Algs, oidc.ES256) {
		algs = append(algs, oidc.ES256)
	}
	ks := newKeySet(meta.JWKSURI, r.net, algs)
	v := oidc.NewVerifier(r.URL, ks, &oidc.Config{
		SupportedSigningAlgs: algs,
		SkipClientIDCheck:    true, // we require exactly one aud, go-oidc only "contains"
		SkipExpiryCheck:      true, // we check exp, nbf and iat with our own leeway
		Now:                  r.net.now,
	})
	return &discovery{verifier: v, algs: algs, keys: ks}, nil
}

// keySet is an issuer's JWKS as go-oidc's KeySet. Keys are cached; a token
// whose kid is cached costs no network I/O. A token with an unknown kid
// makes us refetch the JWKS (the issuer rotated its keys), but at most once
// per cool-down, so tokens with made-up kids cannot make us hammer the
// issuer. The first load does not count against the cool-down (a rotation
// right after start-up still works) but a token arriving with the very load
// it caused does not refetch either. go-oidc's own RemoteKeySet refetches
// on every unknown kid, with no limit.
type keySet struct {
	url  string
	net  *fetcher
	algs []jose.SignatureAlgorithm
	sem  chan struct{} // one fetch at a time

	mu      sync.Mutex // guards the fields below
	keys    []jose.JSONWebKey
	gen     int       // counts successful fetches; 0 = not loaded yet
	tried   time.Time // last fetch that counts against the cool-down
	loadErr error     // why the first load failed
}

var errUnknownKey = errors.New("no key of the issuer verifies the token")

func newKeySet(jwksURL string, f *fetcher, algs []string) *keySet {
	k := &keySet{url: jwksURL, net: f, sem: make(chan struct{}, 1)}
	for _, a := range algs {
		k.algs = append(k.algs, jose.SignatureAlgorithm(a))
	}
	return k
}

// sigCall carries, through go-oidc, what our key set learnt about one
// verification: the verified payload, or why it could not tell.
type sigCall struct {
	payload []byte
	err     error // not about the token: the issuer is unreachable, ctx ended
}

type sigCallKey struct{}

// VerifySignature implements oidc.KeySet. go-oidc has already checked the
// algorithm against the allowed list.
func (k *keySet) VerifySignature(ctx context.Context, jwt string) ([]byte, error) {
	payload, err := k.verify(ctx, jwt)
	if call, ok := ctx.Value(sigCallKey{}).(*sigCall); ok {
		var ve *VerifyError
		switch {
		case err == nil:
			call.payload = payload
		case errors.As(err, &ve), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			call.err = err
		}
	}
	return payload, err
}

func (k *keySet) verify(ctx context.Context, jwt string) ([]byte, error) {
	jws, err := jose.ParseSignedCompact(jwt, k.algs)
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("not exactly one signature")
	}
	h := jws.Signatures[0].Header
	keys, gen := k.snapshot()
	if gen == 0 {
		if keys, err = k.update(ctx, 0); err != nil {
			return nil, err
		}
	}
	payload, known := verifyWith(jws, keys, h.KeyID, h.Algorithm)
	if payload != nil {
		return payload, nil
	}
	if known || gen == 0 { // a bad signature, or keys fresh from this very call
		return nil, errUnknownKey
	}
	if keys, err = k.update(ctx, gen); err != nil {
		return nil, err
	}
	if payload, _ = verifyWith(jws, keys, h.KeyID, h.Algorithm); payload == nil {
		return nil, errUnknownKey
	}
	return payload, nil
}

// verifyWith tries the keys the token's kid names (all, if it names none).
// known reports whether the kid named a cached key.
func verifyWith(jws *jose.JSONWebSignature, keys []jose.JSONWebKey, kid, alg string) (payload []byte, known bool) {
	for i := range keys {
		key := &keys[i]
		if kid != "" && key.KeyID != kid {
			continue
		}
		known = kid != ""
		if key.Algorithm != "" && key.Algorithm != alg {
			continue
		}
		if p, err := jws.Verify(key.Key); err == nil {
			return p, true
		}
	}
	return nil, known
}

func (k *keySet) snapshot() ([]jose.JSONWebKey, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys, k.gen
}

// update fetches the keys: the first time (gen 0), or again for an unknown
// kid. It does not if someone else did since the caller's snapshot (gen):
// it returns theirs; nor within the cool-down of the last fetch that
// counts: it fails. A successful first load does not count, a failed one
// does.
func (k *keySet) update(ctx context.Context, gen int) ([]jose.JSONWebKey, error) {
	if err := acquire(ctx, k.sem); err != nil {
		return nil, err
	}
	defer func() { <-k.sem }()
	k.mu.Lock()
	if k.gen != gen {
		defer k.mu.Unlock()
		return k.keys, nil
	}
	now := k.net.now()
	if !k.tried.IsZero() && now.Sub(k.tried) < k.net.cooldown {
		defer k.mu.Unlock()
		if gen == 0 {
			return nil, k.loadErr
		}
		return nil, errUnknownKey
	}
	k.tried = now
	k.mu.Unlock()
	keys, err := k.fetch(ctx)
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil {
		if gen == 0 {
			k.loadErr = err
		}
		return nil, err
	}
	if gen == 0 {
		k.tried = time.Time{} // a successful first load does not count
	}
	k.keys, k.gen = keys, k.gen+1
	return keys, nil
}

// fetch GETs the JWKS. It keeps the RSA (2048 bits or more) and P-256
// public signing keys, and skips the others.
func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := k.net.getJSON(ctx, k.url, &doc); err != nil {
		return nil, &VerifyError{Status: http.StatusServiceUnavailable, Err: err,
			Msg: "The JSON web token could not be verified: its issuer's signing keys could not be fetched. Try again later."}
	}
	var keys []jose.JSONWebKey
	for _, raw := range doc.Keys {
		var key jose.JSONWebKey
		if err := key.UnmarshalJSON(raw); err != nil {
			continue // RFC 7517 §5: ignore keys we do not understand
		}
		if key.Use != "" && key.Use != "sig" {
			continue
		}
		switch pub := key.Public().Key.(type) { // Public: never keep a private key, drops symmetric ones
		case *rsa.PublicKey:
			if pub.N.BitLen() < 2048 {
				continue
			}
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P256() {
				continue
			}
		default:
			continue
		}
		key = key.Public()
		keys = append(keys, key)
	}
	return keys, nil
}
