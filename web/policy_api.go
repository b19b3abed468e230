package web

// The trust policy API (docs/trusted-publishing.md, "Policies as code"):
// JSON create, read, update, delete and test of trust policies, for a
// signed-in browser session (changes carry the page's CSRF token in the
// X-CSRF-Token header) or an API key with the manage scope in
// X-NuGet-ApiKey. Errors are {"error": "<sentence>"} with the status of
// the error table; the use cases check the caller's rights on every call.

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/templates"
)

// csrfHeader carries a session's CSRF token on the policy API's changes.
const csrfHeader = "X-CSRF-Token"

// ctxManager holds the registry.PolicyManager of a policy API request.
const ctxManager = "wharf.policyManager"

// Wire types of the policy API.
type (
	policyJSON struct {
		ID               int64             `json:"id"`
		Name             string            `json:"name"`
		Owner            string            `json:"owner"`
		CreatedBy        string            `json:"createdBy"`
		Provider         string            `json:"provider"`
		Issuer           string            `json:"issuer"` // its name in trusted_issuers; the URL for a policy not yet named
		Repository       string            `json:"repository"`
		RepoOwnerID      string            `json:"ownerId,omitempty"`
		RepositoryID     string            `json:"repositoryId,omitempty"`
		Workflow         string            `json:"workflow,omitempty"`
		ReusableWorkflow string            `json:"reusableWorkflow,omitempty"`
		Environment      string            `json:"environment,omitempty"`
		Ref              string            `json:"ref,omitempty"`
		CIConfigPath     string            `json:"ciConfigPath,omitempty"`
		Claims           map[string]string `json:"claims,omitempty"`     // Buildkite, CircleCI, generic OIDC: by field key
		BindClaims       []string          `json:"bindClaims,omitempty"` // the ID claims bound on first use
		Packages         []string          `json:"packages"`
		ReadOnly         bool              `json:"readOnly"`
		StagingOnly      bool              `json:"stagingOnly"`
		Status           string            `json:"status"`
		DaysLeft         int               `json:"daysLeft,omitempty"`
		Reason           string            `json:"reason,omitempty"`
		Editable         bool              `json:"editable"`
		CreatedAt        string            `json:"createdAt"`
		BoundAt          string            `json:"boundAt,omitempty"`
		RepositoryUses   []repoUseJSON     `json:"repositoryUses,omitempty"`

		IssuerURL string `json:"issuerUrl"` // the iss its tokens must carry
	}
	repoUseJSON struct {
		Repository   string `json:"repository"`
		RepositoryID string `json:"repositoryId"`
		FirstUsedAt  string `json:"firstUsedAt"`
		RunID        string `json:"runId,omitempty"`
	}
	// policyRequestJSON is the body of a create (POST) or update (PUT).
	policyRequestJSON struct {
		Owner            string            `json:"owner"`
		Name             string            `json:"name"`
		Provider         string            `json:"provider"`
		Issuer           string            `json:"issuer"`
		Repository       string            `json:"repository"`
		RepoOwnerID      string            `json:"ownerId"`
		RepositoryID     string            `json:"repositoryId"`
		Workflow         string            `json:"workflow"`
		ReusableWorkflow string            `json:"reusableWorkflow"`
		Environment      string            `json:"environment"`
		Ref              string            `json:"ref"`
		CIConfigPath     string            `json:"ciConfigPath"`
		Claims           map[string]string `json:"claims"` // Buildkite, CircleCI, generic OIDC
		Packages         []string          `json:"packages"`
		// ReadOnly and StagingOnly left out keep, on update, what the
		// policy is (false on create).
		ReadOnly      *bool `json:"readOnly"`
		StagingOnly   *bool `json:"stagingOnly"`
		ConfirmRebind bool  `json:"confirmRebind"`
	}
	policyTestJSON struct {
		Policy   policyJSON  `json:"policy"`
		Matched  bool        `json:"matched"`
		Binds    bool        `json:"binds,omitempty"`
		Reason   string      `json:"reason,omitempty"`
		Specific bool        `json:"shownToCaller,omitempty"`
		Checks   []checkJSON `json:"checks"`
	}
	// checkJSON is one claim of a test token against a policy (trust.Check).
	checkJSON struct {
		Claim string `json:"claim"`
		Want  string `json:"want"`
		Got   string `json:"got"`
		OK    bool   `json:"ok"`
		Why   string `json:"why"`
	}
)

// policyAPIAuth resolves the caller of a policy API route: an API key in
// X-NuGet-ApiKey (it must have the manage scope), else the session
// cookie, whose changes must carry the CSRF token of the same browser and
// session in X-CSRF-Token (and not come from another site). A GET by a
// session answers the token in the same header, for scripts.
func (s *Server) policyAPIAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		c.Response().Header().Set("Cache-Control", "no-store")
		ctx := r.Context()
		if secret := r.Header.Get(apiKeyHeader); secret != "" {
			key, err := s.reg.Authenticate(ctx, secret)
			if err != nil {
				return err
			}
			m, err := s.reg.ManagerOfKey(ctx, key)
			if err != nil {
				return err
			}
			c.Set(ctxManager, m)
			return next(c)
		}
		ck, err := c.Cookie(s.cookies.session)
		if err != nil || ck.Value == "" {
			return &registry.Error{Kind: registry.ErrUnauthenticated, Message: "Sign in, or pass an API key with the manage scope in the X-NuGet-ApiKey header."}
		}
		u, err := s.reg.SessionUser(ctx, ck.Value)
		if err != nil {
			return err
		}
		c.Set(ctxSession, ck.Value)
		csrf, err := c.Cookie(s.cookies.csrf)
		if err == nil && len(csrf.Value) == 43 {
			c.Set(ctxCSRF, csrf.Value)
		}
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if c.Get(ctxCSRF) != nil {
				c.Response().Header().Set(csrfHeader, s.csrfToken(c))
			}
		} else {
			got := r.Header.Get(csrfHeader)
			if r.Header.Get("Sec-Fetch-Site") == "cross-site" || c.Get(ctxCSRF) == nil || got == "" ||
				subtle.ConstantTimeCompare([]byte(got), []byte(s.csrfToken(c))) != 1 {
				return &registry.Error{Kind: registry.ErrForbidden, Message: "A change made with a session must carry the page's CSRF token in the X-CSRF-Token header (a GET of /api/v2/policies answers it); nothing was changed."}
			}
		}
		c.Set(ctxManager, registry.PolicyManager{User: u.Name})
		return next(c)
	}
}

func manager(c echo.Context) registry.PolicyManager {
	m, _ := c.Get(ctxManager).(registry.PolicyManager)
	return m
}

// listPoliciesAPI answers GET /api/v2/policies.
func (s *Server) listPoliciesAPI(c echo.Context) error {
	ps, err := s.reg.ManagedPolicies(c.Request().Context(), manager(c))
	if err != nil {
		return err
	}
	out := make([]policyJSON, len(ps))
	for i := range ps {
		out[i] = policyToJSON(&ps[i])
	}
	return c.JSON(http.StatusOK, map[string]any{"policies": out})
}

// getPolicyAPI answers GET /api/v2/policies/:policy.
func (s *Server) getPolicyAPI(c echo.Context) error {
	id, err := policyIDParam(c)
	if err != nil {
		return err
	}
	v, err := s.reg.ManagedPolicy(c.Request().Context(), manager(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, policyToJSON(v))
}

// createPolicyAPI answers POST /api/v2/policies: 201 with the policy.
func (s *Server) createPolicyAPI(c echo.Context) error {
	req, err := s.readPolicyRequest(c, false)
	if err != nil {
		return err
	}
	v, err := s.reg.CreateManagedPolicy(c.Request().Context(), manager(c), req)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Location", fmt.Sprintf("/api/v2/policies/%d", v.ID))
	return c.JSON(http.StatusCreated, policyToJSON(v))
}

// updatePolicyAPI answers PUT /api/v2/policies/:policy: the body replaces
// the policy's settings, as the web form and 'wharf policy update' do.
func (s *Server) updatePolicyAPI(c echo.Context) error {
	id, err := policyIDParam(c)
	if err != nil {
		return err
	}
	req, err := s.readPolicyRequest(c, true)
	if err != nil {
		return err
	}
	v, err := s.reg.UpdateManagedPolicy(c.Request().Context(), manager(c), id, req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, policyToJSON(v))
}

// deletePolicyAPI answers DELETE /api/v2/policies/:policy: 204.
func (s *Server) deletePolicyAPI(c echo.Context) error {
	id, err := policyIDParam(c)
	if err != nil {
		return err
	}
	if err := s.reg.RemoveManagedPolicy(c.Request().Context(), manager(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// testPoliciesAPI answers POST /api/v2/policies/test with {"token": JWT}:
// for each policy the caller manages, whether the token matches and why
// not. The token is verified but not used up.
func (s *Server) testPoliciesAPI(c echo.Context) error {
	var body struct {
		Token string `json:"token"`
	}
	if err := s.decodeJSONBody(c, &body); err != nil {
		return err
	}
	if strings.TrimSpace(body.Token) == "" {
		return invalidf("Give the CI job's OIDC token as {\"token\": \"<JWT>\"}.")
	}
	tt, err := s.reg.TestPolicies(c.Request().Context(), manager(c), strings.TrimSpace(body.Token))
	if err != nil {
		return err
	}
	res := tt.Results
	out := make([]policyTestJSON, len(res))
	for i := range res {
		out[i] = policyTestJSON{Policy: policyToJSON(&res[i].Policy), Matched: res[i].Matched, Binds: res[i].Bind,
			Reason: res[i].Reason, Specific: res[i].Specific, Checks: make([]checkJSON, len(res[i].Checks))}
		for j, ch := range res[i].Checks {
			out[i].Checks[j] = checkJSON{Claim: ch.Claim, Want: ch.Want, Got: ch.Got, OK: ch.OK, Why: ch.Why}
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"results": out, "tokenExpired": tt.Expired,
		"tokenExpiresAt": tt.Expiry.UTC().Format(time.RFC3339)})
}

// policyIDParam reads the :policy path parameter.
func policyIDParam(c echo.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("policy"), 10, 64)
	if err != nil || id <= 0 {
		return 0, &registry.Error{Kind: registry.ErrNotFound, Message: fmt.Sprintf("There is no trust policy with ID '%s'.", headerSafe(c.Param("policy")))}
	}
	return id, nil
}

// readPolicyRequest decodes a create or update body into the request the
// use cases take.
func (s *Server) readPolicyRequest(c echo.Context, update bool) (registry.NewPolicy, error) {
	var b policyRequestJSON
	if err := s.decodeJSONBody(c, &b); err != nil {
		return registry.NewPolicy{}, err
	}
	req := registry.NewPolicy{Owner: b.Owner, Name: b.Name, Provider: trust.Provider(strings.ToLower(strings.TrimSpace(b.Provider))),
		Issuer: b.Issuer, Repository: b.Repository, RepoOwnerID: b.RepoOwnerID, RepositoryID: b.RepositoryID, Workflow: b.Workflow,
		ReusableWorkflow: b.ReusableWorkflow, Environment: b.Environment, Ref: b.Ref, CIConfigPath: b.CIConfigPath, Globs: b.Packages,
		ConfirmRebind: b.ConfirmRebind, Claims: b.Claims}
	if b.ReadOnly != nil {
		req.ReadOnly = *b.ReadOnly
	}
	if b.StagingOnly != nil {
		req.StagingOnly = *b.StagingOnly
	}
	req.KeepReadOnly, req.KeepStagingOnly = update && b.ReadOnly == nil, update && b.StagingOnly == nil
	if update && b.Owner != "" {
		return req, &registry.Error{Kind: registry.ErrInvalid, Message: "A policy's owner does not change: leave 'owner' out, or delete the policy and create it for the other owner."}
	}
	return req, nil
}

// policyBody reads a policy API body.
var policyBody = jsonBody{Limit: 64 << 10, Expect: "a JSON object with the policy's fields", Strict: true, Thing: "a trust policy"}

// decodeJSONBody reads a policy API body: JSON (by its Content-Type) as
// policyBody says.
func (s *Server) decodeJSONBody(c echo.Context, v any) error {
	if ct := c.Request().Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &registry.Error{Kind: registry.ErrInvalid, Message: "Send the body as JSON with Content-Type: application/json."}
	}
	return s.readJSON(c, policyBody, v)
}

// policyToJSON is a policy as the API answers it.
func policyToJSON(v *registry.PolicyView) policyJSON {
	p := policyJSON{ID: v.ID, Name: v.Name, Owner: v.OwnerName, CreatedBy: v.CreatorName, Provider: string(v.Provider), Issuer: v.IssuerName,
		Repository: v.RepoOwner + "/" + v.Repository, RepoOwnerID: v.RepoOwnerID, RepositoryID: v.RepositoryID, Workflow: v.Workflow,
		ReusableWorkflow: v.ReusableWorkflow, Environment: v.Environment, Ref: v.Ref, CIConfigPath: v.CIConfigPath, Packages: v.Globs,
		ReadOnly: v.ReadOnly, StagingOnly: v.StagingOnly, Status: v.Status.State, DaysLeft: v.Status.DaysLeft, Reason: v.Status.Reason,
		Editable: v.Editable, CreatedAt: v.CreatedAt.UTC().Format(time.RFC3339)}
	if p.Packages == nil {
		p.Packages = []string{}
	}
	p.IssuerURL = v.Issuer
	if p.Issuer == "" {
		p.Issuer = v.Issuer
	}
	if v.BoundAt != nil {
		p.BoundAt = v.BoundAt.UTC().Format(time.RFC3339)
	}
	p.Claims, p.BindClaims = v.Rules.Fields(v.Provider), v.Rules.Bind
	if v.Provider == trust.OIDC {
		p.Repository = "" // its claims say it all, and a GET's body PUT back stays valid
	}
	for _, u := range v.RepoUses {
		p.RepositoryUses = append(p.RepositoryUses, repoUseJSON{Repository: u.Repository, RepositoryID: u.RepositoryID,
			FirstUsedAt: u.FirstUsedAt.UTC().Format(time.RFC3339), RunID: u.RunID})
	}
	return p
}

// repoUseRows are a glob policy's first uses for its card.
func repoUseRows(uses []registry.RepoUse) []templates.RepoUseRow {
	out := make([]templates.RepoUseRow, len(uses))
	for i, u := range uses {
		out[i] = templates.RepoUseRow{Repository: u.Repository, RepositoryID: u.RepositoryID, FirstUsed: u.FirstUsedAt.UTC().Format("2006-01-02 15:04 UTC")}
	}
	return out
}
