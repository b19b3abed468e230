package trusttest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/wharf-registry/wharf/internal/trust/trusttest"
)

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

const callback = "http://127.0.0.1:1/sign-in/oidc/callback?keep=1"

// startSignIn sends the browser to /authorize and returns the status and
// the Location header, without following it.
func startSignIn(t *testing.T, iss *trusttest.Issuer, params url.Values) (int, string) {
	t.Helper()
	res, err := noRedirects.Get(iss.URL + "/authorize?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location")
}

// authorize starts a sign-in and returns the query of the redirect back,
// or fails when the provider does not redirect to the redirect_uri.
func authorize(t *testing.T, iss *trusttest.Issuer, params url.Values) url.Values {
	t.Helper()
	status, location := startSignIn(t, iss, params)
	if status != http.StatusFound {
		t.Fatalf("authorize %v: status %d, want 302", params, status)
	}
	loc, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(location, "http://127.0.0.1:1/sign-in/oidc/callback?") {
		t.Fatalf("authorize redirected to %q, want the redirect_uri", location)
	}
	return loc.Query()
}

func authParams(mod ...string) url.Values {
	v := url.Values{"response_type": {"code"}, "client_id": {"wharf"}, "redirect_uri": {callback}, "scope": {"openid profile email"}, "state": {"st8"}}
	for i := 0; i+1 < len(mod); i += 2 {
		v.Set(mod[i], mod[i+1])
	}
	return v
}

// exchange posts to the token endpoint and returns the status and body.
func exchange(t *testing.T, iss *trusttest.Issuer, form url.Values, basicUser, basicPass string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, iss.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(url.QueryEscape(basicUser), url.QueryEscape(basicPass))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestSignInProvider(t *testing.T) {
	iss := trusttest.NewIssuer(t)
	iss.AddClient("wharf", "s3cret/+")
	ctx := context.Background()

	t.Run("discovery names the endpoints, as go-oidc reads them", func(t *testing.T) {
		p, err := oidc.NewProvider(ctx, iss.URL)
		if err != nil {
			t.Fatal(err)
		}
		if p.Endpoint().AuthURL != iss.URL+"/authorize" || p.Endpoint().TokenURL != iss.URL+"/token" || p.UserInfoEndpoint() != iss.URL+"/userinfo" {
			t.Errorf("endpoints = %+v, userinfo %s", p.Endpoint(), p.UserInfoEndpoint())
		}
	})

	t.Run("nobody chosen: access_denied, with the state", func(t *testing.T) {
		q := authorize(t, iss, authParams())
		if q.Get("error") != "access_denied" || q.Get("state") != "st8" || q.Get("code") != "" || q.Get("keep") != "1" {
			t.Errorf("redirect query = %v", q)
		}
	})

	iss.SignInAs(trusttest.LoginUser{Subject: "u-1", Login: "ada", Email: "ada@example.com", EmailVerified: true, Groups: []string{"eng"}})

	t.Run("unknown client and bad redirect_uri are not redirected", func(t *testing.T) {
		for _, p := range []url.Values{authParams("client_id", "other"), authParams("redirect_uri", "/relative"), authParams("redirect_uri", "http://x/#f")} {
			if status, location := startSignIn(t, iss, p); status != http.StatusBadRequest {
				t.Errorf("%v: status %d (to %q), want 400", p, status, location)
			}
		}
	})

	t.Run("wrong response_type or no openid scope is an error redirect", func(t *testing.T) {
		if q := authorize(t, iss, authParams("response_type", "token")); q.Get("error") != "unsupported_response_type" {
			t.Errorf("response_type token: %v", q)
		}
		if q := authorize(t, iss, authParams("scope", "profile")); q.Get("error") != "invalid_scope" {
			t.Errorf("no openid scope: %v", q)
		}
	})

	t.Run("code flow with Basic auth; the ID token verifies", func(t *testing.T) {
		q := authorize(t, iss, authParams("nonce", "n-0"))
		form := url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {callback}}
		status, out := exchange(t, iss, form, "wharf", "s3cret/+")
		if status != http.StatusOK || out["token_type"] != "Bearer" {
			t.Fatalf("token: %d %v", status, out)
		}
		p, err := oidc.NewProvider(ctx, iss.URL)
		if err != nil {
			t.Fatal(err)
		}
		idt, err := p.Verifier(&oidc.Config{ClientID: "wharf"}).Verify(ctx, out["id_token"].(string))
		if err != nil {
			t.Fatalf("ID token does not verify: %v", err)
		}
		var c struct {
			Login    string   `json:"preferred_username"`
			Email    string   `json:"email"`
			Verified bool     `json:"email_verified"`
			Groups   []string `json:"groups"`
			Nonce    string   `json:"nonce"`
		}
		idt.Claims(&c)
		if idt.Subject != "u-1" || c.Login != "ada" || c.Email != "ada@example.com" || !c.Verified || !slices.Equal(c.Groups, []string{"eng"}) || c.Nonce != "n-0" {
			t.Errorf("ID token: sub %s, claims %+v", idt.Subject, c)
		}
		var ui map[string]any
		if code := getJSON(t, iss.URL+"/userinfo", out["access_token"].(string), &ui); code != http.StatusOK || ui["sub"] != "u-1" || ui["preferred_username"] != "ada" {
			t.Errorf("userinfo: %d %v", code, ui)
		}
		if status, out := exchange(t, iss, form, "wharf", "s3cret/+"); status != http.StatusBadRequest || out["error"] != "invalid_grant" {
			t.Errorf("second use of the code: %d %v", status, out)
		}
		if iss.SignIns() != 1 {
			t.Errorf("SignIns = %d, want 1", iss.SignIns())
		}
	})

	t.Run("the token endpoint checks the client, the code and the redirect_uri", func(t *testing.T) {
		code := func() string { return authorize(t, iss, authParams()).Get("code") }
		post := func(c, redirect, id, secret string) url.Values {
			return url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {redirect}, "client_id": {id}, "client_secret": {secret}}
		}
		for _, tc := range []struct {
			name   string
			form   url.Values
			status int
			err    string
		}{
			{"secret in the form", post(code(), callback, "wharf", "s3cret/+"), http.StatusOK, ""},
			{"wrong secret", post(code(), callback, "wharf", "nope"), http.StatusUnauthorized, "invalid_client"},
			{"unknown client", post(code(), callback, "eve", "s3cret/+"), http.StatusUnauthorized, "invalid_client"},
			{"other redirect_uri", post(code(), "http://127.0.0.1:1/elsewhere", "wharf", "s3cret/+"), http.StatusBadRequest, "invalid_grant"},
			{"made-up code", post("abc", callback, "wharf", "s3cret/+"), http.StatusBadRequest, "invalid_grant"},
		} {
			if status, out := exchange(t, iss, tc.form, "", ""); status != tc.status || (tc.err != "" && out["error"] != tc.err) {
				t.Errorf("%s: %d %v, want %d %s", tc.name, status, out, tc.status, tc.err)
			}
		}
		if code := getJSON(t, iss.URL+"/userinfo", "", nil); code != http.StatusUnauthorized {
			t.Errorf("userinfo without a token: %d, want 401", code)
		}
	})

	t.Run("SignInAs changes who signs in next", func(t *testing.T) {
		iss.SignInAs(trusttest.LoginUser{Subject: "u-2", Login: "grace"})
		q := authorize(t, iss, authParams())
		status, out := exchange(t, iss, url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "redirect_uri": {callback}}, "wharf", "s3cret/+")
		if status != http.StatusOK {
			t.Fatalf("token: %d %v", status, out)
		}
		b, _ := base64.RawURLEncoding.DecodeString(strings.Split(out["id_token"].(string), ".")[1])
		var c map[string]any
		json.Unmarshal(b, &c)
		if c["sub"] != "u-2" || c["preferred_username"] != "grace" || c["email"] != nil {
			t.Errorf("ID token claims = %v", c)
		}
	})
}
