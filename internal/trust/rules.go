package trust

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Claim rules: the policies of Buildkite, CircleCI and generic OpenID
// Connect issuers are not about a repository, so they are written as the
// claims a token must carry. A Profile says, per kind of issuer, which
// claims a policy names (its fields), which of them say who the token is
// for (identity: a mismatch is generic, never disclosed), which may hold
// a glob, and which claims are immutable IDs bound on the first use.
//
// The binding reuses the repository model: the verifier maps each kind's
// ID claims to Claims.RepoOwnerID and Claims.RepositoryID (Buildkite:
// organization_id, pipeline_id; CircleCI: the organisation ID of the
// issuer URL and the project ID; generic: "-" and the operator's ID claims
// as "name=value,..."), which the first matching token binds for good.

// ClaimRule is one claim a token must carry with a value: exact, or a
// glob ("*" is any run of characters) where the profile allows one. A
// claim holding an array matches when one of its elements does.
type ClaimRule struct {
	Claim string `json:"claim"`
	Value string `json:"value"`
}

// ClaimRules are what a policy of a claim-rule kind requires: every Match
// rule, and the Bind claims present (bound on first use).
type ClaimRules struct {
	Match []ClaimRule `json:"match,omitempty"`
	Bind  []string    `json:"bind,omitempty"`
}

// Value returns the rule's value for claim, or "".
func (r ClaimRules) Value(claim string) string {
	for _, m := range r.Match {
		if m.Claim == claim {
			return m.Value
		}
	}
	return ""
}

// IsZero reports whether there are no rules.
func (r ClaimRules) IsZero() bool { return len(r.Match) == 0 && len(r.Bind) == 0 }

// MarshalText stores the rules as JSON ("" for none).
func (r ClaimRules) MarshalText() ([]byte, error) {
	if r.IsZero() {
		return []byte{}, nil
	}
	return json.Marshal(struct {
		Match []ClaimRule `json:"match,omitempty"`
		Bind  []string    `json:"bind,omitempty"`
	}(r))
}

// UnmarshalText reads what MarshalText wrote.
func (r *ClaimRules) UnmarshalText(b []byte) error {
	*r = ClaimRules{}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	var v struct {
		Match []ClaimRule `json:"match,omitempty"`
		Bind  []string    `json:"bind,omitempty"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("claim rules: %w", err)
	}
	*r = ClaimRules(v)
	return nil
}

// RuleKind reports whether policies of the provider are claim rules.
func RuleKind(p Provider) bool { return p == Buildkite || p == CircleCI || p == OIDC }

// ClaimField is one claim a profile's policies name.
type ClaimField struct {
	Key      string // its name in forms, flags, the API and policy files
	Claim    string // the token claim it is compared with
	Label    string // for people
	Hint     string // what to write, for forms
	Required bool   // every policy names it
	Glob     bool   // its value may contain "*"
	Identity bool   // it says who the token is for: a mismatch is generic
	Lower    bool   // values are lower-cased (slugs, UUIDs)
}

// Profile is how one kind of issuer's policies are written.
type Profile struct {
	Provider Provider
	Fields   []ClaimField
	Bind     []string // ID claims bound on first use ("" none)
	// IDHint says what a job must do for its tokens to carry the ID
	// claims, for forms and docs ("" none).
	IDHint string
}

// ProfileOf returns the profile of an issuer's policies; ok is false for
// GitHub and GitLab, whose policies are repositories.
func ProfileOf(iss Issuer) (Profile, bool) {
	switch iss.Provider {
	case Buildkite:
		return buildkiteProfile, true
	case CircleCI:
		return circleCIProfile, true
	case OIDC:
		return oidcProfile(iss), true
	}
	return Profile{}, false
}

// field finds a profile's field by claim.
func (p Profile) field(claim string) (ClaimField, bool) {
	for _, f := range p.Fields {
		if f.Claim == claim {
			return f, true
		}
	}
	return ClaimField{}, false
}

// RuleError is a policy's claim values refused, naming the field (its
// Key) and why.
type RuleError struct {
	Field string
	Msg   string
}

// Error returns the sentence.
func (e *RuleError) Error() string { return e.Msg }

// Rules checks a policy's values (by field Key) against the profile and
// returns its rules. Unknown keys, a missing required value and a "*"
// where no glob is allowed are refused with a sentence.
func (p Profile) Rules(values map[string]string) (ClaimRules, error) {
	var out ClaimRules
	for key := range values {
		known := false
		for _, f := range p.Fields {
			known = known || f.Key == key
		}
		if !known {
			keys := make([]string, len(p.Fields))
			for i, f := range p.Fields {
				keys[i] = f.Key
			}
			return out, &RuleError{Field: key, Msg: fmt.Sprintf("'%s' is not a claim %s policies name: use %s.", key, p.Provider, strings.Join(keys, ", "))}
		}
	}
	for _, f := range p.Fields {
		v := strings.TrimSpace(values[f.Key])
		if f.Lower {
			v = strings.ToLower(v)
		}
		switch {
		case v == "" && f.Required:
			return out, &RuleError{Field: f.Key, Msg: fmt.Sprintf("The %s is required: %s", f.Label, f.Hint)}
		case v == "":
			continue
		case strings.Contains(v, "*") && !f.Glob:
			return out, &RuleError{Field: f.Key, Msg: fmt.Sprintf("The %s must be written out exactly: '*' is not allowed there.", f.Label)}
		case strings.Trim(v, "*") == "":
			return out, &RuleError{Field: f.Key, Msg: fmt.Sprintf("The %s '%s' matches everything: name one (a push policy must), or leave it empty on a read-only policy.", f.Label, v)}
		case len(v) > 200:
			return out, &RuleError{Field: f.Key, Msg: fmt.Sprintf("The %s is longer than 200 characters: shorten it.", f.Label)}
		}
		out.Match = append(out.Match, ClaimRule{Claim: f.Claim, Value: v})
	}
	out.Bind = append(out.Bind, p.Bind...)
	return out, nil
}

// Values returns the rules' values by field Key, for forms.
func (p Profile) Values(r ClaimRules) map[string]string {
	out := map[string]string{}
	for _, f := range p.Fields {
		if v := r.Value(f.Claim); v != "" {
			out[f.Key] = v
		}
	}
	return out
}

// matchRules is Match for claim-rule policies. Generic failures first:
// issuer and provider, the identity rules, the ID claims and, for a
// bound policy, the IDs; then specific ones: a pending policy past its
// window, a CircleCI job rerun with SSH, the other rules.
func matchRules(p *Policy, c *Claims, now time.Time) (Result, error) {
	prof, _ := ProfileOf(Issuer{Provider: p.Provider})
	identity := func(claim string) bool {
		f, ok := prof.field(claim)
		return !ok || f.Identity // generic kinds: every claim is identity
	}
	switch {
	case c.Provider != p.Provider:
		return Result{}, noMatch("provider %q is not the policy's %q", c.Provider, p.Provider)
	case c.Issuer != p.Issuer:
		return Result{}, noMatch("issuer %q is not the policy's %q", c.Issuer, p.Issuer)
	case len(p.Rules.Match) == 0:
		return Result{}, noMatch("the policy names no claims")
	}
	for _, r := range p.Rules.Match {
		if identity(r.Claim) && !claimMatches(c.Raw[r.Claim], r.Value, false) {
			return Result{}, noMatch("claim %s %q is not the policy's %q", r.Claim, claimText(c.Raw[r.Claim]), r.Value)
		}
	}
	for _, name := range p.Rules.Bind {
		if len(claimValues(c.Raw[name])) == 0 {
			return Result{}, noMatch("the token lacks the ID claim %s", name)
		}
	}
	switch {
	case c.RepoOwnerID == "" || c.RepositoryID == "":
		return Result{}, noMatch("the token lacks its IDs")
	case p.Pending():
	case c.RepoOwnerID != p.RepoOwnerID || c.RepositoryID != p.RepositoryID:
		return Result{}, noMatch("IDs %s/%s are not the bound %s/%s", c.RepoOwnerID, c.RepositoryID, p.RepoOwnerID, p.RepositoryID)
	}
	pending := p.Pending()
	if pending && p.PendingExpired(now) {
		return Result{}, &MatchError{Specific: true, Expired: true,
			Msg: fmt.Sprintf("The policy '%s' has expired. Sign in and renew the trust policy on the Trusted Publishing page.", p.Name)}
	}
	if p.Provider == CircleCI && claimText(c.Raw[circleSSHRerun]) == "true" {
		return Result{}, specific("The CircleCI job was rerun with SSH, so anyone with SSH access could use its token; policy '%s' does not accept it. Rerun the job without SSH.", p.Name)
	}
	for _, r := range p.Rules.Match {
		if identity(r.Claim) {
			continue
		}
		f, _ := prof.field(r.Claim)
		if !claimMatches(c.Raw[r.Claim], r.Value, f.Glob) {
			return Result{}, mismatch(f.Label, p.Name, r.Value, claimText(c.Raw[r.Claim]))
		}
	}
	return Result{Bind: pending}, nil
}

// claimValues reads a claim as strings: a string, number or boolean is
// one value, an array of them its elements; anything else none.
func claimValues(v any) []string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case json.Number:
		return []string{x.String()}
	case float64:
		return []string{fmt.Sprint(x)}
	case bool:
		return []string{fmt.Sprint(x)}
	case []any:
		var out []string
		for _, e := range x {
			if _, nested := e.([]any); !nested {
				out = append(out, claimValues(e)...)
			}
		}
		return out
	}
	return nil
}

// claimText shows a claim's values for messages.
func claimText(v any) string { return strings.Join(claimValues(v), ",") }

// claimMatches reports whether one of the claim's values is want: exactly,
// or as a glob when glob is allowed and want has a "*".
func claimMatches(v any, want string, glob bool) bool {
	for _, got := range claimValues(v) {
		if got == want || glob && strings.Contains(want, "*") && matchGlob(want, got) {
			return true
		}
	}
	return false
}

// matchGlob matches s against pattern, where "*" is any run of
// characters (including "/") and every other character itself, case
// included (git refs are case-sensitive).
func matchGlob(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return len(parts) > 1 && strings.HasSuffix(s, last)
}

// Fields returns the rules' values by the field keys of the provider's
// profile (for a generic issuer the keys are the claim names).
func (r ClaimRules) Fields(p Provider) map[string]string {
	if r.IsZero() {
		return nil
	}
	if p == OIDC {
		out := map[string]string{}
		for _, m := range r.Match {
			out[m.Claim] = m.Value
		}
		return out
	}
	prof, _ := ProfileOf(Issuer{Provider: p})
	return prof.Values(r)
}
