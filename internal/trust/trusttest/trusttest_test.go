package trusttest_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

func getJSON(t *testing.T, url, bearer string, v any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if v != nil {
		json.NewDecoder(res.Body).Decode(v)
	}
	return res.StatusCode
}

func header(t *testing.T, token string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	h := map[string]any{}
	json.Unmarshal(b, &h)
	return h
}

func TestIssuerEndpointsAndKeys(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	if !strings.HasPrefix(iss.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %s, want loopback", iss.URL)
	}
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if getJSON(t, iss.URL+"/.well-known/openid-configuration", "", &disc) != 200 || disc.Issuer != iss.URL || disc.JWKSURI != iss.URL+"/.well-known/jwks" {
		t.Errorf("discovery = %+v", disc)
	}
	claims := trusttest.GitHubClaims(iss.URL, "aud", time.Now())
	if h := header(t, iss.Token(claims)); h["kid"] != "k1" || h["alg"] != "RS256" {
		t.Errorf("first token header = %v", h)
	}
	kid := iss.Rotate()
	ec := iss.AddECKey()
	if h := header(t, iss.Token(claims)); h["kid"] != ec || h["alg"] != "ES256" || kid == ec || kid == "k1" {
		t.Errorf("after Rotate (%s) and AddECKey (%s): header = %v", kid, ec, h)
	}
	var set struct{ Keys []map[string]any }
	getJSON(t, iss.URL+"/.well-known/jwks", "", &set)
	if len(set.Keys) != 3 || iss.JWKSFetches() != 1 {
		t.Errorf("JWKS has %d keys after %d fetches, want 3 after 1", len(set.Keys), iss.JWKSFetches())
	}
	for _, k := range set.Keys {
		if k["d"] != nil || k["p"] != nil {
			t.Errorf("JWKS publishes a private key: %v", k)
		}
	}
	if h := header(t, iss.TokenWith(trusttest.SignOptions{Alg: "none", NoKID: true}, claims)); h["alg"] != "none" || h["kid"] != nil {
		t.Errorf("forged header = %v", h)
	}
	if tok := iss.TokenWith(trusttest.SignOptions{Alg: "none"}, claims); !strings.HasSuffix(tok, ".") {
		t.Errorf("alg none token has a signature: %s", tok)
	}
}

func TestClaimSets(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	gh := trusttest.GitHubClaims("https://token.actions.githubusercontent.com", "https://wharf.example.com", now)
	gl := trusttest.GitLabClaims("https://gitlab.example.com", "https://wharf.example.com", now)
	if gh["jti"] == trusttest.GitHubClaims("x", "y", now)["jti"] {
		t.Error("jti is not random")
	}
	if gh["exp"] != now.Add(5*time.Minute).Unix() || gh["repository_id"] != "123456" || gh["sub"] != "repo:contoso/sdk:environment:prod" {
		t.Errorf("GitHub claims = %v", gh)
	}
	if gl["ci_config_ref_uri"] != "gitlab.example.com/contoso/sdk//.gitlab-ci.yml@refs/heads/main" || gl["project_path"] != "contoso/sdk" {
		t.Errorf("GitLab claims = %v", gl)
	}
}

func TestActionsRunner(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	var asked string
	reqURL, reqToken := trusttest.NewActionsRunner(t, iss, func(aud string) map[string]any {
		asked = aud
		return trusttest.GitHubClaims(iss.URL, "https://github.com/contoso", time.Now())
	})
	if !strings.Contains(reqURL, "?") {
		t.Fatalf("request URL %s has no query to append &audience= to", reqURL)
	}
	if code := getJSON(t, reqURL+"&audience=x", "wrong", nil); code != http.StatusUnauthorized {
		t.Errorf("wrong request token: %d, want 401", code)
	}
	if code := getJSON(t, reqURL+"&audience=x", "", nil); code != http.StatusUnauthorized {
		t.Errorf("no request token: %d, want 401", code)
	}
	var out struct{ Value string }
	if code := getJSON(t, reqURL+"&audience=https%3A%2F%2Fwharf.example.com", reqToken, &out); code != 200 || asked != "https://wharf.example.com" {
		t.Fatalf("runner: %d, audience asked %q", code, asked)
	}
	b, _ := base64.RawURLEncoding.DecodeString(strings.Split(out.Value, ".")[1])
	var claims map[string]any
	json.Unmarshal(b, &claims)
	if claims["aud"] != "https://wharf.example.com" {
		t.Errorf("aud = %v, want the requested audience", claims["aud"])
	}
}
