package nuget

// Wire types of the NuGet V3 server API, as the real clients read them.
// Field names and shapes follow what NuGet.Client deserialises; where the
// documentation and the client differ, these follow the client.

// ServiceIndex is the document at /v3/index.json.
// https://learn.microsoft.com/nuget/api/service-index
type ServiceIndex struct {
	Version   string     `json:"version"`
	Resources []Resource `json:"resources"`
}

// Resource is one entry of the service index. Clients match Type exactly.
type Resource struct {
	ID      string `json:"@id"`
	Type    string `json:"@type"`
	Comment string `json:"comment,omitempty"`
}

// VersionsIndex lists every version of a package in the flat container.
// https://learn.microsoft.com/nuget/api/package-base-address-resource#enumerate-package-versions
type VersionsIndex struct {
	Versions []string `json:"versions"`
}

// RegistrationIndex is a package's registration index.
// https://learn.microsoft.com/nuget/api/registration-base-url-resource#registration-index
type RegistrationIndex struct {
	ID    string             `json:"@id"`
	Type  []string           `json:"@type,omitempty"`
	Count int                `json:"count"`
	Items []RegistrationPage `json:"items"`
}

// RegistrationPage is a page of registration leaves; Items is omitted when
// the page must be fetched from its ID.
// https://learn.microsoft.com/nuget/api/registration-base-url-resource#registration-page-object
type RegistrationPage struct {
	ID     string             `json:"@id"`
	Type   string             `json:"@type,omitempty"`
	Count  int                `json:"count"`
	Items  []RegistrationLeaf `json:"items,omitempty"`
	Lower  string             `json:"lower"`
	Upper  string             `json:"upper"`
	Parent string             `json:"parent,omitempty"`
}

// RegistrationLeaf is one version inside a registration page.
// https://learn.microsoft.com/nuget/api/registration-base-url-resource#registration-leaf-object-in-a-page
type RegistrationLeaf struct {
	ID             string       `json:"@id"`
	Type           string       `json:"@type"`
	CatalogEntry   CatalogEntry `json:"catalogEntry"`
	PackageContent string       `json:"packageContent"`
	Registration   string       `json:"registration"`
}

// RegistrationLeafDocument is the standalone registration leaf of a version.
// https://learn.microsoft.com/nuget/api/registration-base-url-resource#registration-leaf
type RegistrationLeafDocument struct {
	ID             string   `json:"@id"`
	Type           []string `json:"@type"`
	CatalogEntry   string   `json:"catalogEntry"`
	Listed         bool     `json:"listed"`
	PackageContent string   `json:"packageContent"`
	Published      string   `json:"published"`
	Registration   string   `json:"registration"`
}

// CatalogEntry is a version's metadata inside a registration leaf. Extra
// fields beyond the documented ones are ignored by clients.
// https://learn.microsoft.com/nuget/api/registration-base-url-resource#catalog-entry
type CatalogEntry struct {
	ID                       string                `json:"@id"`
	Type                     string                `json:"@type"`
	PackageID                string                `json:"id"`
	Version                  string                `json:"version"`
	Authors                  string                `json:"authors"`
	Description              string                `json:"description"`
	Summary                  string                `json:"summary"`
	Title                    string                `json:"title"`
	Tags                     []string              `json:"tags"`
	Language                 string                `json:"language,omitempty"`
	ProjectURL               string                `json:"projectUrl"`
	IconURL                  string                `json:"iconUrl"`
	LicenseURL               string                `json:"licenseUrl"`
	LicenseExpression        string                `json:"licenseExpression"`
	ReadmeURL                string                `json:"readmeUrl,omitempty"`
	RequireLicenseAcceptance bool                  `json:"requireLicenseAcceptance"`
	MinClientVersion         string                `json:"minClientVersion,omitempty"`
	Listed                   bool                  `json:"listed"`
	Published                string                `json:"published"`
	PackageContent           string                `json:"packageContent"`
	PackageHash              string                `json:"packageHash,omitempty"`
	PackageHashAlgorithm     string                `json:"packageHashAlgorithm,omitempty"`
	PackageSize              int64                 `json:"packageSize,omitempty"`
	DependencyGroups         []DependencyGroupJSON `json:"dependencyGroups"`
	Deprecation              *Deprecation          `json:"deprecation,omitempty"`
	Vulnerabilities          []Vulnerability       `json:"vulnerabilities"`
	Provenance               any                   `json:"provenance,omitempty"`
}

// DependencyGroupJSON is a dependency group in a catalog entry; no
// TargetFramework means every framework.
type DependencyGroupJSON struct {
	ID              string           `json:"@id,omitempty"`
	Type            string           `json:"@type,omitempty"`
	TargetFramework string           `json:"targetFramework,omitempty"`
	Dependencies    []DependencyJSON `json:"dependencies,omitempty"`
}

// DependencyJSON is one dependency in a catalog entry.
type DependencyJSON struct {
	ID           string `json:"@id,omitempty"`
	Type         string `json:"@type,omitempty"`
	PackageID    string `json:"id"`
	Range        string `json:"range,omitempty"`
	Registration string `json:"registration,omitempty"`
}

// Deprecation marks a version deprecated.
// https://learn.microsoft.com/nuget/api/registration-base-url-resource#package-deprecation
type Deprecation struct {
	Reasons          []string          `json:"reasons"`
	Message          string            `json:"message,omitempty"`
	AlternatePackage *AlternatePackage `json:"alternatePackage,omitempty"`
}

// AlternatePackage is the package to use instead of a deprecated one.
type AlternatePackage struct {
	ID    string `json:"id"`
	Range string `json:"range"`
}

// Vulnerability is a known advisory; Severity is a string here, "0".."3".
type Vulnerability struct {
	AdvisoryURL string `json:"advisoryUrl"`
	Severity    string `json:"severity"`
}

// SearchResponse is the search resource's answer.
// https://learn.microsoft.com/nuget/api/search-query-service-resource#response
type SearchResponse struct {
	TotalHits int            `json:"totalHits"`
	Data      []SearchResult `json:"data"`
}

// SearchResult is one package in a search response.
type SearchResult struct {
	ID              string            `json:"@id"`
	Type            string            `json:"@type"`
	Registration    string            `json:"registration"`
	PackageID       string            `json:"id"`
	Version         string            `json:"version"`
	Description     string            `json:"description"`
	Summary         string            `json:"summary"`
	Title           string            `json:"title"`
	IconURL         string            `json:"iconUrl"`
	LicenseURL      string            `json:"licenseUrl"`
	ProjectURL      string            `json:"projectUrl"`
	Tags            []string          `json:"tags"`
	Authors         []string          `json:"authors"`
	Owners          []string          `json:"owners"`
	TotalDownloads  int64             `json:"totalDownloads"`
	Verified        bool              `json:"verified"`
	PackageTypes    []PackageTypeJSON `json:"packageTypes"`
	Versions        []SearchVersion   `json:"versions"`
	Vulnerabilities []Vulnerability   `json:"vulnerabilities"`
	Deprecation     *Deprecation      `json:"deprecation,omitempty"`
}

// PackageTypeJSON names a package type in search results.
type PackageTypeJSON struct {
	Name string `json:"name"`
}

// SearchVersion is one version of a search result.
type SearchVersion struct {
	ID        string `json:"@id"`
	Version   string `json:"version"`
	Downloads int64  `json:"downloads"`
}

// AutocompleteResponse is the autocomplete resource's answer: package IDs
// for a query, or the versions of one ID.
// https://learn.microsoft.com/nuget/api/search-autocomplete-service-resource
type AutocompleteResponse struct {
	TotalHits *int     `json:"totalHits,omitempty"`
	Data      []string `json:"data"`
}

// VulnerabilityIndexEntry is one page of the vulnerability index, a JSON
// array of 1 to 16 of these; @name is the client's cache key (1–32 of
// A–Z, a–z, 0–9, '-', '_') and @id an absolute URL.
// https://learn.microsoft.com/nuget/api/vulnerability-info#vulnerability-index
type VulnerabilityIndexEntry struct {
	Name    string `json:"@name"`
	ID      string `json:"@id"`
	Updated string `json:"@updated"`
	Comment string `json:"comment,omitempty"`
}

// VulnerabilityPage is a vulnerability data file: lowercased package IDs
// to the advisories that affect them.
// https://learn.microsoft.com/nuget/api/vulnerability-info#vulnerability-data
type VulnerabilityPage map[string][]VulnerabilityRecord

// VulnerabilityRecord is one advisory of one package in a vulnerability
// data file. Severity is a number here (0 low … 3 critical), unlike the
// registration's string.
type VulnerabilityRecord struct {
	Severity int    `json:"severity"`
	URL      string `json:"url"`
	Versions string `json:"versions"`
}
