package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// Bounds on one package's registration.
const (
	maxPages    = 200
	maxVersions = 20000
)

type registrationJSON struct {
	Items []registrationPageJSON `json:"items"`
}

type registrationPageJSON struct {
	ID    string     `json:"@id"`
	Items []leafJSON `json:"items"` // nil when the page is not inlined
}

type leafJSON struct {
	CatalogEntry   json.RawMessage `json:"catalogEntry"`
	PackageContent string          `json:"packageContent"`
}

// catalogEntryJSON is a catalogEntry read leniently: nuget.org and other
// servers differ in the shapes of several fields.
type catalogEntryJSON struct {
	AtID                     string      `json:"@id"`
	ID                       string      `json:"id"`
	Version                  string      `json:"version"`
	Listed                   *flexBool   `json:"listed"`
	Published                flexString  `json:"published"`
	Title                    flexString  `json:"title"`
	Description              flexString  `json:"description"`
	Summary                  flexString  `json:"summary"`
	Authors                  flexStrings `json:"authors"`
	Tags                     tagList     `json:"tags"`
	Language                 flexString  `json:"language"`
	ProjectURL               flexString  `json:"projectUrl"`
	IconURL                  flexString  `json:"iconUrl"`
	LicenseURL               flexString  `json:"licenseUrl"`
	LicenseExpression        flexString  `json:"licenseExpression"`
	RequireLicenseAcceptance flexBool    `json:"requireLicenseAcceptance"`
	MinClientVersion         flexString  `json:"minClientVersion"`
	PackageContent           flexString  `json:"packageContent"`
	DependencyGroups         []struct {
		TargetFramework flexString `json:"targetFramework"`
		Dependencies    []struct {
			ID    flexString `json:"id"`
			Range flexString `json:"range"`
		} `json:"dependencies"`
	} `json:"dependencyGroups"`
	Deprecation *struct {
		Reasons          flexStrings `json:"reasons"`
		Message          flexString  `json:"message"`
		AlternatePackage *struct {
			ID    flexString `json:"id"`
			Range flexString `json:"range"`
		} `json:"alternatePackage"`
	} `json:"deprecation"`
	Vulnerabilities []vulnerabilityJSON `json:"vulnerabilities"`
}

type vulnerabilityJSON struct {
	AdvisoryURL flexString `json:"advisoryUrl"`
	Severity    flexString `json:"severity"`
}

// Package reads everything the source's registration says about id.
// Errors: ErrNotFound, ErrUnavailable, ErrRefused, ErrTooLarge.
func (c *Client) Package(ctx context.Context, src Source, id string) (*Package, error) {
	res, err := c.resources(ctx, src)
	if err != nil {
		return nil, err
	}
	if err := need(src, res.registrations, "RegistrationsBaseUrl"); err != nil {
		return nil, err
	}
	lower := strings.ToLower(id)
	indexURL := res.registrations + url.PathEscape(lower) + "/index.json"
	var reg registrationJSON
	err = c.getJSON(ctx, request{src: src, op: "registration", what: "the registration of " + id,
		url: indexURL, notFound: ErrNotFound}, &reg)
	if err != nil {
		return nil, err
	}
	if len(reg.Items) > maxPages {
		return nil, failf(ErrTooLarge, "the registration of %s at %s has %d pages; Wharf reads at most %d.", id, hostOf(indexURL), len(reg.Items), maxPages)
	}
	var leaves []leafJSON
	for i, page := range reg.Items {
		items := page.Items
		if items == nil {
			var p registrationPageJSON
			pageURL := resolve(indexURL, page.ID)
			err := c.getJSON(ctx, request{src: src, op: "registration",
				what: fmt.Sprintf("page %d of the registration of %s", i+1, id), url: pageURL}, &p)
			if err != nil {
				return nil, err
			}
			items = p.Items
		}
		leaves = append(leaves, items...)
		if len(leaves) > maxVersions {
			return nil, failf(ErrTooLarge, "the registration of %s at %s has more than %d versions; Wharf reads at most %d.", id, hostOf(indexURL), maxVersions, maxVersions)
		}
	}
	pkg := &Package{ID: id}
	for _, leaf := range leaves {
		if v, ok := toVersion(leaf, indexURL, res.packageBase, lower); ok {
			pkg.Versions = append(pkg.Versions, v)
		}
	}
	pkg.Versions = sortDedupe(pkg.Versions)
	if n := len(pkg.Versions); n > 0 {
		var newest catalogEntryJSON
		if json.Unmarshal(pkg.Versions[n-1].Entry, &newest) == nil && newest.ID != "" {
			pkg.ID = newest.ID
		}
	}
	return pkg, nil
}

// toVersion maps one registration leaf; ok is false for entries that are
// not objects or whose version does not parse.
func toVersion(leaf leafJSON, base, packageBase, lowerID string) (Version, bool) {
	var e catalogEntryJSON
	if len(leaf.CatalogEntry) == 0 || leaf.CatalogEntry[0] != '{' || json.Unmarshal(leaf.CatalogEntry, &e) != nil {
		return Version{}, false
	}
	parsed, err := nuget.ParseVersion(e.Version)
	if err != nil {
		return Version{}, false
	}
	v := Version{
		Version:                  parsed.Full(),
		Parsed:                   parsed,
		Listed:                   e.Listed == nil || bool(*e.Listed),
		Published:                parseTime(string(e.Published)),
		Title:                    string(e.Title),
		Description:              string(e.Description),
		Summary:                  string(e.Summary),
		Authors:                  e.Authors.joined(),
		Tags:                     []string(e.Tags),
		Language:                 string(e.Language),
		ProjectURL:               string(e.ProjectURL),
		IconURL:                  string(e.IconURL),
		LicenseURL:               string(e.LicenseURL),
		LicenseExpression:        string(e.LicenseExpression),
		RequireLicenseAcceptance: bool(e.RequireLicenseAcceptance),
		MinClientVersion:         string(e.MinClientVersion),
		CatalogURL:               resolve(base, e.AtID),
		Entry:                    append(json.RawMessage(nil), leaf.CatalogEntry...),
	}
	for _, g := range e.DependencyGroups {
		group := nuget.DependencyGroup{TargetFramework: string(g.TargetFramework)}
		for _, d := range g.Dependencies {
			if d.ID == "" {
				continue
			}
			group.Dependencies = append(group.Dependencies, nuget.Dependency{ID: string(d.ID), Range: string(d.Range)})
		}
		v.DependencyGroups = append(v.DependencyGroups, group)
	}
	if d := e.Deprecation; d != nil {
		v.Deprecation = &nuget.Deprecation{Reasons: []string(d.Reasons), Message: string(d.Message)}
		if a := d.AlternatePackage; a != nil && a.ID != "" {
			v.Deprecation.AlternatePackage = &nuget.AlternatePackage{ID: string(a.ID), Range: string(a.Range)}
		}
	}
	v.Vulnerabilities = vulnerabilities(e.Vulnerabilities)
	switch {
	case leaf.PackageContent != "":
		v.ContentURL = resolve(base, leaf.PackageContent)
	case e.PackageContent != "":
		v.ContentURL = resolve(base, string(e.PackageContent))
	case packageBase != "":
		lv := parsed.Lower()
		v.ContentURL = packageBase + url.PathEscape(lowerID) + "/" + url.PathEscape(lv) + "/" +
			url.PathEscape(lowerID+"."+lv) + ".nupkg"
	}
	return v, true
}

func vulnerabilities(in []vulnerabilityJSON) []nuget.Vulnerability {
	var out []nuget.Vulnerability
	for _, x := range in {
		out = append(out, nuget.Vulnerability{AdvisoryURL: string(x.AdvisoryURL), Severity: string(x.Severity)})
	}
	return out
}

// sortDedupe sorts ascending and keeps the first of equal versions.
func sortDedupe(vs []Version) []Version {
	sortVersions(vs)
	out := vs[:0]
	for i, v := range vs {
		if i > 0 && v.Parsed.Equal(out[len(out)-1].Parsed) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// parseTime reads the timestamp forms registrations use; zero if none fits.
func parseTime(s string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}
