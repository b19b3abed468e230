package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/templates"
)

// testTokenForm answers the Trusted Publishing page's "test a token" box
// (POST /account/trusted-publishing/test): the page again, with the
// explanation of the pasted token against each of the user's policies.
// The token is verified and explained, never used up, stored, logged or
// put back into the page; only its claims are shown, escaped.
func (s *Server) testTokenForm(c echo.Context) error {
	v, err := s.policiesView(c, templates.PolicyForm{Owner: currentUser(c).Name})
	if err != nil {
		return err
	}
	token := strings.TrimSpace(c.FormValue("token"))
	status := http.StatusOK
	if token == "" {
		v.TokenTest.Error, status = "Paste a CI job's OIDC token (three parts joined by dots) into the box.", http.StatusBadRequest
	} else {
		tt, err := s.reg.TestPolicies(c.Request().Context(), registry.PolicyManager{User: currentUser(c).Name}, token)
		if msg := userMessage(err); msg != "" {
			v.TokenTest.Error, status = msg, statusFor(err)
		} else if err != nil {
			return err
		} else {
			v.TokenTest.Result = tokenTestView(tt)
		}
	}
	if v.TokenTest.Error != "" {
		v.Problem = problem(v.TokenTest.Error, "test-token")
	}
	return s.render(c, status, templates.Policies(v))
}

// tokenTestView is a token's explanation as the page shows it; every text
// that came from the token or a policy is escaped (controls shown).
func tokenTestView(tt *registry.TokenTest) *templates.TokenTestView {
	esc := registry.EscapeText
	v := &templates.TokenTestView{Issuer: esc(tt.Issuer), Subject: esc(tt.Subject),
		Expires: tt.Expiry.UTC().Format(time.RFC3339), Expired: tt.Expired}
	for _, r := range tt.Results {
		p := templates.TokenTestPolicy{ID: strconv.FormatInt(r.Policy.ID, 10), Name: esc(r.Policy.Name), Owner: esc(r.Policy.OwnerName),
			Matched: r.Matched, Verdict: "does not match"}
		switch {
		case r.Matched && r.Bind:
			p.Verdict = "matches, and this token would bind the pending policy"
		case r.Matched:
			p.Verdict = "matches"
		case r.Specific:
			p.Told = esc(r.Reason)
		default:
			p.Told = trust.GenericRefusal(r.Policy.CreatorName) + " (nothing about the policy)"
		}
		for _, ch := range r.Checks {
			p.Checks = append(p.Checks, templates.TokenTestCheck{Claim: esc(ch.Claim), Want: esc(ch.Want), Got: esc(ch.Got), Why: esc(ch.Why), OK: ch.OK})
		}
		v.Policies = append(v.Policies, p)
	}
	return v
}
