package web

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/templates"
)

// The Trusted Publishing pages: list, create, edit, renew and delete the
// signed-in user's trust policies. registry.Service checks that the user
// created the policy or administers its organisation.

func (s *Server) policiesPage(c echo.Context) error {
	v, err := s.policiesView(c, templates.PolicyForm{Owner: currentUser(c).Name})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.Policies(v))
}

func (s *Server) policiesView(c echo.Context, form templates.PolicyForm) (templates.PoliciesPage, error) {
	v := templates.PoliciesPage{Page: s.page(c, "Trusted Publishing", "policies"), Form: form, Unreachable: unreachableByCI(s.urls.Base())}
	ps, err := s.reg.Policies(c.Request().Context(), currentUser(c).Name)
	if err != nil {
		return v, err
	}
	for i := range ps {
		v.Policies = append(v.Policies, s.policyRow(&ps[i]))
	}
	v.Owners, err = s.creatableOwners(c)
	v.RuleForms = s.ruleForms(form, v.Owners, currentUser(c).Name)
	v.Issuers = issuerOptions(s.formIssuers())
	if v.Form.Issuer == "" && len(v.Issuers) > 0 {
		v.Form.Issuer = v.Issuers[0].Value
	}
	return v, err
}

// formIssuers are the trusted issuers the main policy form offers: all
// but the claim-rule ones (Buildkite, CircleCI, generic OIDC), which have
// forms of their own.
func (s *Server) formIssuers() []trust.Issuer {
	var out []trust.Issuer
	for _, iss := range s.reg.IssuersOf("") {
		if !trust.RuleKind(iss.Provider) {
			out = append(out, iss)
		}
	}
	return out
}

// creatableOwners are the accounts the user may create keys and trust
// policies for: themself and the organisations they administer.
func (s *Server) creatableOwners(c echo.Context) ([]string, error) {
	u := currentUser(c)
	orgs, err := s.reg.OrganizationsOf(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range orgs {
		if m.Role == registry.RoleAdmin {
			out = append(out, m.User.Name)
		}
	}
	sort.Strings(out)
	return append([]string{u.Name}, out...), nil
}

func (s *Server) policyRow(p *registry.PolicyView) templates.PolicyRow {
	id := strconv.FormatInt(p.ID, 10)
	r := templates.PolicyRow{
		ID: p.ID, Name: p.Name, Provider: string(p.Provider), Issuer: p.Issuer, IssuerName: issuerLabel(p), Owner: p.OwnerName,
		Repository: p.RepoOwner + "/" + p.Repository, Workflow: p.Workflow, Environment: p.Environment, Ref: p.Ref,
		Globs: strings.Join(p.Globs, ", "), State: p.Status.State, DaysLeft: p.Status.DaysLeft, Reason: p.Status.Reason,
		EditURL:   "/account/trusted-publishing/" + id,
		RenewURL:  "/account/trusted-publishing/" + id + "/renew",
		DeleteURL: "/account/trusted-publishing/" + id + "/delete",
		Editable:  p.Editable,
	}
	if r.Globs == "" {
		r.Globs = "every package of " + p.OwnerName
	}
	if p.ReusableWorkflow != "" {
		r.Workflow += " → " + p.ReusableWorkflow
	}
	r.Snippet = s.policySnippet(p)
	s.ruleRow(&r, p)
	r.RepoGlob, r.RepoUses = p.RepoGlob(), repoUseRows(p.RepoUses)
	r.StagingOnly = p.StagingOnly
	if p.ReadOnly {
		r.ReadOnly = true
		if !trust.RuleKind(p.Provider) {
			r.Snippet = s.readOnlySnippet(p)
		}
		switch {
		case p.AnyRepo():
			r.Workflow = "any workflow of any repository of " + p.RepoOwner
		case r.Workflow == "" && (p.Provider == trust.GitHub || p.Provider == trust.Forgejo):
			r.Workflow = "any workflow of the repository"
		}
	}
	return r
}

// policySnippet is a CI job that publishes under the policy, with this
// server's token URL and audience filled in.
func (s *Server) policySnippet(p *registry.PolicyView) string {
	if trust.RuleKind(p.Provider) {
		return s.ruleSnippet(p)
	}
	switch p.Provider {
	case trust.GitLab:
		return s.pushGitLab(p)
	case trust.Forgejo:
		return s.pushForgejo(p)
	case trust.Azure:
		return s.pushAzure(p)
	}
	return s.pushGitHub(p)
}

func policyFormOf(c echo.Context) templates.PolicyForm {
	return templates.PolicyForm{
		Provider: c.FormValue("provider"), Owner: c.FormValue("owner"), Name: c.FormValue("name"),
		Repository: c.FormValue("repository"), Workflow: c.FormValue("workflow"), ReusableWorkflow: c.FormValue("reusable_workflow"),
		Environment: c.FormValue("environment"), Ref: c.FormValue("ref"), CIConfigPath: c.FormValue("ci_config_path"),
		Globs: c.FormValue("globs"), Issuer: c.FormValue("issuer"), ConfirmRebind: c.FormValue("confirm_rebind") == "yes",
		ReadOnly: c.FormValue("read_only") != "", StagingOnly: c.FormValue("staging_only") != "",
		Claims: claimValuesOf(c),
	}
}

func (s *Server) newPolicyRequest(c echo.Context, f templates.PolicyForm) registry.NewPolicy {
	return registry.NewPolicy{
		User: currentUser(c).Name, Owner: f.Owner, Name: f.Name, Provider: trust.Provider(f.Provider),
		Repository: f.Repository, Workflow: f.Workflow, ReusableWorkflow: f.ReusableWorkflow,
		Environment: f.Environment, Ref: f.Ref, CIConfigPath: f.CIConfigPath, Globs: splitList(f.Globs),
		Issuer: f.Issuer, ConfirmRebind: f.ConfirmRebind,
		ReadOnly: f.ReadOnly, StagingOnly: f.StagingOnly, Claims: f.Claims,
	}
}

func (s *Server) createPolicy(c echo.Context) error {
	f := policyFormOf(c)
	p, err := s.reg.CreatePolicy(c.Request().Context(), s.newPolicyRequest(c, f))
	if msg := registry.Message(err); msg != "" {
		v, verr := s.policiesView(c, f)
		if verr != nil {
			return verr
		}
		issuerInput := "policy-provider"
		if len(v.Issuers) > 0 {
			issuerInput = "policy-issuer"
		}
		v.Error, v.ErrorInput = msg, policyInput(err, issuerInput)
		v.Problem = problem(msg, v.ErrorInput)
		if trust.RuleKind(trust.Provider(f.Provider)) {
			ruleCreateError(&v, f, err)
		}
		return s.render(c, statusFor(err), templates.Policies(v))
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/account/trusted-publishing", "ok", "Created policy "+p.Name+". Paste its CI configuration into your workflow and run it within 7 days.")
}

// findPolicy returns one of the user's policies by the ID in the path.
func (s *Server) findPolicy(c echo.Context) (*registry.PolicyView, int64, error) {
	id, err := strconv.ParseInt(c.Param("policy"), 10, 64)
	if err != nil {
		return nil, 0, notFoundf("There is no trust policy %q.", c.Param("policy"))
	}
	ps, err := s.reg.Policies(c.Request().Context(), currentUser(c).Name)
	if err != nil {
		return nil, 0, err
	}
	for i := range ps {
		if ps[i].ID == id && ps[i].Editable {
			return &ps[i], id, nil
		}
	}
	return nil, 0, notFoundf("You have no trust policy with ID %d.", id)
}

func (s *Server) policyPage(c echo.Context) error {
	p, _, err := s.findPolicy(c)
	if err != nil {
		return err
	}
	return s.renderPolicyEdit(c, http.StatusOK, p, formOfPolicy(p), nil)
}

// renderPolicyEdit shows the edit page, with the error that refused the
// form (nil for none) beside its field.
func (s *Server) renderPolicyEdit(c echo.Context, status int, p *registry.PolicyView, f templates.PolicyForm, refused error) error {
	owners, err := s.creatableOwners(c)
	if err != nil {
		return err
	}
	issuers := s.editIssuers(p)
	v := templates.PolicyEditPage{Page: s.page(c, "Edit "+p.Name, "policies"), Policy: s.policyRow(p), Owners: owners, Form: f,
		Issuers: issuers}
	if msg := registry.Message(refused); msg != "" {
		issuerInput := ""
		if len(issuers) > 1 {
			issuerInput = "policy-issuer"
		}
		v.Error, v.ErrorInput = msg, policyInput(refused, issuerInput)
		v.Problem = problem(msg, v.ErrorInput)
	}
	if trust.RuleKind(p.Provider) {
		v.RuleForm = s.ruleEditForm(p, f)
		if msg := registry.Message(refused); msg != "" {
			v.Error, v.ErrorInput = "", ""
			v.Problem = problem(msg, placeRuleError(v.RuleForm, refused))
		}
	}
	return s.render(c, status, templates.PolicyEdit(v))
}

func formOfPolicy(p *registry.PolicyView) templates.PolicyForm {
	return templates.PolicyForm{
		Provider: string(p.Provider), Owner: p.OwnerName, Name: p.Name, Repository: p.RepoOwner + "/" + p.Repository,
		Workflow: p.Workflow, ReusableWorkflow: p.ReusableWorkflow, Environment: p.Environment, Ref: p.Ref,
		CIConfigPath: p.CIConfigPath, Globs: strings.Join(p.Globs, ", "), Issuer: issuerValue(p), ReadOnly: p.ReadOnly, StagingOnly: p.StagingOnly,
		Claims: p.Rules.Fields(p.Provider),
	}
}

func (s *Server) updatePolicy(c echo.Context) error {
	p, id, err := s.findPolicy(c)
	if err != nil {
		return err
	}
	f := policyFormOf(c)
	f.Provider = string(p.Provider)
	_, err = s.reg.UpdatePolicy(c.Request().Context(), currentUser(c).Name, id, s.newPolicyRequest(c, f))
	if registry.Message(err) != "" {
		return s.renderPolicyEdit(c, statusFor(err), p, f, err)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/account/trusted-publishing", "ok", "Saved policy "+p.Name+". Keys it issued before were revoked.")
}

func (s *Server) renewPolicy(c echo.Context) error {
	_, id, err := s.findPolicy(c)
	if err != nil {
		return err
	}
	p, err := s.reg.RenewPolicy(c.Request().Context(), currentUser(c).Name, id)
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/account/trusted-publishing", "ok", fmt.Sprintf("Renewed policy %s: it has %d days to be used.", p.Name, p.Status.DaysLeft))
}

func (s *Server) deletePolicy(c echo.Context) error {
	p, id, err := s.findPolicy(c)
	if err != nil {
		return err
	}
	if err := s.reg.RemovePolicy(c.Request().Context(), currentUser(c).Name, id); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/account/trusted-publishing", "ok", "Deleted policy "+p.Name+" and revoked its keys.")
}

// statusFor is the status of a refused form: the error's own status.
func statusFor(err error) int {
	st, _ := statusOf(err)
	return st
}
