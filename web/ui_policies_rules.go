package web

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/trust"
	"github.com/wharf-registry/wharf/templates"
)

// The Trusted Publishing page's forms and cards for claim-rule issuers
// (Buildkite, CircleCI, generic OIDC): one create form per such issuer the
// server trusts, with one field per claim its policies name.

// claimValuesOf reads the form's claim.<key> values.
func claimValuesOf(c echo.Context) map[string]string {
	params, err := c.FormParams()
	if err != nil {
		return nil
	}
	var out map[string]string
	for name, vs := range params {
		key, ok := strings.CutPrefix(name, "claim.")
		if !ok || len(vs) == 0 || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[key] = vs[0]
	}
	return out
}

// ruleForms are the create forms of the claim-rule issuers; the one of
// f's issuer keeps f's values (a refused form shown again).
func (s *Server) ruleForms(f templates.PolicyForm, owners []string, user string) []templates.RuleForm {
	var out []templates.RuleForm
	n := map[trust.Provider]int{}
	for _, iss := range s.reg.IssuersOf("") {
		prof, ok := trust.ProfileOf(iss)
		if !ok {
			continue
		}
		n[iss.Provider]++
		rf := templates.RuleForm{ID: "policy-" + string(iss.Provider) + strconv.Itoa(n[iss.Provider]), Title: iss.Name,
			Provider: string(iss.Provider), Issuer: iss.URL, Action: "/account/trusted-publishing", Submit: "Create " + iss.Name + " policy",
			Create: true, Owners: owners, Owner: user, IDHint: prof.IDHint}
		var values map[string]string
		if f.Issuer == iss.URL && trust.Provider(f.Provider) == iss.Provider {
			rf.Owner, rf.Name, rf.Globs, rf.ReadOnly, rf.StagingOnly = f.Owner, f.Name, f.Globs, f.ReadOnly, f.StagingOnly
			values = f.Claims
		}
		rf.Fields = ruleFields(prof, values)
		out = append(out, rf)
	}
	return out
}

// ruleFields are a profile's fields with values.
func ruleFields(prof trust.Profile, values map[string]string) []templates.RuleField {
	out := make([]templates.RuleField, len(prof.Fields))
	for i, fd := range prof.Fields {
		label := strings.ToUpper(fd.Label[:1]) + fd.Label[1:]
		if !fd.Required {
			label += " (optional)"
		}
		out[i] = templates.RuleField{Key: fd.Key, Label: label, Hint: fd.Hint, Value: values[fd.Key], Required: fd.Required}
	}
	return out
}

// ruleEditForm is the edit form of a claim-rule policy.
func (s *Server) ruleEditForm(p *registry.PolicyView, f templates.PolicyForm) *templates.RuleForm {
	prof, _ := s.reg.ProfileOf(p.Issuer, p.Provider)
	rf := &templates.RuleForm{ID: "policy-rules", Title: "Claims", Provider: string(p.Provider), Issuer: p.Issuer,
		Action: "/account/trusted-publishing/" + strconv.FormatInt(p.ID, 10), Submit: "Save changes", Owner: f.Owner, Name: f.Name, Globs: f.Globs,
		ReadOnly: f.ReadOnly, StagingOnly: f.StagingOnly, ConfirmRebind: f.ConfirmRebind, IDHint: prof.IDHint}
	rf.Fields = ruleFields(prof, f.Claims)
	return rf
}

// placeRuleError puts a refusal beside its input in a rule form, and
// returns that input's id ("" for the top of the form).
func placeRuleError(rf *templates.RuleForm, err error) string {
	field := registry.Field(err)
	id := ""
	switch {
	case strings.HasPrefix(field, registry.ClaimFieldPrefix):
		id = rf.FieldID(strings.TrimPrefix(field, registry.ClaimFieldPrefix))
	case field == "package glob":
		id = rf.ID + "-globs"
	case field == "policy name":
		id = rf.ID + "-name"
	}
	rf.Error, rf.ErrorInput = registry.Message(err), id
	return id
}

// ruleCreateError moves a refused create form's error to its rule form.
func ruleCreateError(v *templates.PoliciesPage, f templates.PolicyForm, err error) {
	for i := range v.RuleForms {
		rf := &v.RuleForms[i]
		if rf.Issuer == f.Issuer && rf.Provider == f.Provider {
			id := placeRuleError(rf, err)
			v.Error, v.ErrorInput = "", ""
			v.Problem = problem(rf.Error, id)
			return
		}
	}
}

// ruleRow adds a claim-rule policy's claims to its card.
func (s *Server) ruleRow(r *templates.PolicyRow, p *registry.PolicyView) {
	if !trust.RuleKind(p.Provider) {
		return
	}
	prof, _ := s.reg.ProfileOf(p.Issuer, p.Provider)
	for _, m := range p.Rules.Match {
		label := m.Claim
		for _, fd := range prof.Fields {
			if fd.Claim == m.Claim {
				label = strings.ToUpper(fd.Label[:1]) + fd.Label[1:]
			}
		}
		r.Claims = append(r.Claims, templates.ClaimRow{Label: label, Value: m.Value})
	}
	switch {
	case len(p.Rules.Bind) > 0 && p.Pending():
		r.Claims = append(r.Claims, templates.ClaimRow{Label: "Binds on first use", Value: strings.Join(p.Rules.Bind, ", ")})
	case len(p.Rules.Bind) > 0:
		r.Claims = append(r.Claims, templates.ClaimRow{Label: "Bound IDs", Value: p.RepoOwnerID + " / " + p.RepositoryID})
	}
	if p.Provider == trust.OIDC {
		r.Repository = p.RepoOwner
	}
}
