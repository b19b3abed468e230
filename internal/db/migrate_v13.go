package db

// schemaV13 adds what offboarding and suspension need (see
// docs/operators.md): why the sign-in rules suspended an account (empty
// when it is in use or an administrator disabled it), the e-mail address
// and groups each identity last signed in with (facts_at is NULL until
// then), so that a change of the rules can be checked against them, the
// external identities of removed users that may not sign up again, and
// indexes for the audit log's filters, each ending in id for keyset
// paging, newest first.
const schemaV13 = `
ALTER TABLE accounts ADD COLUMN suspended_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE identities ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE identities ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE identities ADD COLUMN group_names TEXT NOT NULL DEFAULT '';
ALTER TABLE identities ADD COLUMN facts_at {{time}};
CREATE TABLE blocked_identities (
  provider TEXT NOT NULL,
  subject TEXT NOT NULL,
  lower_name TEXT NOT NULL,
  created_at {{time}} NOT NULL,
  PRIMARY KEY (provider, subject)
);
CREATE INDEX idx_blocked_identities_name ON blocked_identities (lower_name);
CREATE INDEX idx_audit_events_kind ON audit_events (kind, id);
CREATE INDEX idx_audit_events_outcome ON audit_events (outcome, id);
CREATE INDEX idx_audit_events_actor ON audit_events (actor_id, id);
CREATE INDEX idx_audit_events_policy ON audit_events (policy_id, id);
CREATE INDEX idx_audit_events_subject ON audit_events (subject, id)
`
