package db

// schemaV15 adds symbol packages (see docs/symbols.md): at most one
// .snupkg per version, stored under its own blob prefix, and one row per
// portable PDB in it, found by its SSQP key (lower case). Several versions
// may hold the same PDB, so keys are not unique.
const schemaV15 = `
CREATE TABLE symbol_packages (
  id {{id}},
  version_id BIGINT NOT NULL REFERENCES package_versions (id) ON DELETE CASCADE,
  blob_prefix TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha512 TEXT NOT NULL,
  pushed_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
  created_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX idx_symbol_packages_version ON symbol_packages (version_id);
CREATE TABLE symbol_files (
  id {{id}},
  symbol_package_id BIGINT NOT NULL REFERENCES symbol_packages (id) ON DELETE CASCADE,
  ssqp_key TEXT NOT NULL,
  path TEXT NOT NULL,
  blob_name TEXT NOT NULL,
  size BIGINT NOT NULL
);
CREATE INDEX idx_symbol_files_key ON symbol_files (ssqp_key);
CREATE INDEX idx_symbol_files_package ON symbol_files (symbol_package_id)
`
