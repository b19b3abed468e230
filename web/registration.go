package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// Registration paging. As nuget.org does it: every version inlined in the
// index below 128 versions, else pages of 64 that clients fetch. And by
// size, as a version can list up to nuget.MaxDependencies dependencies:
// the index inlines its versions only while their estimated JSON stays
// under inlineMaxBytes, and a page ends before it would pass pageMaxBytes
// (a heavier version gets a page of its own). So no registration
// document is more than a few megabytes, however packages are built.
const (
	inlineMaxVersions = 128
	pageSize          = 64
	inlineMaxBytes    = 1 << 20
	pageMaxBytes      = 4 << 20
)

// unlistedPublished is the "published" date of an unlisted version: the
// value nuget.org uses and clients test for.
const unlistedPublished = "1900-01-01T00:00:00+00:00"

// getRegistrationIndex serves a package's registration index.
func (s *Server) getRegistrationIndex(c echo.Context) error {
	p, err := s.reg.Package(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	s.markStale(c, p)
	lower, u := strings.ToLower(p.Name), s.feedURLs(c)
	d, err := s.docs.get(docKey(c, "registration/"+lower), p.Revision, p.UpdatedAt, func() (any, error) {
		return registrationIndexDoc(u, p), nil
	})
	if err != nil {
		return err
	}
	return serveDoc(c, d, 60)
}

// getRegistrationPage serves one page of a paged registration.
func (s *Server) getRegistrationPage(c echo.Context) error {
	p, err := s.reg.Package(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	s.markStale(c, p)
	lowerV, upperV := strings.ToLower(c.Param("lower")), strings.ToLower(strings.TrimSuffix(c.Param("upper"), ".json"))
	lower, u := strings.ToLower(p.Name), s.feedURLs(c)
	pages, _ := pagesOf(p.Versions)
	for _, pg := range pages {
		if pg[0].Version.Lower() != lowerV || pg[len(pg)-1].Version.Lower() != upperV {
			continue
		}
		d, err := s.docs.get(docKey(c, "page/"+lower+"/"+lowerV+"/"+upperV), p.Revision, p.UpdatedAt, func() (any, error) {
			return registrationPageDoc(u, p, pg), nil
		})
		if err != nil {
			return err
		}
		return serveDoc(c, d, 60)
	}
	return notFoundf("There is no registration page %s–%s of '%s'.", lowerV, upperV, p.Name)
}

// getRegistrationLeaf serves the registration leaf of one version.
func (s *Server) getRegistrationLeaf(c echo.Context) error {
	u := s.feedURLs(c)
	return s.serveVersionDoc(c, "leaf", func(p *registry.Package, v *registry.PackageVersion, _, _ string) (any, error) {
		return registrationLeafDoc(u, p, v), nil
	})
}

// getCatalogEntry serves the catalog entry that registration leaves link to.
func (s *Server) getCatalogEntry(c echo.Context) error {
	u := s.feedURLs(c)
	return s.serveVersionDoc(c, "catalog", func(p *registry.Package, v *registry.PackageVersion, _, _ string) (any, error) {
		return catalogEntry(u, p, v), nil
	})
}

// serveVersionDoc serves a per-version document whose URL ends in
// /{id}/{version}.json, rendered by build and cached per package revision.
func (s *Server) serveVersionDoc(c echo.Context, kind string, build func(p *registry.Package, v *registry.PackageVersion, lowerID, lowerVersion string) (any, error)) error {
	leaf := c.Param("leaf")
	if !strings.HasSuffix(strings.ToLower(leaf), ".json") {
		return notFoundf("There is nothing at %s: these documents end in .json.", c.Request().URL.Path)
	}
	p, v, err := s.reg.Version(c.Request().Context(), c.Param("id"), leaf[:len(leaf)-5])
	if err != nil {
		return err
	}
	lower, lv := strings.ToLower(p.Name), v.Version.Lower()
	d, err := s.docs.get(docKey(c, kind+"/"+lower+"/"+lv), p.Revision, p.UpdatedAt, func() (any, error) { return build(p, v, lower, lv) })
	if err != nil {
		return err
	}
	return serveDoc(c, d, 60)
}

// pagesOf splits ascending versions into registration pages, and reports
// whether the index inlines them: see inlineMaxBytes.
func pagesOf(vs []registry.PackageVersion) (pages [][]registry.PackageVersion, inline bool) {
	if len(vs) == 0 {
		return nil, true
	}
	weights := make([]int, len(vs))
	total := 0
	for i := range vs {
		weights[i] = leafWeight(&vs[i])
		total += weights[i]
	}
	if len(vs) < inlineMaxVersions && total <= inlineMaxBytes {
		return [][]registry.PackageVersion{vs}, true
	}
	start, w := 0, 0
	for i := range vs {
		if i > start && (i-start == pageSize || w+weights[i] > pageMaxBytes) {
			pages = append(pages, vs[start:i])
			start, w = i, 0
		}
		w += weights[i]
	}
	return append(pages, vs[start:]), false
}

// leafWeight is an upper estimate of the JSON bytes of a version's
// registration leaf: a fixed part for its URLs and keys, its text, and
// each dependency with its @id and registration URL.
func leafWeight(v *registry.PackageVersion) int {
	m := v.Metadata
	n := 3000 + len(m.Description) + len(m.Summary) + len(m.Title) + len(m.Authors) + len(m.ProjectURL) +
		len(m.IconURL) + len(m.LicenseURL) + len(m.LicenseExpression)
	for _, t := range m.Tags {
		n += len(t) + 3
	}
	for _, g := range m.DependencyGroups {
		n += 400 + 2*len(g.TargetFramework)
		for _, d := range g.Dependencies {
			n += 400 + 3*len(d.ID) + 2*len(g.TargetFramework) + len(d.Range)
		}
	}
	return n
}

// registrationIndexDoc renders a package's registration index. The
// handlers and the static copy (static.go) both render with these
// functions, so that the two serve the same bytes.
func registrationIndexDoc(u URLs, p *registry.Package) nuget.RegistrationIndex {
	idx := nuget.RegistrationIndex{
		ID:   u.RegistrationIndex(strings.ToLower(p.Name)),
		Type: []string{"catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"},
	}
	pages, inline := pagesOf(p.Versions)
	for _, pg := range pages {
		idx.Items = append(idx.Items, registrationPage(u, p, pg, inline))
	}
	idx.Count = len(idx.Items)
	if idx.Items == nil {
		idx.Items = []nuget.RegistrationPage{}
	}
	return idx
}

// registrationPageDoc renders a page of a paged registration (pg is one
// of pagesOf's pages) as clients fetch it from its @id.
func registrationPageDoc(u URLs, p *registry.Package, pg []registry.PackageVersion) nuget.RegistrationPage {
	lower := strings.ToLower(p.Name)
	page := registrationPage(u, p, pg, true)
	page.ID = u.RegistrationPage(lower, pg[0].Version.Lower(), pg[len(pg)-1].Version.Lower())
	page.Parent = u.RegistrationIndex(lower)
	return page
}

// registrationLeafDoc renders the registration leaf of a version.
func registrationLeafDoc(u URLs, p *registry.Package, v *registry.PackageVersion) nuget.RegistrationLeafDocument {
	lower, lv := strings.ToLower(p.Name), v.Version.Lower()
	return nuget.RegistrationLeafDocument{
		ID:             u.RegistrationLeaf(lower, lv),
		Type:           []string{"Package", "http://schema.nuget.org/catalog#Permalink"},
		CatalogEntry:   u.CatalogEntry(lower, lv),
		Listed:         v.Listed,
		PackageContent: u.Nupkg(lower, lv),
		Published:      published(v),
		Registration:   u.RegistrationIndex(lower),
	}
}

// versionsDoc renders the flat container's versions list: every
// version, listed or not, normalized, lowercase, ascending.
func versionsDoc(p *registry.Package) nuget.VersionsIndex {
	vs := make([]string, len(p.Versions))
	for i := range p.Versions {
		vs[i] = p.Versions[i].Version.Lower()
	}
	return nuget.VersionsIndex{Versions: vs}
}

// registrationPage renders a page; with inline false it carries no items
// and clients fetch it from its @id.
func registrationPage(u URLs, p *registry.Package, vs []registry.PackageVersion, inline bool) nuget.RegistrationPage {
	lower := strings.ToLower(p.Name)
	lo, hi := vs[0].Version.Lower(), vs[len(vs)-1].Version.Lower()
	page := nuget.RegistrationPage{
		ID: u.RegistrationIndex(lower) + "#page/" + lo + "/" + hi, Type: "catalog:CatalogPage",
		Count: len(vs), Lower: vs[0].Version.String(), Upper: vs[len(vs)-1].Version.String(),
	}
	if !inline {
		page.ID = u.RegistrationPage(lower, lo, hi)
		return page
	}
	page.Parent = u.RegistrationIndex(lower)
	for i := range vs {
		v := &vs[i]
		lv := v.Version.Lower()
		page.Items = append(page.Items, nuget.RegistrationLeaf{
			ID: u.RegistrationLeaf(lower, lv), Type: "Package",
			CatalogEntry:   catalogEntry(u, p, v),
			PackageContent: u.Nupkg(lower, lv),
			Registration:   u.RegistrationIndex(lower),
		})
	}
	return page
}

// catalogEntry renders a version's metadata.
func catalogEntry(u URLs, p *registry.Package, v *registry.PackageVersion) nuget.CatalogEntry {
	lower, lv := strings.ToLower(p.Name), v.Version.Lower()
	m := v.Metadata
	e := nuget.CatalogEntry{
		ID: u.CatalogEntry(lower, lv), Type: "PackageDetails",
		PackageID: p.Name, Version: v.Version.Full(), Authors: m.Authors, Description: m.Description,
		Summary: m.Summary, Title: m.Title, Tags: nonNil(m.Tags), Language: m.Language,
		ProjectURL: m.ProjectURL, IconURL: m.IconURL, LicenseURL: m.LicenseURL, LicenseExpression: m.LicenseExpression,
		RequireLicenseAcceptance: m.RequireLicenseAcceptance, MinClientVersion: m.MinClientVersion,
		Listed: v.Listed, Published: published(v), PackageContent: u.Nupkg(lower, lv),
		PackageHash: v.SHA512, PackageHashAlgorithm: "SHA512", PackageSize: v.Size,
		DependencyGroups: []nuget.DependencyGroupJSON{}, Vulnerabilities: []nuget.Vulnerability{},
	}
	// The owners' deprecation, else a mirrored version's source's; the
	// advisories whose ranges contain the version, then the source's.
	// https://learn.microsoft.com/nuget/api/registration-base-url-resource#package-deprecation
	// https://learn.microsoft.com/nuget/api/registration-base-url-resource#vulnerabilities
	e.Deprecation = registry.DeprecationOf(v)
	if vs := p.Vulnerabilities(v); len(vs) > 0 {
		e.Vulnerabilities = vs
	}
	if m.IconType != "" {
		e.IconURL = u.Icon(lower, lv)
	}
	if v.Provenance != nil {
		e.Provenance = provenanceDoc{URL: u.Provenance(lower, lv), Provenance: v.Provenance}
	}
	if m.HasReadme {
		e.ReadmeURL = u.Readme(lower, lv)
	}
	if m.LicenseFile != "" && e.LicenseURL == "" {
		e.LicenseURL = u.License(lower, lv)
	}
	for _, g := range m.DependencyGroups {
		gid := e.ID + "#dependencygroup"
		if g.TargetFramework != "" {
			gid += "/" + strings.ToLower(g.TargetFramework)
		}
		jg := nuget.DependencyGroupJSON{ID: gid, Type: "PackageDependencyGroup", TargetFramework: g.TargetFramework}
		for _, dep := range g.Dependencies {
			jg.Dependencies = append(jg.Dependencies, nuget.DependencyJSON{
				ID: gid + "/" + strings.ToLower(dep.ID), Type: "PackageDependency", PackageID: dep.ID,
				Range: dep.Range, Registration: u.RegistrationIndex(strings.ToLower(dep.ID)),
			})
		}
		e.DependencyGroups = append(e.DependencyGroups, jg)
	}
	return e
}

func published(v *registry.PackageVersion) string {
	if !v.Listed {
		return unlistedPublished
	}
	return v.Published.UTC().Format("2006-01-02T15:04:05.0000000Z07:00")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// provenanceDoc is a version's provenance with its stable URL.
type provenanceDoc struct {
	URL string `json:"@id"`
	*registry.Provenance
}

// getProvenance serves where a version was built, for versions pushed by
// trusted publishing (404 for others).
func (s *Server) getProvenance(c echo.Context) error {
	u := s.feedURLs(c)
	return s.serveVersionDoc(c, "provenance", func(p *registry.Package, v *registry.PackageVersion, lower, lv string) (any, error) {
		if v.Provenance == nil {
			return nil, notFoundf("%s %s was not published by trusted publishing, so it has no provenance.", p.Name, v.Version)
		}
		return provenanceDoc{URL: u.Provenance(lower, lv), Provenance: v.Provenance}, nil
	})
}
