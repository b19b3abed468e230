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
)

// parseSearch reads the query parameters shared by search and autocomplete.
// Bad numbers fall back to defaults, as nuget.org does.
func parseSearch(c echo.Context) registry.SearchQuery {
	q := registry.SearchQuery{Q: c.QueryParam("q"), Take: -1, PackageType: c.QueryParam("packageType")}
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
	s.reg.Refresh(c.Request().Context())
	d, err := s.searches.get(key, s.reg.Generation(), time.Now(), func() (any, error) {
		res, err := s.reg.Search(c.Request().Context(), q)
		if err != nil {
			return nil, err
		}
		out := nuget.SearchResponse{TotalHits: res.TotalHits, Data: make([]nuget.SearchResult, 0, len(res.Hits))}
		for _, h := range res.Hits {
			out.Data = append(out.Data, s.searchResult(u, h))
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
