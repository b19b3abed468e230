package db

// schemaV20 records, for organisation-wide trust policies (a repository
// glob such as owner/* or owner/sdk-*, bound to the owner's ID only), the
// first use of each repository by its immutable ID: a repository deleted
// and re-created under the same name has a new ID and gets a new row.
// audit_id is the accepted exchange's audit event.
const schemaV20 = `
CREATE TABLE trust_policy_repo_uses (
  id {{id}},
  policy_id BIGINT NOT NULL REFERENCES trust_policies (id) ON DELETE CASCADE,
  repository TEXT NOT NULL,
  repository_id TEXT NOT NULL,
  first_used_at {{time}} NOT NULL,
  jti TEXT NOT NULL DEFAULT '',
  run_id TEXT NOT NULL DEFAULT '',
  audit_id BIGINT
);
CREATE UNIQUE INDEX idx_trust_policy_repo_uses ON trust_policy_repo_uses (policy_id, repository_id)
`
