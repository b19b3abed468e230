package main

// The trusted issuers are one setting shared by wharf serve and the admin
// commands: policies name issuers by their names in it. wharf serve
// records the list it runs with in the database; an admin command whose
// own settings (its environment, a --config file) say otherwise judges
// policies by the server's list and says so, and wharf doctor reports the
// disagreement.

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/wharf-registry/wharf/internal/db"
	"github.com/wharf-registry/wharf/internal/trust"
)

// recordIssuers, at wharf serve's start, records the issuers it runs with
// for the admin commands and names the policies made before names by
// their URL (migration 21). Failures are warnings: the server works.
func (a *app) recordIssuers(ctx context.Context, issuers []trust.Issuer) {
	if err := a.db.SetServerIssuers(ctx, trust.FormatIssuers(issuers), time.Now()); err != nil {
		a.log.Warn("could not record the trusted issuers for the admin commands", "err", err)
	}
	names := map[string]string{}
	for _, iss := range issuers {
		names[iss.URL] = iss.Name
	}
	n, err := a.db.BackfillPolicyIssuerNames(ctx, names)
	switch {
	case err != nil:
		a.log.Warn("could not name the issuers of older trust policies", "err", err)
	case n > 0:
		a.log.Info("named the issuers of older trust policies by their URL", "policies", n)
	}
}

// serverIssuers is the issuer list an admin command judges policies by:
// the one wharf serve recorded in the database, when there is one that
// reads, else the command's own. When they differ it tells the user on w.
func serverIssuers(ctx context.Context, d *db.DB, own []trust.Issuer, w io.Writer) []trust.Issuer {
	recorded, at, err := d.ServerIssuers(ctx)
	if err != nil || recorded == "" {
		return own
	}
	theirs, err := trust.ParseIssuers(recorded)
	if err != nil {
		fmt.Fprintf(w, "wharf: the trusted issuers wharf serve recorded (%s) do not read (%v); using this command's own.\n", recorded, err)
		return own
	}
	if mine := trust.FormatIssuers(own); mine != recorded {
		fmt.Fprintf(w, "wharf: this command's trusted_issuers (%s) differ from those wharf serve runs with (%s, recorded %s); "+
			"policies are checked against the server's. Run 'wharf doctor' with the server's settings to see why.\n",
			mine, recorded, at.UTC().Format(time.RFC3339))
	}
	return theirs
}

// issuersDisagreement says how the command's issuers differ from those
// wharf serve recorded; "" when they agree or none were recorded.
func issuersDisagreement(own []trust.Issuer, recorded string, at time.Time) string {
	if recorded == "" || trust.FormatIssuers(own) == recorded {
		return ""
	}
	return fmt.Sprintf("this command's trusted_issuers give %s, but wharf serve last started (%s) with %s: policies made here are checked against the server's; "+
		"give this command the server's settings (the data directory's wharf.toml, without a WHARF_TRUSTED_ISSUERS of its own), or restart the server if the settings changed",
		trust.FormatIssuers(own), at.UTC().Format(time.RFC3339), recorded)
}

// issuerCell names a policy's issuer in listings: its name, or its URL
// for a policy not yet named (from before names, issuer no longer trusted).
func issuerCell(p *trust.Policy) string {
	if p.IssuerName != "" {
		return p.IssuerName
	}
	return p.Issuer
}

// issuerShow names a policy's issuer in 'policy show': its name and URL.
func issuerShow(p *trust.Policy) string {
	if p.IssuerName == "" {
		return p.Issuer + " (not named yet: wharf serve names it at start if the settings trust the URL)"
	}
	return p.IssuerName + " (" + p.Issuer + ")"
}
