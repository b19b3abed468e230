package db

// schemaV22 records, on a refused token exchange, the trust policy that
// came closest to matching (closest_policy_id, so its owners can find the
// event) and, as JSON, the checks it failed (closest): claim, wanted and
// actual values, never the token.
const schemaV22 = `
ALTER TABLE audit_events ADD COLUMN closest_policy_id BIGINT;
ALTER TABLE audit_events ADD COLUMN closest TEXT NOT NULL DEFAULT '';
CREATE INDEX idx_audit_events_closest ON audit_events (closest_policy_id, id)
`
