package db

import (
	"unique"

	"github.com/wharf-registry/wharf/internal/registry"
)

// intern returns the process's one copy of s: metadata repeats the same
// authors, URLs, licences, tags and dependency IDs across versions and
// packages, and the cached feed keeps every version in memory.
func intern(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

// internMetadata replaces the strings of m that versions tend to share
// with their interned copies.
func internMetadata(m *registry.Metadata) {
	for _, f := range []*string{&m.Title, &m.Description, &m.Summary, &m.Authors, &m.Copyright, &m.Language, &m.ProjectURL,
		&m.IconURL, &m.LicenseURL, &m.LicenseExpression, &m.LicenseFile, &m.MinClientVersion, &m.RepositoryType,
		&m.RepositoryURL, &m.IconType} {
		*f = intern(*f)
	}
	for i := range m.Tags {
		m.Tags[i] = intern(m.Tags[i])
	}
	for i := range m.PackageTypes {
		m.PackageTypes[i] = intern(m.PackageTypes[i])
	}
	for i := range m.DependencyGroups {
		g := &m.DependencyGroups[i]
		g.TargetFramework = intern(g.TargetFramework)
		for j := range g.Dependencies {
			g.Dependencies[j].ID = intern(g.Dependencies[j].ID)
			g.Dependencies[j].Range = intern(g.Dependencies[j].Range)
		}
	}
}
