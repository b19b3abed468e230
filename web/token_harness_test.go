// Helpers for the token-exchange tests: a feed with trusted publishing
// on, a test issuer on 127.0.0.1 and a clock shared by registry and verifier.

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// tpFeed is a feed with trusted publishing on, a test issuer on 127.0.0.1
// and a clock shared by the registry and the verifier.
type tpFeed struct {
	*feed
	iss      *trusttest.Issuer
	clock    *trusttest.Clock
	audience string
}

func newTPFeed(t *testing.T, perMinute int) *tpFeed { return newTPFeedTB(t, perMinute) }

func newTPFeedTB(t testing.TB, perMinute int) *tpFeed {
	t.Helper()
	f, o := trustedPublishing(t, perMinute)
	f.feed = newFeedWith(t, o)
	return f
}

// trustedPublishing starts a test issuer and returns a tpFeed without its
// feed, and the options that give a registry trusted publishing from it.
func trustedPublishing(t testing.TB, perMinute int) (*tpFeed, registry.Options) {
	t.Helper()
	iss := trusttest.NewIssuer(t)
	c := trusttest.NewClock(time.Now().UTC().Truncate(time.Second))
	audience := "https://wharf.example.com"
	issuers := []trust.Issuer{{URL: iss.URL, Provider: trust.GitHub, Name: "github", Title: "test GitHub"}}
	v, err := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: audience, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	o := registry.Options{Now: c.Now, Verifier: v, Issuers: issuers, ExchangesPerMinute: perMinute}
	return &tpFeed{iss: iss, clock: c, audience: audience}, o
}

func (f *tpFeed) advance(d time.Duration) { f.clock.Advance(d) }

// claims returns a realistic GitHub Actions token's claims for now, with
// the given claims set (nil deletes), as trusttest.With does.
func (f *tpFeed) claims(kv ...any) map[string]any {
	return trusttest.With(trusttest.GitHubClaims(f.iss.URL, f.audience, f.clock.Now()), kv...)
}

// policy creates a policy through the service.
func (f *tpFeed) policy(req registry.NewPolicy) *registry.PolicyView {
	f.t.Helper()
	if req.Provider == "" {
		req.Provider = trust.GitHub
	}
	v, err := f.reg.CreatePolicy(context.Background(), req)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// exchange posts a token the way NuGet/login@v1 does.
func (f *feed) exchange(token, username string) (*http.Response, map[string]string) {
	f.t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "tokenType": "ApiKey"})
	req, _ := http.NewRequest(http.MethodPost, f.urls.Token(), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("User-Agent", "nuget/login-action")
	res := f.do(req)
	out := map[string]string{}
	json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

func (f *tpFeed) mustExchange(claims map[string]any, username string) string {
	f.t.Helper()
	res, out := f.exchange(f.iss.Token(claims), username)
	if res.StatusCode != http.StatusOK {
		f.t.Fatalf("exchange: %s %v", res.Status, out)
	}
	return out["apiKey"]
}
