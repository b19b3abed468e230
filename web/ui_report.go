package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// reportAbusePage is where ReportAbuseUriTemplate sends Visual Studio's
// "Report abuse": the operator's contact (config "contact"). A version
// the caller may not read is absent, as everywhere.
func (s *Server) reportAbusePage(c echo.Context) error {
	p, v, err := s.reg.Version(c.Request().Context(), c.Param("id"), c.Param("version"))
	if err != nil {
		return err
	}
	page := templates.ReportAbusePage{
		Page: s.page(c, "Report "+p.Name, ""), ID: p.Name, Version: v.Version.String(),
		PackageURL: s.urls.PackagePage(p.Name, v.Version.String()), Contact: s.contact,
	}
	switch {
	case strings.HasPrefix(s.contact, "https://"), strings.HasPrefix(s.contact, "http://"):
		page.ContactURL = s.contact
	case s.contact != "":
		page.ContactURL = "mailto:" + s.contact
	}
	return s.render(c, http.StatusOK, templates.ReportAbuse(page))
}

// ownerPage is where OwnerDetailsUriTemplate sends Visual Studio's owner
// links: the search for the account's packages, which lists only what
// the viewer may read (whether or not the account exists).
func (s *Server) ownerPage(c echo.Context) error {
	return c.Redirect(http.StatusFound, s.urls.OwnerSearch(c.Param("owner")))
}

// deprecationView is the package page's deprecation notice, nil when the
// version is not deprecated.
func (s *Server) deprecationView(v *registry.PackageVersion) *templates.DeprecationView {
	d := registry.DeprecationOf(v)
	if d == nil {
		return nil
	}
	words := map[string]string{registry.ReasonLegacy: "legacy", registry.ReasonCriticalBugs: "critical bugs", registry.ReasonOther: "other"}
	var reasons []string
	for _, r := range d.Reasons {
		if w, ok := words[r]; ok {
			reasons = append(reasons, w)
		} else {
			reasons = append(reasons, registry.EscapeText(r))
		}
	}
	out := &templates.DeprecationView{Reasons: strings.Join(reasons, ", "), Message: d.Message}
	if a := d.AlternatePackage; a != nil && nuget.ValidateDependencyID(a.ID) == nil {
		out.Alternate, out.AlternateURL = a.ID, s.urls.PackagePage(a.ID, "")
		if r, err := nuget.ParseRange(a.Range); err == nil && r.Min != nil && a.Range != "*" {
			out.Alternate += " " + r.Min.String() + " or later"
		}
	}
	return out
}

// vulnerabilityViews lists the advisories of a version for its page.
func vulnerabilityViews(p *registry.Package, v *registry.PackageVersion) []templates.VulnerabilityView {
	var out []templates.VulnerabilityView
	for _, x := range p.Vulnerabilities(v) {
		u := webURL(x.AdvisoryURL)
		if u == "" {
			continue
		}
		sev, err := registry.ParseSeverity(x.Severity)
		word := "unknown"
		if err == nil {
			word = sev.String()
		}
		out = append(out, templates.VulnerabilityView{Severity: word, URL: u})
	}
	return out
}
