package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The API keys page: list, create (the secret shown once), revoke.

func (s *Server) keysPage(c echo.Context) error {
	v, err := s.keysView(c, templates.KeyForm{ScopePush: true})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, templates.Keys(v))
}

func (s *Server) keysView(c echo.Context, form templates.KeyForm) (templates.KeysPage, error) {
	ctx := c.Request().Context()
	u := currentUser(c)
	v := templates.KeysPage{Page: s.page(c, "API keys", "keys"), Form: form}
	names, err := s.ownerNames(c, u)
	if err != nil {
		return v, err
	}
	if v.Owners, err = s.creatableOwners(c); err != nil {
		return v, err
	}
	keys, err := s.reg.ListKeys(ctx, u.Name)
	if err != nil {
		return v, err
	}
	now := s.reg.Now()
	for _, k := range keys {
		if k.PolicyID != nil { // short-lived trusted-publishing keys live in the audit log
			continue
		}
		row := templates.KeyRow{
			ID: k.ID, Description: k.Description, Hint: k.Hint, Owner: names[k.OwnerID], Globs: strings.Join(k.Globs, ", "),
			Scopes:  scopeNames(k.Scopes),
			Created: day(k.CreatedAt), Expires: "never", LastUsed: "never", State: "active",
			RevokeURL: "/account/keys/" + strconv.FormatInt(k.ID, 10) + "/revoke",
		}
		if row.Owner == "" {
			row.Owner = "(no longer a member)"
		}
		if row.Globs == "" {
			row.Globs = "all"
		}
		if k.ExpiresAt != nil {
			row.Expires = day(*k.ExpiresAt)
			if !now.Before(*k.ExpiresAt) {
				row.State = "expired"
			}
		}
		if k.LastUsedAt != nil {
			row.LastUsed = day(*k.LastUsedAt)
		}
		if k.RevokedAt != nil {
			row.State = "revoked"
		}
		v.Keys = append(v.Keys, row)
	}
	return v, nil
}

// ownerNames maps the IDs of the user and their organisations to names.
func (s *Server) ownerNames(c echo.Context, u *registry.Account) (map[int64]string, error) {
	names := map[int64]string{u.ID: u.Name}
	orgs, err := s.reg.OrganizationsOf(c.Request().Context(), u)
	if err != nil {
		return nil, err
	}
	for _, m := range orgs {
		names[m.User.ID] = m.User.Name
	}
	return names, nil
}

func (s *Server) createKey(c echo.Context) error {
	u := currentUser(c)
	params, err := c.FormParams()
	if err != nil {
		return err
	}
	form := templates.KeyForm{
		Description: params.Get("description"), Owner: params.Get("owner"),
		Globs: params.Get("globs"), ExpiresDays: params.Get("expires_days"),
	}
	scopes, scopeErr := feeds.ParseScopes(params["scope"])
	form.ScopeRead, form.ScopePush, form.ScopeStage = scopes.Has(feeds.ScopeRead), scopes.Has(feeds.ScopePush), scopes.Has(feeds.ScopeStage)
	form.ScopeManage = scopes.Has(feeds.ScopeManage)
	if len(params["scope"]) == 0 && params.Get("scope_choice") != "" {
		// The page's form says the scopes were offered and none was ticked:
		// refuse rather than guess. A form without the choice (a script
		// written before scopes) gets the default, as the command line does.
		form.ScopeRead, form.ScopePush, form.ScopeStage, form.ScopeManage = false, false, false, false
		return s.refuseKeyForm(c, form, "scopes", http.StatusBadRequest, "Choose what the key may do: tick Read, Push or both.")
	}
	if scopeErr != nil {
		return s.refuseKeyForm(c, form, "scopes", statusFor(scopeErr), userMessage(scopeErr))
	}
	days, err := strconv.Atoi(form.ExpiresDays)
	if err != nil || days < 1 || days > 365 {
		return s.refuseKeyForm(c, form, "expires", http.StatusBadRequest, "Choose when the key expires: between 1 and 365 days.")
	}
	if strings.TrimSpace(form.Description) == "" {
		return s.refuseKeyForm(c, form, "description", http.StatusBadRequest, "Describe what the key is for, so you can recognise it later.")
	}
	expires := s.reg.Now().Add(time.Duration(days) * 24 * time.Hour)
	secret, k, err := s.reg.CreateKey(c.Request().Context(), registry.NewKey{
		User: u.Name, Owner: form.Owner, Globs: splitList(form.Globs), ExpiresAt: &expires, Description: form.Description, Scopes: scopes,
	})
	if err != nil {
		if msg := userMessage(err); msg != "" {
			return s.refuseKeyForm(c, form, "", statusFor(err), msg)
		}
		return err
	}
	v, err := s.keysView(c, templates.KeyForm{ScopePush: true})
	if err != nil {
		return err
	}
	v.NewSecret, v.NewHint = secret, k.Hint
	v.NextSteps = nextSteps(s.urls.ServiceIndex(), u.Name, secret, k.Scopes)
	return s.render(c, http.StatusCreated, templates.Keys(v))
}

// nextSteps are the commands that use a new key, by its scopes: pushing
// with a push key, adding the registry as a NuGet source with a read key.
// They hold the whole secret, so they can be copied and run as they are.
func nextSteps(index, user, secret string, sc feeds.Scope) []templates.KeyCommand {
	var out []templates.KeyCommand
	if sc.Has(feeds.ScopePush) {
		out = append(out, templates.KeyCommand{ID: "push",
			Label: "Push with it:", Command: "dotnet nuget push MyPackage.1.0.0.nupkg --source " + index + " --api-key " + secret})
	}
	if sc.StagingOnly() {
		out = append(out, templates.KeyCommand{ID: "stage",
			Label: "Stage with it (a person then promotes under Staged releases):", Command: "dotnet nuget stage push MyPackage.1.0.0.nupkg --source " + index + " --api-key " + secret})
	}
	if sc.Has(feeds.ScopeRead) {
		out = append(out,
			templates.KeyCommand{ID: "dotnet-source", Label: "Restore private packages with it (dotnet):",
				Command: "dotnet nuget add source " + index + " --name wharf --username " + user + " --password " + secret},
			templates.KeyCommand{ID: "nuget-source", Label: "Or with NuGet.exe:",
				Command: "nuget sources add -Name wharf -Source " + index + " -Username " + user + " -Password " + secret + " -StorePasswordInClearText"})
	}
	return out
}

// scopeNames spells a key's scopes for the list; a key stored before
// scopes existed (0) pushes only.
func scopeNames(sc feeds.Scope) string {
	if sc == 0 {
		sc = feeds.DefaultScope
	}
	return strings.ReplaceAll(sc.String(), ",", ", ")
}

// refuseKeyForm shows the form again with the user's values and the
// reason, beside field ("description", "expires", "scopes"; "" above the
// form).
func (s *Server) refuseKeyForm(c echo.Context, form templates.KeyForm, field string, status int, why string) error {
	v, err := s.keysView(c, form)
	if err != nil {
		return err
	}
	v.Error, v.ErrorField = why, field
	v.Problem = problem(why, map[string]string{"description": "key-description", "expires": "key-expires", "scopes": "key-scope-read"}[field])
	return s.render(c, status, templates.Keys(v))
}

func (s *Server) revokeKey(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("key"), 10, 64)
	if err != nil {
		return notFoundf("There is no API key %q.", c.Param("key"))
	}
	if err := s.reg.RevokeKeyAs(c.Request().Context(), currentUser(c), id); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/account/keys", "ok", "The key was revoked. Anything still using it is refused from now on.")
}

// day formats a time as a date for tables.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// splitList splits a comma- or space-separated form field.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}
