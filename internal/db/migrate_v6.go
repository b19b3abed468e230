package db

// schemaV6 adds ownership invitations: a user becomes an owner of a
// package only by accepting, so nobody can attribute a package to someone
// who did not agree.
const schemaV6 = `
CREATE TABLE owner_requests (
  package_id BIGINT NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
  account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  requested_by BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (package_id, account_id)
);
CREATE INDEX idx_owner_requests_account ON owner_requests (account_id)
`
