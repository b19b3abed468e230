// Package upstreamtest serves a static NuGet v3 feed shaped like
// nuget.org's, from the real nginx, for tests of upstream feeds (no test
// may reach the internet). The documents follow the documented shapes:
//
//   - service index: https://learn.microsoft.com/nuget/api/service-index
//   - flat container: https://learn.microsoft.com/nuget/api/package-base-address-resource
//   - registration, served gzip-encoded as nuget.org's registration5-gz-semver2 is:
//     https://learn.microsoft.com/nuget/api/registration-base-url-resource
//   - catalog leaves with packageHash: https://learn.microsoft.com/nuget/api/catalog-resource#catalog-leaf
//   - search and autocomplete (one fixed answer whatever the query):
//     https://learn.microsoft.com/nuget/api/search-query-service-resource,
//     https://learn.microsoft.com/nuget/api/search-autocomplete-service-resource
//
// Packages may be what nuget.org no longer accepts (a Unicode ID, a
// dependency without a version, a legacy nuspec), and a version's catalog
// may publish a hash its .nupkg does not have.
package upstreamtest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// Dep is a dependency; Range "" means no version at all.
type Dep struct{ ID, Range string }

// Version is one version of a package in the feed.
type Version struct {
	Version         string
	Unlisted        bool
	Published       time.Time // zero: 2024-01-01
	Deps            []Dep
	Deprecation     *nuget.Deprecation
	Vulnerabilities []nuget.Vulnerability
	WrongHash       bool // the catalog publishes a hash the .nupkg does not have
}

// Package is a package ID and its versions, ascending.
type Package struct {
	ID       string
	Versions []Version
	Legacy   bool // an old nuspec (2011/08 schema, no license, no description rules)
}

// Nupkg builds the .nupkg of one version: the same bytes every time.
func Nupkg(p Package, v Version) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name, body string) {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		w.Write([]byte(body))
	}
	ns := "http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"
	license := "<license type=\"expression\">MIT</license>"
	if p.Legacy {
		ns, license = "http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd", ""
	}
	var deps strings.Builder
	if len(v.Deps) > 0 {
		deps.WriteString("<dependencies>")
		for _, d := range v.Deps {
			if d.Range == "" {
				fmt.Fprintf(&deps, `<dependency id="%s" />`, d.ID)
			} else {
				fmt.Fprintf(&deps, `<dependency id="%s" version="%s" />`, d.ID, d.Range)
			}
		}
		deps.WriteString("</dependencies>")
	}
	add(p.ID+".nuspec", fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="%s"><metadata><id>%s</id><version>%s</version><authors>Upstream Authors</authors><description>%s from the upstream fixture.</description>%s%s</metadata></package>`,
		ns, p.ID, v.Version, p.ID, license, deps.String()))
	add("lib/net45/_._", "")
	add("[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /></Types>`)
	add("_rels/.rels", `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships" />`)
	zw.Close()
	return buf.Bytes()
}

// SHA512 is the base64 SHA-512 of b, as catalogs publish packageHash.
func SHA512(b []byte) string {
	h := sha512.Sum512(b)
	return base64.StdEncoding.EncodeToString(h[:])
}

// Write writes the feed's documents for base (the URL the feed is served
// at, no trailing slash) under root.
func Write(root, base string, pkgs []Package) error {
	w := writer{root: root}
	w.json("v3/index.json", map[string]any{"version": "3.0.0", "resources": []any{
		map[string]any{"@id": base + "/v3-flatcontainer/", "@type": "PackageBaseAddress/3.0.0"},
		map[string]any{"@id": base + "/v3/registration5-gz-semver2/", "@type": "RegistrationsBaseUrl/3.6.0"},
		map[string]any{"@id": base + "/query", "@type": "SearchQueryService/3.5.0"},
		map[string]any{"@id": base + "/autocomplete", "@type": "SearchAutocompleteService/3.5.0"},
	}})
	var hits []any
	var ids []string
	for _, p := range pkgs {
		lower := strings.ToLower(p.ID)
		regBase := base + "/v3/registration5-gz-semver2/" + lower + "/"
		var versions, leaves []any
		var searchVersions []any
		for _, v := range p.Versions {
			lv := strings.ToLower(v.Version)
			nupkg := Nupkg(p, v)
			w.file("v3-flatcontainer/"+lower+"/"+lv+"/"+lower+"."+lv+".nupkg", nupkg)
			hash := SHA512(nupkg)
			if v.WrongHash {
				hash = SHA512(append(nupkg, 0))
			}
			published := v.Published
			if published.IsZero() {
				published = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
			}
			if v.Unlisted {
				published = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
			}
			catalog := base + "/v3/catalog0/data/2024.01.01.00.00.00/" + lower + "." + lv + ".json"
			w.json("v3/catalog0/data/2024.01.01.00.00.00/"+lower+"."+lv+".json", map[string]any{
				"@id": catalog, "@type": []string{"PackageDetails", "catalog:Permalink"}, "id": p.ID, "version": v.Version,
				"packageHash": hash, "packageHashAlgorithm": "SHA512", "packageSize": len(nupkg), "published": published.Format(time.RFC3339)})
			var groups []any
			if len(v.Deps) > 0 {
				var deps []any
				for _, d := range v.Deps {
					dep := map[string]any{"@id": catalog + "#dependencygroup/" + strings.ToLower(d.ID), "@type": "PackageDependency", "id": d.ID,
						"registration": base + "/v3/registration5-gz-semver2/" + strings.ToLower(d.ID) + "/index.json"}
					if d.Range != "" {
						dep["range"] = d.Range
					}
					deps = append(deps, dep)
				}
				groups = append(groups, map[string]any{"@id": catalog + "#dependencygroup", "@type": "PackageDependencyGroup", "dependencies": deps})
			}
			entry := map[string]any{
				"@id": catalog, "@type": "PackageDetails", "authors": "Upstream Authors", "description": p.ID + " from the upstream fixture.",
				"id": p.ID, "version": v.Version, "listed": !v.Unlisted, "published": published.Format("2006-01-02T15:04:05.000-07:00"),
				"packageContent": base + "/v3-flatcontainer/" + lower + "/" + lv + "/" + lower + "." + lv + ".nupkg",
				"tags":           []string{"fixture"}, "dependencyGroups": groups,
			}
			if v.Deprecation != nil {
				entry["deprecation"] = v.Deprecation
			}
			if len(v.Vulnerabilities) > 0 {
				entry["vulnerabilities"] = v.Vulnerabilities
			}
			leaf := map[string]any{"@id": regBase + lv + ".json", "@type": "Package", "catalogEntry": entry,
				"packageContent": entry["packageContent"], "registration": regBase + "index.json"}
			leaves = append(leaves, leaf)
			versions = append(versions, lv)
			searchVersions = append(searchVersions, map[string]any{"version": v.Version, "downloads": 10, "@id": regBase + lv + ".json"})
			w.gz("v3/registration5-gz-semver2/"+lower+"/"+lv+".json", map[string]any{"@id": regBase + lv + ".json",
				"@type": []string{"Package", "http://schema.nuget.org/catalog#Permalink"}, "catalogEntry": catalog, "listed": !v.Unlisted,
				"packageContent": entry["packageContent"], "published": entry["published"], "registration": regBase + "index.json"})
		}
		w.json("v3-flatcontainer/"+lower+"/index.json", map[string]any{"versions": versions})
		first, last := p.Versions[0].Version, p.Versions[len(p.Versions)-1].Version
		w.gz("v3/registration5-gz-semver2/"+lower+"/index.json", map[string]any{
			"@id": regBase + "index.json", "@type": []string{"catalog:CatalogRoot", "PackageRegistration", "catalog:Permalink"}, "count": 1,
			"items": []any{map[string]any{"@id": regBase + "index.json#page/" + first + "/" + last, "@type": "catalog:CatalogPage",
				"count": len(leaves), "items": leaves, "lower": first, "upper": last, "parent": regBase + "index.json"}},
		})
		hits = append(hits, map[string]any{"@id": regBase + "index.json", "@type": "Package", "registration": regBase + "index.json",
			"id": p.ID, "version": last, "description": p.ID + " from the upstream fixture.", "authors": []string{"Upstream Authors"},
			"totalDownloads": 10 * len(p.Versions), "verified": false, "versions": searchVersions, "packageTypes": []any{map[string]any{"name": "Dependency"}}})
		ids = append(ids, p.ID)
	}
	w.json("query.json", map[string]any{"totalHits": len(hits), "data": hits})
	w.json("autocomplete.json", map[string]any{"totalHits": len(ids), "data": ids})
	return w.err
}

type writer struct {
	root string
	err  error
}

func (w *writer) file(rel string, b []byte) {
	if w.err != nil {
		return
	}
	p := filepath.Join(w.root, filepath.FromSlash(rel))
	if w.err = os.MkdirAll(filepath.Dir(p), 0o755); w.err == nil {
		w.err = os.WriteFile(p, b, 0o644)
	}
}

func (w *writer) json(rel string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		w.err = err
		return
	}
	w.file(rel, b)
}

// gz writes only the gzip form: nginx's gzip_static always serves it with
// Content-Encoding: gzip, as nuget.org serves its registration.
func (w *writer) gz(rel string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		w.err = err
		return
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	w.file(rel+".gz", buf.Bytes())
}
