package db

// schemaV16 adds deletes that are final (see docs/lifecycle.md): one
// tombstone per deleted version, keyed by the lowercased ID and the
// normalized version, which a push of the same coordinates is refused
// against, and the per-feed setting that lets package owners delete
// (administrators always may). A tombstone's revision is the feed
// revision of its delete, so replicas learn of a package that vanished
// with its last version. owner_ids are the package's owners at the
// delete (comma-separated), so that an ID whose last version was
// deleted is not free for anyone else to push.
const schemaV16 = `
CREATE TABLE version_tombstones (
  id {{id}},
  lower_id TEXT NOT NULL,
  lower_version TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  sha512 TEXT NOT NULL,
  deleted_at {{time}} NOT NULL,
  deleted_by BIGINT NOT NULL DEFAULT 0,
  deleted_by_name TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  owner_ids TEXT NOT NULL DEFAULT '',
  revision BIGINT NOT NULL
);
CREATE UNIQUE INDEX idx_version_tombstones_coords ON version_tombstones (lower_id, lower_version);
CREATE INDEX idx_version_tombstones_revision ON version_tombstones (revision);
ALTER TABLE feeds ADD COLUMN owners_may_delete BOOLEAN NOT NULL DEFAULT FALSE
`
