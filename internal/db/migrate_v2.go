package db

// schemaV2 adds what trusted publishing needs: organisation memberships,
// trust policies, the used-token record that makes each OIDC token
// single-use, the audit log, and provenance of versions pushed with a
// trusted-publishing key.
const schemaV2 = `
CREATE TABLE memberships (
  org_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX idx_memberships_user ON memberships (user_id);
CREATE TABLE trust_policies (
  id {{id}},
  name TEXT NOT NULL,
  provider TEXT NOT NULL,
  issuer TEXT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  owner_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  repo_owner TEXT NOT NULL,
  repository TEXT NOT NULL,
  repo_owner_id TEXT NOT NULL DEFAULT '',
  repository_id TEXT NOT NULL DEFAULT '',
  workflow TEXT NOT NULL DEFAULT '',
  reusable_workflow TEXT NOT NULL DEFAULT '',
  environment TEXT NOT NULL DEFAULT '',
  ref TEXT NOT NULL DEFAULT '',
  ci_config_path TEXT NOT NULL DEFAULT '',
  globs TEXT NOT NULL DEFAULT '',
  created_at {{time}} NOT NULL,
  pending_since {{time}} NOT NULL,
  bound_at {{time}}
);
CREATE INDEX idx_trust_policies_created_by ON trust_policies (created_by);
CREATE INDEX idx_trust_policies_owner ON trust_policies (owner_id);
CREATE TABLE used_tokens (
  issuer TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at {{time}} NOT NULL,
  PRIMARY KEY (issuer, jti)
);
CREATE INDEX idx_used_tokens_expires ON used_tokens (expires_at);
ALTER TABLE api_keys ADD COLUMN policy_id BIGINT REFERENCES trust_policies (id) ON DELETE SET NULL;
ALTER TABLE api_keys ADD COLUMN provenance TEXT NOT NULL DEFAULT '';
CREATE INDEX idx_api_keys_policy ON api_keys (policy_id);
CREATE INDEX idx_api_keys_expires ON api_keys (expires_at);
ALTER TABLE package_versions ADD COLUMN provenance TEXT NOT NULL DEFAULT '';
CREATE TABLE audit_events (
  id {{id}},
  at {{time}} NOT NULL,
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL,
  actor_id BIGINT,
  policy_id BIGINT,
  subject TEXT NOT NULL DEFAULT '',
  message TEXT NOT NULL DEFAULT '',
  remote_addr TEXT NOT NULL DEFAULT '',
  claims TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_audit_events_at ON audit_events (at)
`
