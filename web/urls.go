package web

import (
	"net/url"
	"strconv"
	"strings"
)

// URLs builds every absolute URL Wharf emits from the configured public base
// URL, never from the request's Host, so links stay right behind a proxy.
// The server and the tests use the same builder.
type URLs struct {
	base string // no trailing slash
	feed string // base of the NuGet resources: base, or base/feeds/NAME
}

// NewURLs returns a builder for base (an absolute http(s) URL).
func NewURLs(base string) URLs {
	b := strings.TrimRight(base, "/")
	return URLs{base: b, feed: b}
}

// Feed returns the builder of one feed's NuGet resources, under
// /feeds/NAME; "" is the registry-wide union. Pages and the token
// endpoint stay where they are.
func (u URLs) Feed(name string) URLs {
	u.feed = u.base
	if name != "" {
		u.feed = u.base + "/feeds/" + esc(name)
	}
	return u
}

// Stage returns the builder of a stage group's own restore source, under
// /stages/ID: the feed as its reader sees it plus the group's staged
// versions.
func (u URLs) Stage(id int64) URLs {
	u.feed = u.base + "/stages/" + strconv.FormatInt(id, 10)
	return u
}

// Staging is the PackageStaging/1.0.0 resource (the staging API's base).
func (u URLs) Staging() string { return u.base + "/api/v2/staging/" }

// FeedIndex is a feed's service index, the source URL of one feed.
func (u URLs) FeedIndex(name string) string { return u.Feed(name).ServiceIndex() }

// Base is the public base URL without a trailing slash.
func (u URLs) Base() string { return u.base }

// ServiceIndex is the feed URL users give their clients.
func (u URLs) ServiceIndex() string { return u.feed + "/v3/index.json" }

// PackageBase is the flat container (PackageBaseAddress/3.0.0).
func (u URLs) PackageBase() string { return u.feed + "/v3/package/" }

// Versions is a package's flat-container versions list.
func (u URLs) Versions(lowerID string) string { return u.PackageBase() + esc(lowerID) + "/index.json" }

// Nupkg is the download URL of a version.
func (u URLs) Nupkg(lowerID, lowerVer string) string {
	return u.PackageBase() + esc(lowerID) + "/" + esc(lowerVer) + "/" + esc(lowerID) + "." + esc(lowerVer) + ".nupkg"
}

// Nuspec is the manifest URL of a version.
func (u URLs) Nuspec(lowerID, lowerVer string) string {
	return u.PackageBase() + esc(lowerID) + "/" + esc(lowerVer) + "/" + esc(lowerID) + ".nuspec"
}

// Readme is the embedded README of a version (ReadmeUriTemplate/6.13.0).
func (u URLs) Readme(lowerID, lowerVer string) string {
	return u.PackageBase() + esc(lowerID) + "/" + esc(lowerVer) + "/readme"
}

// Icon is the embedded icon of a version.
func (u URLs) Icon(lowerID, lowerVer string) string {
	return u.PackageBase() + esc(lowerID) + "/" + esc(lowerVer) + "/icon"
}

// License is the embedded license file of a version.
func (u URLs) License(lowerID, lowerVer string) string {
	return u.PackageBase() + esc(lowerID) + "/" + esc(lowerVer) + "/license"
}

// RegistrationBase is RegistrationsBaseUrl.
func (u URLs) RegistrationBase() string { return u.feed + "/v3/registration/" }

// RegistrationIndex is a package's registration index.
func (u URLs) RegistrationIndex(lowerID string) string {
	return u.RegistrationBase() + esc(lowerID) + "/index.json"
}

// RegistrationPage is a page of a package's registration.
func (u URLs) RegistrationPage(lowerID, lower, upper string) string {
	return u.RegistrationBase() + esc(lowerID) + "/page/" + esc(lower) + "/" + esc(upper) + ".json"
}

// RegistrationLeaf is the registration leaf of a version.
func (u URLs) RegistrationLeaf(lowerID, lowerVer string) string {
	return u.RegistrationBase() + esc(lowerID) + "/" + esc(lowerVer) + ".json"
}

// CatalogEntry is the standalone catalog entry of a version.
func (u URLs) CatalogEntry(lowerID, lowerVer string) string {
	return u.feed + "/v3/catalog/" + esc(lowerID) + "/" + esc(lowerVer) + ".json"
}

// Provenance is where a version pushed by trusted publishing was built.
func (u URLs) Provenance(lowerID, lowerVer string) string {
	return u.feed + "/v3/provenance/" + esc(lowerID) + "/" + esc(lowerVer) + ".json"
}

// Token is the trusted-publishing token exchange endpoint.
func (u URLs) Token() string { return u.base + "/api/v2/token" }

// Publish is PackagePublish/2.0.0.
func (u URLs) Publish() string { return u.feed + "/api/v2/package" }

// SymbolPublish is SymbolPackagePublish/4.9.0, where clients push .snupkg files.
func (u URLs) SymbolPublish() string { return u.feed + "/api/v2/symbolpackage" }

// SymbolServer is the SSQP symbol server: a PDB is at
// SymbolServer() + "{file}/{guid}ffffffff/{file}".
func (u URLs) SymbolServer() string { return u.feed + "/v3/symbols/" }

// Snupkg is the download URL of a version's symbol package.
func (u URLs) Snupkg(lowerID, lowerVer string) string {
	return u.feed + "/v3/symbolpackage/" + esc(lowerID) + "/" + esc(lowerVer) + "/" + esc(lowerID) + "." + esc(lowerVer) + ".snupkg"
}

// Search is SearchQueryService.
func (u URLs) Search() string { return u.feed + "/v3/search" }

// Autocomplete is SearchAutocompleteService.
func (u URLs) Autocomplete() string { return u.feed + "/v3/autocomplete" }

// PackageDetails is the web page of a version.
func (u URLs) PackageDetails(id, version string) string {
	return u.base + "/packages/" + esc(id) + "/" + esc(version)
}

func esc(s string) string { return url.PathEscape(s) }

// PackagePage is a package's page in the web UI; with a version, that
// version's page.
func (u URLs) PackagePage(id, version string) string {
	if version == "" {
		return u.base + "/packages/" + esc(id)
	}
	return u.base + "/packages/" + esc(id) + "/" + esc(version)
}

// PackageDetailsTemplate is PackageDetailsUriTemplate/5.1.0.
func (u URLs) PackageDetailsTemplate() string { return u.base + "/packages/{id}/{version}" }

// SignInCallback is where a sign-in provider sends the browser back.
func (u URLs) SignInCallback(provider string) string {
	return u.base + "/sign-in/" + esc(provider) + "/callback"
}

// LoginLink is an operator's single-use sign-in link.
func (u URLs) LoginLink(secret string) string { return u.base + "/sign-in/link/" + esc(secret) }

// VulnerabilityIndex is VulnerabilityInfo/6.7.0, the vulnerability index.
func (u URLs) VulnerabilityIndex() string { return u.feed + "/v3/vulnerabilities/index.json" }

// VulnerabilityPage is the one vulnerability data file the index lists.
func (u URLs) VulnerabilityPage() string { return u.feed + "/v3/vulnerabilities/base.json" }

// ReportAbuseTemplate is ReportAbuseUriTemplate: the client replaces
// {id} and {version} (normalized).
func (u URLs) ReportAbuseTemplate() string { return u.base + "/packages/{id}/{version}/report-abuse" }

// ReportAbuse is the report page of a version.
func (u URLs) ReportAbuse(id, version string) string {
	return u.base + "/packages/" + esc(id) + "/" + esc(version) + "/report-abuse"
}

// OwnerTemplate is OwnerDetailsUriTemplate/6.11.0: the client replaces
// {owner} with an owner's name.
func (u URLs) OwnerTemplate() string { return u.base + "/profiles/{owner}" }

// Owner is the page of a user or organisation's packages.
func (u URLs) Owner(name string) string { return u.base + "/profiles/" + esc(name) }

// Deprecations is the deprecation API of a package (PUT), as nuget.org's
// {PackagePublish}/{id}/deprecations.
func (u URLs) Deprecations(id string) string { return u.Publish() + "/" + esc(id) + "/deprecations" }
