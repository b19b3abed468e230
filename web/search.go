package web

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
	"github.com/wharf-registry/wharf/internal/upstream"
)

// parseSearch reads the query parameters shared by search and autocomplete.
// Bad numbers fall back to defaults, as nuget.org does.
func parseSearch(c echo.Context) registry.SearchQuery {
	// packageType is the documented parameter (SearchQueryService/3.5.0,
	// https://learn.microsoft.com/nuget/api/search-query-service-resource#request-parameters);
	// NuGet.Client's PackageSearchResourceV3 sends packageTypeFilter
	// instead. Where clients and docs disagree, the client wins: both work.
	q := registry.SearchQuery{Q: c.QueryParam("q"), Take: -1, PackageType: c.QueryParam("packageType")}
	if q.PackageType == "" {
		q.PackageType = c.QueryParam("packageTypeFilter")
	}
	if n, err := strconv.Atoi(c.QueryParam("skip")); err == nil {
		q.Skip = n
	}
	if n, err := strconv.Atoi(c.QueryParam("take")); err == nil {
		q.Take = n
	}
	q.Prerelease, _ = strconv.ParseBool(c.QueryParam("prerelease"))
	if lvl := c.QueryParam("semVerLevel"); lvl != "" {
		if v, err := nuget.ParseVersion(lvl); err == nil && v.Major >= 2 {
			q.SemVer2 = true
		}
	}
	if len(q.Q) > 1000 {
		q.Q = q.Q[:1000]
	}
	return q
}

// getSearch answers SearchQueryService: one result per package, fields from
// its newest version that the filter allows.
// https://learn.microsoft.com/nuget/api/search-query-service-resource
func (s *Server) getSearch(c echo.Context) error {
	q := parseSearch(c)
	// Answers differ by the feeds the caller reads and by the feed URL
	// they link to: both are in the key.
	u, r := s.feedURLs(c), feeds.ReaderOf(c.Request().Context())
	key := fmt.Sprintf("search\x00%s\x00%s\x00%s\x00%d\x00%d\x00%t\x00%t\x00%s", r.Key(), u.ServiceIndex(), q.Q, q.Skip, q.Take, q.Prerelease, q.SemVer2, q.PackageType)
	if s.reg.SearchesUpstream(c.Request().Context()) {
		// Upstream sources change without this registry changing: their
		// part of an answer is kept for a minute at most.
		key += fmt.Sprintf("\x00%d", time.Now().Unix()/60)
	}
	s.reg.Refresh(c.Request().Context())
	d, err := s.searches.get(key, s.reg.Generation(), time.Now(), func() (any, error) {
		res, err := s.reg.SearchAll(c.Request().Context(), q)
		if err != nil {
			return nil, err
		}
		out := nuget.SearchResponse{TotalHits: res.TotalHits, Data: make([]nuget.SearchResult, 0, len(res.Hits)+len(res.Upstream))}
		for _, h := range res.Hits {
			out.Data = append(out.Data, s.searchResult(u, h))
		}
		for _, h := range res.Upstream {
			out.Data = append(out.Data, upstreamSearchResult(u, h))
		}
		return out, nil
	})
	if err != nil {
		return err
	}
	return serveDoc(c, d, 0)
}

func (s *Server) searchResult(u URLs, h registry.SearchHit) nuget.SearchResult {
	p, v := h.Package, h.Latest
	lower := strings.ToLower(p.Name)
	m := v.Metadata
	r := nuget.SearchResult{
		ID: u.RegistrationIndex(lower), Type: "Package", Registration: u.RegistrationIndex(lower),
		PackageID: p.Name, Version: v.Version.Full(), Description: m.Description, Summary: m.Summary, Title: m.Title,
		IconURL: m.IconURL, LicenseURL: m.LicenseURL, ProjectURL: m.ProjectURL, Tags: nonNil(m.Tags),
		Authors: splitAuthors(m.Authors), Owners: []string{}, TotalDownloads: p.TotalDownloads,
		PackageTypes: []nuget.PackageTypeJSON{}, Vulnerabilities: []nuget.Vulnerability{},
	}
	if m.IconType != "" {
		r.IconURL = u.Icon(lower, v.Version.Lower())
	}
	// The latest version's, as nuget.org's search shows them.
	// https://learn.microsoft.com/nuget/api/search-query-service-resource#search-result
	r.Deprecation = registry.DeprecationOf(v)
	if vs := p.Vulnerabilities(v); len(vs) > 0 {
		r.Vulnerabilities = vs
	}
	for _, o := range p.Owners {
		r.Owners = append(r.Owners, o.Name)
	}
	for _, t := range m.PackageTypes {
		r.PackageTypes = append(r.PackageTypes, nuget.PackageTypeJSON{Name: t})
	}
	if len(r.PackageTypes) == 0 {
		r.PackageTypes = append(r.PackageTypes, nuget.PackageTypeJSON{Name: "Dependency"})
	}
	for _, hv := range h.Versions {
		r.Versions = append(r.Versions, nuget.SearchVersion{
			ID: u.RegistrationLeaf(lower, hv.Version.Lower()), Version: hv.Version.Full(), Downloads: hv.Downloads,
		})
	}
	return r
}

// getAutocomplete answers SearchAutocompleteService: package IDs for q, or
// with id= the listed versions of one package.
// https://learn.microsoft.com/nuget/api/search-autocomplete-service-resource
func (s *Server) getAutocomplete(c echo.Context) error {
	q := parseSearch(c)
	if id := c.QueryParam("id"); id != "" {
		vs, err := s.reg.AutocompleteVersions(c.Request().Context(), id, q.Prerelease, q.SemVer2)
		if err != nil {
			return err
		}
		return serveJSON(c, nuget.AutocompleteResponse{Data: vs})
	}
	total, ids, err := s.reg.AutocompleteIDs(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return serveJSON(c, nuget.AutocompleteResponse{TotalHits: &total, Data: ids})
}

func splitAuthors(a string) []string {
	out := []string{}
	for _, s := range strings.Split(a, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// upstreamSearchResult renders an upstream source's search hit with this
// registry's URLs, where the package restores from.
func upstreamSearchResult(u URLs, h upstream.SearchHit) nuget.SearchResult {
	lower := strings.ToLower(h.ID)
	authors := splitAuthors(h.Authors)
	r := nuget.SearchResult{
		ID: u.RegistrationIndex(lower), Type: "Package", Registration: u.RegistrationIndex(lower),
		PackageID: h.ID, Version: h.Version, Description: h.Description, Summary: h.Summary, Title: h.Title,
		IconURL: h.IconURL, LicenseURL: h.LicenseURL, ProjectURL: h.ProjectURL, Tags: nonNil(h.Tags),
		Authors: authors, Owners: []string{}, TotalDownloads: h.TotalDownloads, Verified: h.Verified,
		PackageTypes: []nuget.PackageTypeJSON{{Name: "Dependency"}}, Vulnerabilities: []nuget.Vulnerability{},
		Deprecation: h.Deprecation,
	}
	if len(h.Vulnerabilities) > 0 {
		r.Vulnerabilities = h.Vulnerabilities
	}
	for _, v := range h.Versions {
		lv := strings.ToLower(v.Version)
		if pv, err := nuget.ParseVersion(v.Version); err == nil {
			lv = pv.Lower()
		}
		r.Versions = append(r.Versions, nuget.SearchVersion{ID: u.RegistrationLeaf(lower, lv), Version: v.Version, Downloads: v.Downloads})
	}
	return r
}
