package db

// schemaV19 adds staged releases (PackageStaging/1.0.0, see
// docs/lifecycle.md). A stage group belongs to one owner (a user or an
// organisation) and is named by a slug unique per owner; a staged
// package belongs to exactly one group (pushes without a group go to the
// owner's reserved "ungrouped" group) and is one ID and version, unique
// across the registry while it is staged. Staged versions are not rows of
// package_versions: nothing that reads the feed can see them until a
// promotion inserts that row, over the same blob prefix (no copy).
// approved_by is the person who approved the group when its owner
// requires two people; promote_two_people is that owner setting.
// trust_policies.staging_only limits a policy's keys to staging.
const schemaV19 = `
CREATE TABLE stage_groups (
  id {{id}},
  owner_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  slug TEXT NOT NULL,
  lower_slug TEXT NOT NULL,
  name TEXT NOT NULL,
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at {{time}} NOT NULL,
  approved_by BIGINT,
  approved_at {{time}}
);
CREATE UNIQUE INDEX idx_stage_groups_owner_slug ON stage_groups (owner_id, lower_slug);
CREATE TABLE staged_packages (
  id {{id}},
  group_id BIGINT NOT NULL REFERENCES stage_groups (id) ON DELETE CASCADE,
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
  staged_by BIGINT NOT NULL DEFAULT 0,
  key_id BIGINT NOT NULL DEFAULT 0,
  staged_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX idx_staged_packages_coords ON staged_packages (lower_id, lower_version);
CREATE INDEX idx_staged_packages_group ON staged_packages (group_id);
ALTER TABLE accounts ADD COLUMN promote_two_people BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE trust_policies ADD COLUMN staging_only BOOLEAN NOT NULL DEFAULT FALSE
`
