package nuget

import (
	"io"
	"strings"
)

// Length limits nuget.org enforces on nuspec fields (NuGet.Services.Entities
// Constants and the gallery's upload validation), in characters as .NET
// counts them (UTF-16 code units).
const (
	// MaxVersionLength bounds the version string, as written and normalized.
	MaxVersionLength = 64
	// MaxTitleLength bounds <title>.
	MaxTitleLength = 256
	// MaxDescriptionLength bounds <description>.
	MaxDescriptionLength = 4000
	// MaxSummaryLength bounds <summary>.
	MaxSummaryLength = 4000
	// MaxTagsLength bounds <tags> as written.
	MaxTagsLength = 4000
	// MaxAuthorsLength bounds <authors>; Wharf applies it to <owners> too.
	MaxAuthorsLength = 4000
	// MaxCopyrightLength bounds <copyright>.
	MaxCopyrightLength = 4000
	// MaxReleaseNotesLength bounds <releaseNotes>.
	MaxReleaseNotesLength = 35000
	// MaxLanguageLength bounds <language>.
	MaxLanguageLength = 20
	// MaxURLLength bounds projectUrl, iconUrl, licenseUrl and the repository URL.
	MaxURLLength = 4000
	// MaxRepositoryTypeLength bounds <repository type="...">.
	MaxRepositoryTypeLength = 100
	// MaxDependencyRangeLength bounds a dependency's version range as written.
	MaxDependencyRangeLength = 256
	// MaxDependencies bounds the dependencies of a package, all target
	// frameworks together. Each is rendered into the registration of every
	// version, so a nuspec of 24,000 made a 5 MB document per version; the
	// largest real metapackages list a few hundred.
	MaxDependencies = 2000
	// MaxDependencyGroups bounds the <group> elements of <dependencies>.
	MaxDependencyGroups = 100
	// MaxLicenseLength bounds the text of <license>.
	MaxLicenseLength = 500
	// DefaultMaxNuspecBytes is the default size limit of a nuspec file, and
	// the limit ParseManifest applies.
	DefaultMaxNuspecBytes = 1 << 20
)

// Manifest is the validated content of a package's .nuspec. Text fields are
// trimmed of surrounding whitespace; absent fields are empty.
// https://learn.microsoft.com/nuget/reference/nuspec
type Manifest struct {
	ID              string  // as written; IDs compare case-insensitively
	Version         Version // parsed from <version>
	OriginalVersion string  // <version> as written (trimmed), with any build metadata

	Title, Description, Summary, ReleaseNotes, Copyright, Language string

	Authors, Owners string // comma-separated, as written
	Tags            string // single-space-separated; commas, semicolons, '|' and runs of whitespace normalized

	ProjectURL, IconURL, LicenseURL string // absolute http(s) URLs, or ""

	License *License // <license>, nil if absent
	Icon    string   // <icon>: path of the embedded icon, with forward slashes
	Readme  string   // <readme>: path of the embedded readme, with forward slashes

	RequireLicenseAcceptance, DevelopmentDependency, Serviceable bool

	MinClientVersion string // normalized version from <metadata minClientVersion="...">, or ""

	Repository   *Repository   // <repository>, nil if absent
	PackageTypes []PackageType // empty means the package type "Dependency"

	// DependencyGroups lists the dependencies per target framework, in
	// nuspec order. A flat <dependencies><dependency/></dependencies> list
	// becomes one group with TargetFramework "". As in NuGet.Client, flat
	// dependencies are ignored when the nuspec also has <group> elements,
	// and a <group> without dependencies is kept (it means "no dependencies
	// on that framework").
	DependencyGroups []DependencyGroup
}

// License is the <license> element: Type is "expression" (Value is an SPDX
// license expression such as "MIT OR Apache-2.0") or "file" (Value is the
// path of the license file in the package, with forward slashes). Version
// is the expression syntax version as written, usually "" (meaning 1.0.0).
type License struct{ Type, Value, Version string }

// Repository is the <repository> element's attributes.
type Repository struct{ Type, URL, Branch, Commit string }

// PackageType is one <packageType>, e.g. {Name: "DotnetTool"}; Version is
// as written, usually "".
type PackageType struct{ Name, Version string }

// DependencyGroup is the dependencies of one target framework, as written
// in the nuspec (e.g. "net8.0" or ".NETStandard2.0"); TargetFramework ""
// means any framework.
type DependencyGroup struct {
	TargetFramework string       `json:"targetFramework,omitempty"`
	Dependencies    []Dependency `json:"dependencies,omitempty"`
}

// Dependency is one package dependency. Range is the normalized range
// (VersionRange.String, e.g. "[1.0.0, )"), or "" when the nuspec gives no
// version: any version. nuget.org also serves "" for such dependencies and
// the NuGet client reads a missing or empty range as "any version".
type Dependency struct {
	ID    string `json:"id"`
	Range string `json:"range,omitempty"`
}

// ParseManifest reads and validates a .nuspec document of at most
// DefaultMaxNuspecBytes. It requires <id> (a valid new package ID, see
// ValidateID), <version>, <description> and <authors>; checks the field
// lengths nuget.org enforces; requires projectUrl, iconUrl and licenseUrl to
// be absolute http(s) URLs; and parses every dependency range.
//
// Errors: *ValidationError naming the field and the fix; a nuspec over the
// size limit also matches ErrTooLarge; read errors from r are returned
// as they are.
func ParseManifest(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, DefaultMaxNuspecBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > DefaultMaxNuspecBytes {
		return nil, tooLargef("The nuspec is larger than the %s limit.", sizeText(DefaultMaxNuspecBytes))
	}
	return parseManifest(data)
}

// parseManifest validates nuspec bytes already read and size-checked.
func parseManifest(data []byte) (*Manifest, error) {
	root, err := parseXML(data)
	if err != nil {
		return nil, err
	}
	if root.name != "package" {
		return nil, invalidf("The nuspec's root element is <%s>; it must be <package>.", display(root.name))
	}
	metas := root.childrenNamed("metadata")
	switch len(metas) {
	case 0:
		return nil, invalidf("The nuspec has no <metadata> element inside <package>.")
	case 1:
	default:
		return nil, invalidf("The nuspec has more than one <metadata> element.")
	}
	return readMetadata(metas[0])
}

// textField describes a plain-text <metadata> child.
type textField struct {
	dst *string
	max int // 0: no limit
}

// readMetadata fills a Manifest from the <metadata> element.
func readMetadata(meta *element) (*Manifest, error) {
	m := &Manifest{}
	var version, requireLicense, devDependency, serviceable string
	fields := map[string]textField{
		"id": {&m.ID, 0}, "version": {&version, 0},
		"title": {&m.Title, MaxTitleLength}, "description": {&m.Description, MaxDescriptionLength},
		"summary": {&m.Summary, MaxSummaryLength}, "releaseNotes": {&m.ReleaseNotes, MaxReleaseNotesLength},
		"copyright": {&m.Copyright, MaxCopyrightLength}, "language": {&m.Language, MaxLanguageLength},
		"authors": {&m.Authors, MaxAuthorsLength}, "owners": {&m.Owners, MaxAuthorsLength},
		"tags": {&m.Tags, MaxTagsLength}, "projectUrl": {&m.ProjectURL, MaxURLLength},
		"iconUrl": {&m.IconURL, MaxURLLength}, "licenseUrl": {&m.LicenseURL, MaxURLLength},
		"icon": {&m.Icon, 0}, "readme": {&m.Readme, 0},
		"requireLicenseAcceptance": {&requireLicense, 0},
		"developmentDependency":    {&devDependency, 0}, "serviceable": {&serviceable, 0},
	}
	var license, repository, packageTypes, dependencies *element
	structured := map[string]**element{"license": &license, "repository": &repository,
		"packageTypes": &packageTypes, "dependencies": &dependencies}
	seen := map[string]bool{}
	for _, c := range meta.children {
		f, isText := fields[c.name]
		complexDst := structured[c.name]
		if !isText && complexDst == nil {
			continue // other elements (frameworkAssemblies, references, contentFiles...) are not indexed
		}
		if seen[c.name] {
			return nil, invalidf("The nuspec has more than one <%s> element; keep one.", c.name)
		}
		seen[c.name] = true
		if complexDst != nil {
			*complexDst = c
			continue
		}
		if len(c.children) > 0 {
			return nil, invalidf("The nuspec's <%s> element may contain only text, not other elements.", c.name)
		}
		*f.dst = c.value()
		if n := textLength(*f.dst); f.max > 0 && n > f.max {
			return nil, invalidf("The nuspec's <%s> has %d characters; the limit is %d. Shorten it.", c.name, n, f.max)
		}
	}
	minClient, _ := meta.attr("minClientVersion")

	if err := m.checkIdentity(version); err != nil {
		return nil, err
	}
	if err := m.checkText(); err != nil {
		return nil, err
	}
	m.RequireLicenseAcceptance = isTrue(requireLicense)
	m.DevelopmentDependency = isTrue(devDependency)
	m.Serviceable = isTrue(serviceable)
	if s := strings.TrimSpace(minClient); s != "" {
		v, err := ParseVersion(s)
		if err != nil {
			return nil, invalidf("The nuspec's minClientVersion is invalid: %s", err)
		}
		m.MinClientVersion = v.String()
	}
	var err error
	if m.License, err = readLicense(license); err != nil {
		return nil, err
	}
	if m.Repository, err = readRepository(repository); err != nil {
		return nil, err
	}
	if m.PackageTypes, err = readPackageTypes(packageTypes); err != nil {
		return nil, err
	}
	if m.DependencyGroups, err = readDependencies(dependencies); err != nil {
		return nil, err
	}
	return m, nil
}

// checkIdentity validates the ID and version and the required text fields.
func (m *Manifest) checkIdentity(version string) error {
	switch {
	case m.ID == "":
		return invalidf("The nuspec has no <id>: add the package ID to <metadata>, e.g. <id>Contoso.Utilities</id>.")
	case version == "":
		return invalidf("The nuspec has no <version>: add one to <metadata>, e.g. <version>1.0.0</version>.")
	case m.Description == "":
		return invalidf("The nuspec has no <description>: add a short description of the package to <metadata> (in a project file, set <Description>).")
	case m.Authors == "":
		return invalidf("The nuspec has no <authors>: add a comma-separated list of authors to <metadata> (in a project file, set <Authors>).")
	}
	if err := ValidateID(m.ID); err != nil {
		return err
	}
	v, err := ParseVersion(version)
	if err != nil {
		return invalidf("The nuspec's <version> is invalid: %s", err)
	}
	if n := textLength(version); n > MaxVersionLength || len(v.Full()) > MaxVersionLength {
		return invalidf("The nuspec's <version> '%s' is longer than %d characters.", display(version), MaxVersionLength)
	}
	m.Version, m.OriginalVersion = v, version
	return nil
}

// checkText validates URLs and paths and normalizes tags.
func (m *Manifest) checkText() error {
	for _, u := range []struct{ name, value string }{
		{"projectUrl", m.ProjectURL}, {"iconUrl", m.IconURL}, {"licenseUrl", m.LicenseURL},
	} {
		if err := checkWebURL(u.name, u.value); err != nil {
			return err
		}
	}
	m.Tags = normalizeTags(m.Tags)
	m.Icon = packagePath(m.Icon)
	m.Readme = packagePath(m.Readme)
	return nil
}

// isTrue reads a nuspec boolean as NuGet.Client does: "true" in any case is
// true, anything else (including "1") is false.
func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }
