package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/wharf-registry/wharf/internal/config"
	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/storage"
	"github.com/wharf-registry/wharf/internal/trust"
)

// The checks of wharf doctor (doctor.go), one function each.

// checkBaseURL: the base URL names a host that resolves, other machines
// can use it when the server listens for them, and it reaches this
// server.
func (a *app) checkBaseURL(ctx context.Context, d *doctor, cfg config.Config, valid bool) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" {
		d.fail("base URL", "%q is not a URL: set base_url to the URL clients use, e.g. https://nuget.example.com", cfg.BaseURL)
		return
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		d.fail("base URL", "%s names %s, which no client can connect to: set base_url to the name or address clients use", cfg.BaseURL, host)
		return
	}
	rctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	addrs, err := net.DefaultResolver.LookupHost(rctx, host)
	cancel()
	if err != nil {
		d.fail("base URL", "the host %s of %s does not resolve (%v): set base_url to a name clients can resolve", host, cfg.BaseURL, err)
		return
	}
	loopback := true
	for _, s := range addrs {
		if ip := net.ParseIP(s); ip == nil || !ip.IsLoopback() {
			loopback = false
		}
	}
	listenHost, listenPort, _ := net.SplitHostPort(cfg.Listen)
	public := !isLoopbackHost(listenHost)
	switch {
	case public && loopback:
		d.fail("base URL", "the server listens on %s for other machines, but %s names this machine's loopback (%s): every link other machines get would point at themselves; set base_url to the URL they use",
			cfg.Listen, cfg.BaseURL, host)
	case u.Scheme == "http" && !loopback:
		d.warn("base URL", "%s is plain http: API keys and passwords cross the network readable; put Wharf behind a TLS proxy and set base_url to its https:// URL", cfg.BaseURL)
	}
	client := &http.Client{Timeout: doctorTimeout}
	if err := pingWharf(ctx, client, cfg.BaseURL); err == nil {
		d.ok("base URL", "%s reaches a Wharf server", cfg.BaseURL)
		return
	} else if listenPort != "" {
		lh := listenHost
		if ip := net.ParseIP(lh); lh == "" || ip != nil && ip.IsUnspecified() {
			lh = "127.0.0.1"
		}
		direct := "http://" + net.JoinHostPort(lh, listenPort)
		if derr := pingWharf(ctx, client, direct); derr == nil {
			d.fail("base URL", "Wharf answers on its listen address %s but not at the base URL %s (%v): clients are handed links to %s; set base_url to the URL that reaches this server, or fix the proxy or DNS in front of it",
				direct, cfg.BaseURL, err, cfg.BaseURL)
			return
		}
		d.warn("base URL", "no Wharf answers at %s (%v): start wharf serve, then run wharf doctor again to check that the base URL reaches it", cfg.BaseURL, err)
	}
}

// pingWharf GETs base/healthz and wants Wharf's "ok".
func pingWharf(ctx context.Context, client *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/healthz", nil)
	if err != nil {
		return err
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64))
	if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		return fmt.Errorf("GET /healthz answered %s, not Wharf's ok", res.Status)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkDatabase: the database answers and is migrated as far as this
// binary goes, without creating or migrating it.
func (a *app) checkDatabase(ctx context.Context, d *doctor, cfg config.Config) {
	name := cfg.DatabasePath()
	if cfg.DatabaseURL != "" {
		name = db.Redact(cfg.DatabaseURL)
	}
	lv, err := db.Inspect(ctx, cfg.DatabaseURL, cfg.DataDir, doctorTimeout)
	if own, perr := trust.ParseIssuers(cfg.TrustedIssuers); err == nil && perr == nil {
		if why := issuersDisagreement(own, lv.ServerIssuers, lv.ServerIssuersAt); why != "" {
			d.warn("trusted issuer", "%s", why)
		}
	}
	switch {
	case errors.Is(err, db.ErrNoDatabase):
		d.warn("database", "%s does not exist yet: wharf serve creates it (if the server runs elsewhere, this command has not got its data directory or database_url)", name)
	case err != nil:
		hint := "check database_url and that the database server is up"
		if cfg.DatabaseURL != "" && !hasPassword(cfg.DatabaseURL) {
			hint = "the URL has no password: give it in WHARF_DATABASE_URL, PGPASSWORD or ~/.pgpass"
		}
		d.fail("database", "cannot read %s: %v; %s", name, err, hint)
	case lv.Applied > lv.Latest:
		d.fail("database", "%s is at migration %d, but this binary knows migrations up to %d: a newer Wharf migrated it; run that version", name, lv.Applied, lv.Latest)
	case lv.Applied < lv.Latest:
		d.warn("database", "%s is at migration %d of this binary's %d: the next wharf serve or admin command migrates it (back it up first)", name, lv.Applied, lv.Latest)
	default:
		d.ok("database", "%s answers, at migration %d (this binary's latest)", name, lv.Applied)
	}
}

// checkStore writes, reads back and deletes a probe object.
func (a *app) checkStore(ctx context.Context, d *doctor, cfg config.Config) {
	name := cfg.StorageURL
	if name == "" {
		name = cfg.PackagesDir()
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	blobs, err := openBlobs(ctx, cfg, a.getenv)
	if err != nil {
		d.fail("package store", "cannot open %s: %v; check storage_url, the folder's permissions or the S3 credentials", name, err)
		return
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	key := "packages/wharf-doctor/probe/" + hex.EncodeToString(b)
	want := []byte("wharf doctor probe " + key)
	if err := blobs.Put(ctx, key, bytes.NewReader(want), int64(len(want))); err != nil {
		why := "check the folder's permissions and free space, or the bucket's policy"
		if errors.Is(err, storage.ErrReadOnly) {
			why = "it is read-only or Wharf may not write there: give the user running Wharf write access"
		}
		d.fail("package store", "cannot write to %s: %v; %s", name, err, why)
		return
	}
	defer func() { _ = blobs.Delete(context.WithoutCancel(ctx), key) }()
	r, err := blobs.Open(ctx, key)
	if err != nil {
		d.fail("package store", "wrote a probe to %s but cannot read it back: %v", name, err)
		return
	}
	got, err := io.ReadAll(io.LimitReader(r, int64(len(want))+1))
	r.Close()
	if err != nil || !bytes.Equal(got, want) {
		d.fail("package store", "a probe read back from %s differs from what was written (%v)", name, err)
		return
	}
	if err := blobs.Delete(ctx, key); err != nil {
		d.fail("package store", "cannot delete from %s: %v; Wharf needs to delete files it replaces", name, err)
		return
	}
	d.ok("package store", "%s takes, returns and deletes a probe object", name)
}

// checkIssuers fetches each trusted issuer's discovery document and keys
// the way token verification does: with the server's client (issuers are
// the operator's settings, https or loopback only, so not the upstream
// SSRF guard) and its bounds.
func checkIssuers(ctx context.Context, d *doctor, cfg config.Config) {
	issuers, err := trust.ParseIssuers(cfg.TrustedIssuers)
	if err != nil {
		d.fail("trusted issuer", "trusted_issuers: %v", err)
		return
	}
	if err := trust.ApplyOIDCClaims(issuers, cfg.OIDCClaims); err != nil {
		d.fail("trusted issuer", "oidc_claims: %v", err)
		return
	}
	audience := cfg.Audience
	if audience == "" {
		audience = "doctor" // settings failed above; the issuers can still be checked
	}
	v, err := trust.NewVerifier(trust.VerifierOptions{Issuers: issuers, Audience: audience, HTTPClient: &http.Client{Timeout: doctorTimeout}})
	if err != nil {
		d.fail("trusted issuer", "%v", err)
		return
	}
	for _, iss := range issuers {
		n, err := v.Probe(ctx, iss.URL)
		if err != nil && strings.TrimSpace(cfg.TrustedIssuers) == "" {
			// Nobody chose it: an air-gapped registry that does not use
			// trusted publishing must not fail its checks for it.
			d.warn("trusted issuer", "%s (%s), the default: %v; CI tokens from GitHub Actions will be refused: if you use trusted publishing, let this machine reach it (a proxy needs HTTPS_PROXY)", iss.URL, iss.Provider, err)
			continue
		}
		if err != nil {
			d.fail("trusted issuer", "%s: %s (%s): %v; CI tokens from it will be refused: check the URL in trusted_issuers and that this machine reaches it (a proxy needs HTTPS_PROXY)", iss.Name, iss.URL, iss.Provider, err)
			continue
		}
		d.ok("trusted issuer", "%s: %s (%s): discovery document and %d signing keys", iss.Name, iss.URL, iss.Provider, n)
	}
}

// checkSignIn lists the sign-in providers and fetches the OpenID Connect
// provider's discovery document.
func checkSignIn(ctx context.Context, d *doctor, cfg config.Config) {
	some := false
	if cfg.GitHubClientID != "" {
		some = true
		d.ok("sign-in", "GitHub at %s (client %s)", orDefault(cfg.GitHubURL, "https://github.com"), cfg.GitHubClientID)
	}
	if cfg.GitLabClientID != "" {
		some = true
		d.ok("sign-in", "GitLab at %s (client %s)", orDefault(cfg.GitLabURL, "https://gitlab.com"), cfg.GitLabClientID)
	}
	if cfg.OIDCClientID != "" {
		some = true
		cctx, cancel := context.WithTimeout(ctx, doctorTimeout)
		_, err := oidc.NewProvider(oidc.ClientContext(cctx, &http.Client{Timeout: doctorTimeout}), strings.TrimSpace(cfg.OIDCIssuer))
		cancel()
		var mismatch *oidc.IssuerMismatchError
		if errors.As(err, &mismatch) && strings.TrimRight(mismatch.Discovered, "/") == strings.TrimRight(cfg.OIDCIssuer, "/") {
			err = nil // the server forgives a trailing slash
		}
		if err != nil {
			d.fail("sign-in", "OpenID Connect at %s: %v; people cannot sign in with it: check signin_oidc_issuer", cfg.OIDCIssuer, err)
		} else {
			d.ok("sign-in", "OpenID Connect at %s (client %s): discovery document read", cfg.OIDCIssuer, cfg.OIDCClientID)
		}
	}
	if !some {
		d.warn("sign-in", "no sign-in provider in this command's settings: people sign in only with links from 'wharf user login-link' "+
			"(client IDs and secrets are never recorded in wharf.toml: if the server has them from its environment, run doctor with it); see docs/web-ui.md")
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
