package db

// schemaV14 adds deprecation and security advisories (see
// docs/advisories.md).
//
// package_versions.deprecation is the version's deprecation as JSON (the
// registration's "deprecation" object), empty when it is not deprecated.
//
// advisories holds both the advisories that package owners publish
// (source 'local', scope = the lowercased package ID, so two packages'
// owners may use the same advisory ID) and those an administrator
// imports from OSV or GitHub Advisory Database exports (source 'import',
// empty scope); an advisory is keyed by (source, scope, lower_advisory_id)
// and an import replaces it only when its modified time is newer.
// advisory_packages lists the package IDs and version ranges it affects.
const schemaV14 = `
ALTER TABLE package_versions ADD COLUMN deprecation TEXT NOT NULL DEFAULT '';
CREATE TABLE advisories (
  id {{id}},
  advisory_id TEXT NOT NULL,
  lower_advisory_id TEXT NOT NULL,
  source TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL,
  severity INTEGER NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  modified {{time}} NOT NULL,
  created_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
  created_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX idx_advisories_key ON advisories (source, scope, lower_advisory_id);
CREATE TABLE advisory_packages (
  id {{id}},
  advisory_id BIGINT NOT NULL REFERENCES advisories (id) ON DELETE CASCADE,
  lower_package TEXT NOT NULL,
  versions TEXT NOT NULL
);
CREATE INDEX idx_advisory_packages_package ON advisory_packages (lower_package);
CREATE INDEX idx_advisory_packages_advisory ON advisory_packages (advisory_id)
`
