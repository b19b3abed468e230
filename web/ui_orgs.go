package web

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// The organisation pages: list and create organisations, and for their
// admins, add, change and remove members.

func (s *Server) orgsPage(c echo.Context) error {
	return s.renderOrgs(c, http.StatusOK, "", "")
}

func (s *Server) renderOrgs(c echo.Context, status int, name, msg string) error {
	ms, err := s.reg.OrganizationsOf(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	invs, err := s.reg.OrgInvitationsOf(c.Request().Context(), currentUser(c))
	if err != nil {
		return err
	}
	v := templates.OrgsPage{Page: s.page(c, "Organisations", "orgs"), Name: name, Error: msg}
	if msg != "" {
		v.Problem = problem(msg, "org-name")
	}
	for _, inv := range invs {
		base := "/account/organizations/" + url.PathEscape(inv.Org)
		v.Invitations = append(v.Invitations, templates.OrgInvitationRow{
			Org: inv.Org, Role: string(inv.Role), RequestedBy: inv.RequestedBy, Since: day(inv.CreatedAt),
			AcceptURL: base + "/accept", DeclineURL: base + "/decline",
		})
	}
	for _, m := range ms {
		v.Orgs = append(v.Orgs, templates.OrgRow{Name: m.User.Name, Role: string(m.Role), URL: "/organizations/" + url.PathEscape(m.User.Name)})
	}
	return s.render(c, status, templates.Orgs(v))
}

func (s *Server) createOrg(c echo.Context) error {
	name := c.FormValue("name")
	org, err := s.reg.AddOrganization(c.Request().Context(), name, currentUser(c).Name)
	if msg := registry.Message(err); msg != "" {
		return s.renderOrgs(c, statusFor(err), name, msg)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/organizations/"+url.PathEscape(org.Name), "ok", "Created organisation "+org.Name+". You are its admin.")
}

func (s *Server) orgPage(c echo.Context) error {
	return s.renderOrg(c, http.StatusOK, "", "", "")
}

func (s *Server) renderOrg(c echo.Context, status int, user, role, msg string) error {
	u := currentUser(c)
	org, myRole, members, err := s.reg.MembersAs(c.Request().Context(), u, c.Param("org"))
	if err != nil {
		return err
	}
	base := "/organizations/" + url.PathEscape(org.Name)
	v := templates.OrgPage{
		Page: s.page(c, org.Name, "orgs"), Name: org.Name, IsAdmin: myRole == registry.RoleAdmin,
		Action: base + "/members", Error: msg, FormUser: user, FormRole: role,
	}
	if msg != "" && v.IsAdmin {
		v.Problem = problem(msg, "member-user")
	}
	admins := 0
	for _, m := range members {
		if m.Role == registry.RoleAdmin {
			admins++
		}
	}
	for _, m := range members {
		v.Members = append(v.Members, templates.MemberRow{Name: m.User.Name, Role: string(m.Role), RemoveURL: base + "/members/" + url.PathEscape(m.User.Name) + "/remove",
			OnlyAdmin: m.Role == registry.RoleAdmin && admins == 1})
	}
	if v.IsAdmin {
		invs, err := s.reg.OrgInvitationsTo(c.Request().Context(), u, org.Name)
		if err != nil {
			return err
		}
		for _, inv := range invs {
			v.Pending = append(v.Pending, templates.PendingMemberRow{Name: inv.User, Role: string(inv.Role), CancelURL: base + "/invitations/" + url.PathEscape(inv.User) + "/cancel"})
		}
	}
	return s.render(c, status, templates.Org(v))
}

func (s *Server) setMember(c echo.Context) error {
	user, role := c.FormValue("user"), c.FormValue("role")
	invited, err := s.reg.SetMemberAs(c.Request().Context(), currentUser(c), c.Param("org"), user, registry.Role(role))
	if msg := registry.Message(err); msg != "" {
		return s.renderOrg(c, statusFor(err), user, role, msg)
	}
	if err != nil {
		return err
	}
	msg := user + " is now " + role + " of " + c.Param("org") + "."
	if invited {
		msg = user + " is invited to join " + c.Param("org") + " as " + role + " and becomes one on accepting, from their Organisations page."
	}
	return s.redirectWithFlash(c, "/organizations/"+url.PathEscape(c.Param("org")), "ok", msg)
}

func (s *Server) acceptOrgInvitation(c echo.Context) error  { return s.answerOrgInvitation(c, true) }
func (s *Server) declineOrgInvitation(c echo.Context) error { return s.answerOrgInvitation(c, false) }

func (s *Server) answerOrgInvitation(c echo.Context, accept bool) error {
	org := c.Param("org")
	role, err := s.reg.AnswerOrgInvitation(c.Request().Context(), currentUser(c), org, accept)
	if err != nil {
		return err
	}
	if !accept {
		return s.redirectWithFlash(c, "/account/organizations", "ok", "You declined to join "+org+".")
	}
	return s.redirectWithFlash(c, "/organizations/"+url.PathEscape(org), "ok", "You joined "+org+" as "+string(role)+".")
}

func (s *Server) cancelOrgInvitation(c echo.Context) error {
	org, user := c.Param("org"), c.Param("user")
	if err := s.reg.CancelOrgInvitationAs(c.Request().Context(), currentUser(c), org, user); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/organizations/"+url.PathEscape(org), "ok", "The invitation of "+user+" to join "+org+" is withdrawn.")
}

func (s *Server) removeMember(c echo.Context) error {
	user := c.Param("user")
	if err := s.reg.RemoveMemberAs(c.Request().Context(), currentUser(c), c.Param("org"), user); err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/organizations/"+url.PathEscape(c.Param("org")), "ok", user+" was removed from "+c.Param("org")+".")
}
