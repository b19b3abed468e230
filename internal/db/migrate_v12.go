package db

// schemaV12 adds upstream feeds (see docs/design/upstreams.md): a feed's
// upstream source and rules, when a mirrored package was last refreshed,
// and where a mirrored version's .nupkg and catalog leaf are upstream
// (its blob_prefix stays empty until the first download stores it).
// Globs are stored one per line; durations in seconds.
const schemaV12 = `
ALTER TABLE feeds ADD COLUMN upstream_url TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN upstream_username TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN upstream_password TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN upstream_allow TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN upstream_deny TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN upstream_min_age BIGINT NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN upstream_refresh BIGINT NOT NULL DEFAULT 0;
ALTER TABLE packages ADD COLUMN upstream_checked_at {{time}};
ALTER TABLE package_versions ADD COLUMN upstream_content_url TEXT NOT NULL DEFAULT '';
ALTER TABLE package_versions ADD COLUMN upstream_catalog_url TEXT NOT NULL DEFAULT ''
`
