package db

// schemaV23 adds the "trusted publishing only" switch, per package and
// per owner (a user or an organisation: it covers every package the
// owner owns, and new IDs its keys create), and held versions: a push
// whose provenance differs from the package's established trusted
// provenance (see registry.ProvenanceChanges) is kept here, beside the
// feed, until an owner releases it (a package_versions row over the same
// blob prefix, no copy) or rejects it. Like staged packages, held
// versions are not rows of package_versions, so nothing that reads the
// feed can see them. established is the provenance it was compared with
// (JSON), established_version the version that had it, changes the
// differences (JSON list).
const schemaV23 = `
ALTER TABLE packages ADD COLUMN require_trusted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE accounts ADD COLUMN require_trusted BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE held_versions (
  id {{id}},
  package_id BIGINT NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  feed_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  lower_id TEXT NOT NULL,
  version TEXT NOT NULL,
  lower_version TEXT NOT NULL,
  original_version TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha512 TEXT NOT NULL,
  blob_prefix TEXT NOT NULL,
  metadata TEXT NOT NULL,
  provenance TEXT NOT NULL DEFAULT '',
  established TEXT NOT NULL,
  established_version TEXT NOT NULL,
  changes TEXT NOT NULL,
  owner_id BIGINT NOT NULL,
  pushed_by BIGINT NOT NULL DEFAULT 0,
  key_id BIGINT NOT NULL DEFAULT 0,
  key_hint TEXT NOT NULL DEFAULT '',
  held_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX idx_held_versions_coords ON held_versions (lower_id, lower_version)
`
