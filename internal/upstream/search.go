package upstream

import (
	"context"
	"net/url"
	"strconv"

	"github.com/wharf-registry/wharf/internal/nuget"
)

type searchJSON struct {
	TotalHits flexInt `json:"totalHits"`
	Data      []struct {
		ID             flexString  `json:"id"`
		Version        flexString  `json:"version"`
		Title          flexString  `json:"title"`
		Description    flexString  `json:"description"`
		Summary        flexString  `json:"summary"`
		Authors        flexStrings `json:"authors"`
		Tags           tagList     `json:"tags"`
		IconURL        flexString  `json:"iconUrl"`
		LicenseURL     flexString  `json:"licenseUrl"`
		ProjectURL     flexString  `json:"projectUrl"`
		TotalDownloads flexInt     `json:"totalDownloads"`
		Verified       flexBool    `json:"verified"`
		Versions       []struct {
			Version   flexString `json:"version"`
			Downloads flexInt    `json:"downloads"`
		} `json:"versions"`
		Deprecation *struct {
			Reasons          flexStrings `json:"reasons"`
			Message          flexString  `json:"message"`
			AlternatePackage *struct {
				ID    flexString `json:"id"`
				Range flexString `json:"range"`
			} `json:"alternatePackage"`
		} `json:"deprecation"`
		Vulnerabilities []vulnerabilityJSON `json:"vulnerabilities"`
	} `json:"data"`
}

type autocompleteJSON struct {
	TotalHits flexInt      `json:"totalHits"`
	Data      []flexString `json:"data"`
}

// queryURL adds the documented search parameters to base.
func queryURL(base string, q SearchQuery) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	params := u.Query()
	params.Set("q", q.Q)
	if q.Skip > 0 {
		params.Set("skip", strconv.Itoa(q.Skip))
	}
	if q.Take > 0 {
		params.Set("take", strconv.Itoa(q.Take))
	}
	params.Set("prerelease", strconv.FormatBool(q.Prerelease))
	if q.SemVerLevel != "" {
		params.Set("semVerLevel", q.SemVerLevel)
	}
	if q.PackageType != "" {
		params.Set("packageType", q.PackageType)
	}
	u.RawQuery = params.Encode()
	return u.String()
}

// Search asks the source's SearchQueryService. Errors: ErrUnavailable,
// ErrRefused, ErrTooLarge.
func (c *Client) Search(ctx context.Context, src Source, q SearchQuery) (*SearchResult, error) {
	res, err := c.resources(ctx, src)
	if err != nil {
		return nil, err
	}
	if err := need(src, res.search, "SearchQueryService"); err != nil {
		return nil, err
	}
	var doc searchJSON
	if err := c.getJSON(ctx, request{src: src, op: "search", what: "a search", url: queryURL(res.search, q)}, &doc); err != nil {
		return nil, err
	}
	out := &SearchResult{TotalHits: int(doc.TotalHits)}
	for _, d := range doc.Data {
		hit := SearchHit{
			ID: string(d.ID), Version: string(d.Version), Title: string(d.Title),
			Description: string(d.Description), Summary: string(d.Summary),
			Authors: d.Authors.joined(), Tags: []string(d.Tags),
			IconURL: string(d.IconURL), LicenseURL: string(d.LicenseURL), ProjectURL: string(d.ProjectURL),
			TotalDownloads: int64(d.TotalDownloads), Verified: bool(d.Verified),
			Vulnerabilities: vulnerabilities(d.Vulnerabilities),
		}
		for _, v := range d.Versions {
			hit.Versions = append(hit.Versions, SearchVersion{Version: string(v.Version), Downloads: int64(v.Downloads)})
		}
		if dep := d.Deprecation; dep != nil {
			hit.Deprecation = &nuget.Deprecation{Reasons: []string(dep.Reasons), Message: string(dep.Message)}
			if a := dep.AlternatePackage; a != nil && a.ID != "" {
				hit.Deprecation.AlternatePackage = &nuget.AlternatePackage{ID: string(a.ID), Range: string(a.Range)}
			}
		}
		if hit.ID != "" {
			out.Hits = append(out.Hits, hit)
		}
	}
	return out, nil
}

// Autocomplete asks the source's SearchAutocompleteService for IDs
// starting with q (the "q" form; not the "id" form). It returns the IDs
// and the source's totalHits. Errors: ErrUnavailable, ErrRefused, ErrTooLarge.
func (c *Client) Autocomplete(ctx context.Context, src Source, q SearchQuery) ([]string, int, error) {
	res, err := c.resources(ctx, src)
	if err != nil {
		return nil, 0, err
	}
	if err := need(src, res.autocomplete, "SearchAutocompleteService"); err != nil {
		return nil, 0, err
	}
	var doc autocompleteJSON
	if err := c.getJSON(ctx, request{src: src, op: "autocomplete", what: "an autocomplete", url: queryURL(res.autocomplete, q)}, &doc); err != nil {
		return nil, 0, err
	}
	ids := make([]string, 0, len(doc.Data))
	for _, id := range doc.Data {
		if id != "" {
			ids = append(ids, string(id))
		}
	}
	return ids, int(doc.TotalHits), nil
}
