package db

// schemaV8 adds feeds and their grants, and key scopes. The registry that
// existed becomes the public feed "default", holding every package; every
// existing key keeps exactly what it could do (push) and gains no read
// rights; every user may still create new package IDs in "default" (a
// publisher grant to every signed-in user, which an operator may revoke). A grant's subject_id is 0 for the "signed-in" subject, so that
// (feed, kind, subject) is a plain primary key that a registry move can
// upsert on; accounts are never deleted, so it needs no foreign key.
const schemaV8 = `
CREATE TABLE feeds (
  id {{id}},
  name TEXT NOT NULL,
  lower_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  private BOOLEAN NOT NULL DEFAULT FALSE,
  created_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX idx_feeds_lower_name ON feeds (lower_name);
INSERT INTO feeds (name, lower_name, description, private, created_at) VALUES ('default', 'default', '', FALSE, CURRENT_TIMESTAMP);
CREATE TABLE feed_grants (
  feed_id BIGINT NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
  subject_kind TEXT NOT NULL,
  subject_id BIGINT NOT NULL,
  role TEXT NOT NULL,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (feed_id, subject_kind, subject_id)
);
INSERT INTO feed_grants (feed_id, subject_kind, subject_id, role, created_at) SELECT id, 'signed-in', 0, 'publisher', CURRENT_TIMESTAMP FROM feeds WHERE lower_name = 'default';
ALTER TABLE packages ADD COLUMN feed_id BIGINT NOT NULL DEFAULT 0;
UPDATE packages SET feed_id = (SELECT id FROM feeds WHERE lower_name = 'default');
CREATE INDEX idx_packages_feed ON packages (feed_id);
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'push';
UPDATE api_keys SET scopes = 'read,push' WHERE policy_id IS NOT NULL
`
