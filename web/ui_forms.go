package web

import (
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// policyInputs maps the field a refused policy names (registry.Field, in
// the words of its message) to the policy form's input, so that the page
// shows the sentence beside it.
var policyInputs = map[string]string{
	"policy name":       "policy-name",
	"repository":        "policy-repository",
	"owner ID":          "policy-repository",
	"repository ID":     "policy-repository",
	"workflow":          "policy-workflow",
	"reusable workflow": "policy-reusable",
	"environment":       "policy-environment",
	"ref":               "policy-ref",
	"CI config path":    "policy-ciconfig",
	"package glob":      "policy-globs",
}

// policyInput is the id of the policy form's input err is about, or ""
// when the form shows no such input (the error then tops the form).
// issuerInput is the input that chooses the issuer on this form: the
// issuer list, the provider list, or "" when the form has neither.
func policyInput(err error, issuerInput string) string {
	field := registry.Field(err)
	if field == "issuer" {
		return issuerInput
	}
	return policyInputs[field]
}

// problem is a refused form's error for the top of the page, linked to
// the input it is about.
func problem(msg, inputID string) *templates.Problem {
	return &templates.Problem{Message: msg, InputID: inputID}
}
