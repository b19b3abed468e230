package db

// schemaV18 adds retention (see docs/lifecycle.md, "Retention"): the
// rules of each feed; leases, the rows that let one replica at a time run
// retention (expires_unix is Unix seconds by the holder's clock; a row
// whose expiry has passed is free); versions pinned by an owner, which
// no rule touches; and the day of each version's last download, written
// with the download counts (no extra statement). Versions downloaded
// before this migration count as downloaded on the day it ran, so no
// rule finds them idle sooner than it would have.
const schemaV18 = `
CREATE TABLE retention_rules (
  id {{id}},
  feed_id BIGINT NOT NULL,
  glob TEXT NOT NULL DEFAULT '*',
  kind TEXT NOT NULL,
  keep_count INTEGER NOT NULL DEFAULT 0,
  older_than_days INTEGER NOT NULL DEFAULT 0,
  idle_days INTEGER NOT NULL DEFAULT 0,
  action TEXT NOT NULL,
  created_by_name TEXT NOT NULL DEFAULT '',
  created_at {{time}} NOT NULL
);
CREATE INDEX idx_retention_rules_feed ON retention_rules (feed_id);
CREATE TABLE leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL DEFAULT '',
  expires_unix BIGINT NOT NULL DEFAULT 0
);
INSERT INTO leases (name, holder, expires_unix) VALUES ('retention-run', '', 0);
INSERT INTO leases (name, holder, expires_unix) VALUES ('retention-schedule', '', 0);
ALTER TABLE package_versions ADD COLUMN pinned_by TEXT NOT NULL DEFAULT '';
ALTER TABLE package_versions ADD COLUMN pinned_at {{time}};
ALTER TABLE package_versions ADD COLUMN last_download_at {{time}};
UPDATE package_versions SET last_download_at = CURRENT_TIMESTAMP WHERE downloads > 0
`
