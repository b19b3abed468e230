package db

// schemaV4 adds what the web UI needs: identities that link an account to
// the sign-in providers it used, browser sessions (only the hash of the
// session secret is stored, so a copy of the database signs nobody in) and
// single-use sign-in links for operators.
const schemaV4 = `
CREATE TABLE identities (
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX idx_identities_account ON identities (account_id);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  admin_as TEXT NOT NULL DEFAULT '',
  created_at {{time}} NOT NULL,
  expires_at {{time}} NOT NULL
);
CREATE INDEX idx_sessions_account ON sessions (account_id);
CREATE INDEX idx_sessions_expires ON sessions (expires_at);
CREATE TABLE login_links (
  token_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at {{time}} NOT NULL,
  expires_at {{time}} NOT NULL
);
CREATE INDEX idx_login_links_expires ON login_links (expires_at)
`
