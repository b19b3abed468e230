package web

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/templates"
)

// View models of the public pages, built from registry snapshots.

// summaryOf is a package in a list, shown at its hit's latest version.
func (s *Server) summaryOf(h registry.SearchHit) templates.PackageSummary {
	p, v := h.Package, h.Latest
	m := v.Metadata
	desc := m.Summary
	if desc == "" {
		desc = m.Description
	}
	return templates.PackageSummary{
		ID: p.Name, Version: v.Version.String(), Prerelease: v.Version.IsPrerelease(),
		Description: shorten(desc, 300), Owners: s.ownerLinks(p), Tags: s.tagLinks(m.Tags),
		Downloads: thousands(p.TotalDownloads), Published: day(v.Published),
		URL: s.urls.PackagePage(p.Name, ""), IconURL: s.iconURL(p, v),
	}
}

func (s *Server) ownerLinks(p *registry.Package) []templates.Link {
	out := make([]templates.Link, len(p.Owners))
	for i, o := range p.Owners {
		out[i] = templates.Link{Text: o.Name, URL: s.urls.OwnerSearch(o.Name)}
	}
	return out
}

func (s *Server) tagLinks(tags []string) []templates.Link {
	out := make([]templates.Link, len(tags))
	for i, t := range tags {
		out[i] = templates.Link{Text: t, URL: s.urls.TagSearch(t)}
	}
	return out
}

// iconURL is the version's embedded icon, or its https iconUrl, or "".
func (s *Server) iconURL(p *registry.Package, v *registry.PackageVersion) string {
	if v.Metadata.IconType != "" {
		return s.urls.Icon(strings.ToLower(p.Name), v.Version.Lower())
	}
	if u := webURL(v.Metadata.IconURL); strings.HasPrefix(u, "https://") {
		return u
	}
	return ""
}

// packageView is the page of one version of a package.
func (s *Server) packageView(page templates.Page, p *registry.Package, v *registry.PackageVersion) templates.PackagePage {
	m := v.Metadata
	lower, lv := strings.ToLower(p.Name), v.Version.Lower()
	pv := templates.PackagePage{
		Page: page, ID: p.Name, Version: v.Version.String(), Title: m.Title, IconURL: s.iconURL(p, v),
		Description: m.Description, Authors: m.Authors, Copyright: m.Copyright, ReleaseNotes: m.ReleaseNotes,
		Listed: v.Listed, Prerelease: v.Version.IsPrerelease(),
		Install: installTools(p.Name, v.Version.String()), HomeURL: s.urls.Home(),
		Dependencies: s.dependencyGroups(m.DependencyGroups), Versions: s.versionRows(p, v),
		Owners: s.ownerLinks(p), License: s.licenseOf(lower, lv, m),
		ProjectURL: webURL(m.ProjectURL), RepositoryURL: webURL(m.RepositoryURL),
		TotalDownloads: thousands(p.TotalDownloads), VersionDownloads: thousands(v.Downloads),
		Published: day(v.Published), Tags: s.tagLinks(m.Tags),
		DownloadURL: s.urls.Nupkg(lower, lv), Size: byteSize(v.Size),
	}
	if pv.Title == "" {
		pv.Title = p.Name
	}
	if l := latestListed(p); l != nil && l != v {
		pv.LatestVersion, pv.LatestURL = l.Version.String(), s.urls.PackagePage(p.Name, l.Version.String())
	}
	if v.Provenance != nil {
		pv.Provenance = provenanceView(v.Provenance, s.urls.Provenance(lower, lv))
	}
	pv.Deprecation, pv.Vulnerabilities = s.deprecationView(v), vulnerabilityViews(p, v)
	pv.ReportURL = s.urls.ReportAbuse(p.Name, v.Version.String())
	return pv
}

// latestListed is the version a package page shows by default: the latest
// listed stable version, else the latest listed prerelease, else the
// latest of all.
func latestListed(p *registry.Package) *registry.PackageVersion {
	if v := p.Latest(registry.VersionFilter{IncludeSemVer2: true}); v != nil {
		return v
	}
	if v := p.Latest(registry.VersionFilter{IncludeSemVer2: true, IncludePrerelease: true}); v != nil {
		return v
	}
	return p.Latest(registry.VersionFilter{IncludeSemVer2: true, IncludePrerelease: true, IncludeUnlisted: true})
}

func (s *Server) versionRows(p *registry.Package, cur *registry.PackageVersion) []templates.VersionRow {
	rows := make([]templates.VersionRow, 0, len(p.Versions))
	for i := len(p.Versions) - 1; i >= 0; i-- {
		v := &p.Versions[i]
		rows = append(rows, templates.VersionRow{
			Version: v.Version.String(), URL: s.urls.PackagePage(p.Name, v.Version.String()),
			Downloads: thousands(v.Downloads), Published: day(v.Published),
			Listed: v.Listed, Prerelease: v.Version.IsPrerelease(), Current: v == cur,
		})
	}
	return rows
}

func (s *Server) dependencyGroups(groups []nuget.DependencyGroup) []templates.DependencyGroup {
	out := make([]templates.DependencyGroup, 0, len(groups))
	for _, g := range groups {
		tg := templates.DependencyGroup{Framework: g.TargetFramework, Label: g.TargetFramework}
		if g.TargetFramework == "" {
			tg.Framework, tg.Label = "any", "Any target framework"
		}
		for _, d := range g.Dependencies {
			tg.Dependencies = append(tg.Dependencies, templates.Dependency{ID: d.ID, URL: s.urls.PackagePage(d.ID, ""), Range: rangeText(d.Range)})
		}
		out = append(out, tg)
	}
	return out
}

// rangeText writes a dependency's version range for people, as nuget.org
// does: "≥ 1.0.0", "≥ 1.0.0 && < 2.0.0", "= 1.2.3".
func rangeText(r string) string {
	if r == "" {
		return "any version"
	}
	vr, err := nuget.ParseRange(r)
	if err != nil {
		return r
	}
	switch {
	case vr.Min == nil && vr.Max == nil:
		return "any version"
	case vr.Min != nil && vr.Max != nil && vr.MinInclusive && vr.MaxInclusive && vr.Min.Equal(*vr.Max):
		return "= " + vr.Min.String()
	}
	var parts []string
	if vr.Min != nil {
		parts = append(parts, bound(vr.MinInclusive, "≥ ", "> ")+vr.Min.String())
	}
	if vr.Max != nil {
		parts = append(parts, bound(vr.MaxInclusive, "≤ ", "< ")+vr.Max.String())
	}
	return strings.Join(parts, " && ")
}

func bound(inclusive bool, yes, no string) string {
	if inclusive {
		return yes
	}
	return no
}

// licenseOf shows a licence expression with each SPDX identifier linked to
// its page, else the licence file in the package, else the licence URL.
func (s *Server) licenseOf(lowerID, lowerVer string, m *registry.Metadata) templates.License {
	l := templates.License{MustAccept: m.RequireLicenseAcceptance}
	switch {
	case m.LicenseExpression != "":
		l.Expression = spdxLinks(m.LicenseExpression)
	case m.LicenseFile != "":
		l.FileURL = s.urls.License(lowerID, lowerVer)
	default:
		l.URL = webURL(m.LicenseURL)
	}
	return l
}

// spdxLinks splits an SPDX expression into licence and exception
// identifiers, linked to spdx.org, and operators, parentheses and custom
// LicenseRef- identifiers as text.
func spdxLinks(expr string) []templates.Link {
	expr = strings.NewReplacer("(", " ( ", ")", " ) ").Replace(expr)
	var out []templates.Link
	for _, w := range strings.Fields(expr) {
		switch strings.ToUpper(w) {
		case "AND", "OR", "WITH", "(", ")":
			out = append(out, templates.Link{Text: w})
			continue
		}
		id := strings.TrimSuffix(w, "+")
		if id == "" || strings.HasPrefix(id, "LicenseRef-") || strings.IndexFunc(id, func(r rune) bool {
			return !(r == '-' || r == '.' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z')
		}) >= 0 {
			out = append(out, templates.Link{Text: w})
			continue
		}
		out = append(out, templates.Link{Text: w, URL: "https://spdx.org/licenses/" + id + ".html"})
	}
	return out
}

// installTools are the ways to install one version, each with its snippet.
func installTools(id, v string) []templates.InstallTool {
	return []templates.InstallTool{
		{Name: ".NET CLI", Snippets: []templates.Snippet{{ID: "install-dotnet", Text: "dotnet add package " + id + " --version " + v}}},
		{Name: "PackageReference", Snippets: []templates.Snippet{{ID: "install-packagereference", Where: "the project file",
			Text: `<PackageReference Include="` + id + `" Version="` + v + `" />`}}},
		{Name: "Central Package Management", Snippets: []templates.Snippet{
			{ID: "install-cpm-version", Where: "Directory.Packages.props", Text: `<PackageVersion Include="` + id + `" Version="` + v + `" />`},
			{ID: "install-cpm-reference", Where: "the project file", Text: `<PackageReference Include="` + id + `" />`},
		}},
		{Name: "Paket CLI", Snippets: []templates.Snippet{{ID: "install-paket", Text: "paket add " + id + " --version " + v}}},
		{Name: "NuGet.exe", Snippets: []templates.Snippet{{ID: "install-nuget", Text: "nuget install " + id + " -Version " + v}}},
		{Name: "Script & Interactive", Snippets: []templates.Snippet{{ID: "install-script", Text: `#r "nuget: ` + id + `, ` + v + `"`}}},
	}
}

// webURL returns u when it is an absolute http(s) URL, else "": nuspec
// URLs come from package authors and must not become javascript: links.
func webURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return p.String()
}

// thousands formats n with thousands separators: 1234567 → "1,234,567".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// byteSize formats a size for people: "512 B", "4.0 KB", "1.3 MB".
func byteSize(n int64) string {
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1024*1024:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KB"
	}
	return strconv.FormatFloat(float64(n)/(1024*1024), 'f', 1, 64) + " MB"
}

// shorten cuts s to at most n runes at a word boundary, adding "…".
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return cut + "…"
}
