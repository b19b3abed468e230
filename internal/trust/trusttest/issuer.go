// Package trusttest provides a real OIDC token issuer for tests: an HTTP
// server on 127.0.0.1 with a discovery document and a JWKS, which signs
// tokens (RS256, ES256) and forges bad ones (alg none, HS256 keyed with
// the public key, wrong kid, tampered payload); realistic GitHub Actions,
// GitLab CI, Forgejo Actions and Azure Pipelines claim sets; the GitHub
// runner's ID-token endpoint that the NuGet/login action calls (Forgejo's
// is the same), and Azure DevOps' (azure.go). The same issuer can also sign people in to
// a web UI as an OpenID Connect provider (login.go). Failures call t.Fatal;
// nothing here is for production.
package trusttest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

// Issuer is a test OIDC issuer served over real HTTP on 127.0.0.1. Its
// discovery document is at URL/.well-known/openid-configuration and its
// JWKS at URL/.well-known/jwks, as GitHub's are. It is safe for concurrent
// use.
type Issuer struct {
	URL  string // the issuer URL, http://127.0.0.1:PORT[/path]; tokens' iss
	root string // the server's URL, where the JWKS is

	t           testing.TB
	mu          sync.Mutex
	keys        []*signingKey // all published, oldest first
	current     *signingKey   // signs new tokens
	advertised  []string      // id_token_signing_alg_values_supported
	jwksFetches atomic.Int64
	discoveries atomic.Int64
	login       login // the sign-in provider's state (login.go)
}

type signingKey struct {
	kid  string
	alg  string // RS256 or ES256
	priv crypto.Signer
}

// NewIssuer starts an issuer with one RSA-2048 key, "k1" (RS256), which
// advertises RS256 and ES256. It stops when the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	return NewIssuerAt(t, "")
}

// NewIssuerAt is NewIssuer with the issuer URL under a path of the server,
// as Forgejo's (https://HOST/api/actions) and Azure DevOps'
// (https://vstoken.dev.azure.com/ORG_ID) are: the discovery document is at
// URL/.well-known/openid-configuration, the JWKS at the server's root
// /.well-known/jwks (where Azure DevOps serves it for every organisation).
// path is "" or starts with a slash and does not end with one.
func NewIssuerAt(t testing.TB, path string) *Issuer {
	t.Helper()
	i := &Issuer{t: t, advertised: []string{"RS256", "ES256"}}
	i.add(&signingKey{kid: "k1", alg: "RS256", priv: newRSAKey(t)})
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+path+"/.well-known/openid-configuration", i.serveDiscovery)
	mux.HandleFunc("GET /.well-known/jwks", i.serveJWKS)
	if path == "" {
		i.routeLogin(mux)
	}
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	i.URL, i.root = srv.URL+path, srv.URL
	return i
}

func newRSAKey(t testing.TB) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("trusttest: %v", err)
	}
	return k
}

func (i *Issuer) add(k *signingKey) string {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
	i.current = k
	return k.kid
}

// Rotate publishes a new RSA key with a new kid and signs with it from now
// on; the old keys stay published. It returns the new kid.
func (i *Issuer) Rotate() string {
	i.t.Helper()
	return i.add(&signingKey{kid: i.nextKID(), alg: "RS256", priv: newRSAKey(i.t)})
}

// AddECKey publishes a new P-256 key and signs with it (ES256) from now on.
// It returns the new kid.
func (i *Issuer) AddECKey() string {
	i.t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		i.t.Fatalf("trusttest: %v", err)
	}
	return i.add(&signingKey{kid: i.nextKID(), alg: "ES256", priv: k})
}

func (i *Issuer) nextKID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return fmt.Sprintf("k%d", len(i.keys)+1)
}

// Advertise sets the discovery document's
// id_token_signing_alg_values_supported (default RS256 and ES256).
func (i *Issuer) Advertise(algs ...string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.advertised = algs
}

// JWKSFetches counts the requests for the JWKS so far.
func (i *Issuer) JWKSFetches() int { return int(i.jwksFetches.Load()) }

// Discoveries counts the requests for the discovery document so far.
func (i *Issuer) Discoveries() int { return int(i.discoveries.Load()) }

func (i *Issuer) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	i.discoveries.Add(1)
	i.mu.Lock()
	algs := i.advertised
	i.mu.Unlock()
	doc := map[string]any{
		"issuer":                                i.URL,
		"jwks_uri":                              i.root + "/.well-known/jwks",
		"subject_types_supported":               []string{"public", "pairwise"},
		"response_types_supported":              []string{"id_token"},
		"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "repository_id", "repository_owner", "repository_owner_id", "run_id", "run_number", "run_attempt", "actor", "actor_id", "workflow", "workflow_ref", "workflow_sha", "job_workflow_ref", "job_workflow_sha", "event_name", "environment", "runner_environment", "sha"},
		"id_token_signing_alg_values_supported": algs,
		"scopes_supported":                      []string{"openid"},
	}
	i.loginDiscovery(doc)
	writeJSON(w, doc)
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	i.jwksFetches.Add(1)
	i.mu.Lock()
	var set jose.JSONWebKeySet
	for _, k := range i.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: k.alg, Use: "sig"})
	}
	i.mu.Unlock()
	writeJSON(w, set)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// SignOptions bends a token for negative tests. The zero value signs
// normally with the current key.
type SignOptions struct {
	// Alg overrides the header's alg. "none" makes an unsigned token (empty
	// signature); "HS256" signs with HMAC-SHA256 keyed with the current
	// key's public key in PEM (the classic key-confusion forgery); any other
	// value is only written in the header, the signature being the key's own.
	Alg string
	// KID overrides the header's kid (e.g. a kid the issuer never
	// published); NoKID leaves kid out.
	KID   string
	NoKID bool
	// SignWith signs with this earlier key (by kid) instead of the current one.
	SignWith string
	// Tamper replaces these claims in the payload after signing.
	Tamper map[string]any
}

// Token signs claims with the current key; the header carries its kid.
func (i *Issuer) Token(claims map[string]any) string {
	i.t.Helper()
	return i.TokenWith(SignOptions{}, claims)
}

// TokenWith signs claims as opts say.
func (i *Issuer) TokenWith(opts SignOptions, claims map[string]any) string {
	i.t.Helper()
	k := i.key(opts.SignWith)
	header := map[string]any{"typ": "JWT", "alg": k.alg, "kid": k.kid}
	if opts.Alg != "" {
		header["alg"] = opts.Alg
	}
	if opts.KID != "" {
		header["kid"] = opts.KID
	}
	if opts.NoKID {
		delete(header, "kid")
	}
	input := segment(i.t, header) + "." + segment(i.t, claims)
	sig := i.sign(k, opts.Alg, []byte(input))
	if opts.Tamper != nil {
		tampered := make(map[string]any, len(claims))
		for name, v := range claims {
			tampered[name] = v
		}
		for name, v := range opts.Tamper {
			tampered[name] = v
		}
		input = segment(i.t, header) + "." + segment(i.t, tampered)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// SignCompact returns header.payload.signature: the two segments encoded
// exactly as given (any bytes, JSON or not) and signed with the current
// key's own algorithm, whatever the header says. Fuzz tests use it to
// build tokens the issuer really signed from arbitrary content.
func (i *Issuer) SignCompact(header, payload []byte) string {
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	return input + "." + base64.RawURLEncoding.EncodeToString(i.sign(i.key(""), "", []byte(input)))
}

func (i *Issuer) key(kid string) *signingKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	if kid == "" {
		return i.current
	}
	for _, k := range i.keys {
		if k.kid == kid {
			return k
		}
	}
	i.t.Fatalf("trusttest: no key %q", kid)
	return nil
}

func (i *Issuer) sign(k *signingKey, alg string, input []byte) []byte {
	digest := sha256.Sum256(input)
	switch {
	case alg == "none":
		return nil
	case alg == "HS256":
		der, err := x509.MarshalPKIXPublicKey(k.priv.Public())
		if err != nil {
			i.t.Fatalf("trusttest: %v", err)
		}
		mac := hmac.New(sha256.New, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		mac.Write(input)
		return mac.Sum(nil)
	case k.alg == "ES256":
		der, err := k.priv.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			i.t.Fatalf("trusttest: %v", err)
		}
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(der, &rs); err != nil {
			i.t.Fatalf("trusttest: %v", err)
		}
		sig := make([]byte, 64) // JWS wants R || S, 32 bytes each
		rs.R.FillBytes(sig[:32])
		rs.S.FillBytes(sig[32:])
		return sig
	default:
		sig, err := k.priv.Sign(rand.Reader, digest[:], crypto.SHA256) // RSASSA-PKCS1-v1_5
		if err != nil {
			i.t.Fatalf("trusttest: %v", err)
		}
		return sig
	}
}

func segment(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("trusttest: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
