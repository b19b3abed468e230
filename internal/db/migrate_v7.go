package db

// schemaV7 adds invitations to join an organisation: a user becomes a
// member (or admin) only by accepting, so nobody can plant a package on a
// person through an organisation they never agreed to join. requested_by
// is the admin who invited, or NULL for the operator's command line.
const schemaV7 = `
CREATE TABLE org_invitations (
  org_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  requested_by BIGINT REFERENCES accounts (id) ON DELETE CASCADE,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX idx_org_invitations_user ON org_invitations (user_id)
`
