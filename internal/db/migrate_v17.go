package db

// schemaV17 adds webhooks (docs/webhooks.md) and their durable outbox.
// A webhook belongs to an account (owner_id) or to a feed (feed_id), the
// other being 0; events is its comma-separated event kinds. secret is kept
// as given to the receiver: it must sign every delivery, so it cannot be
// a hash; the database is its trust boundary, as for the sign-in
// provider secrets in the configuration, and no page, command or log
// shows it after creation. A webhook_deliveries row is one event for one
// webhook, written in the transaction of the change it reports; a worker
// leases it (lease_owner, lease_until) before sending, so replicas never
// send it at once, and records the last attempt on it.
const schemaV17 = `
CREATE TABLE webhooks (
  id {{id}},
  owner_id BIGINT NOT NULL DEFAULT 0,
  feed_id BIGINT NOT NULL DEFAULT 0,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  created_by BIGINT NOT NULL DEFAULT 0,
  created_at {{time}} NOT NULL
);
CREATE INDEX idx_webhooks_owner ON webhooks (owner_id);
CREATE INDEX idx_webhooks_feed ON webhooks (feed_id);
CREATE TABLE webhook_deliveries (
  id {{id}},
  webhook_id BIGINT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at {{time}} NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until {{time}},
  created_at {{time}} NOT NULL,
  last_at {{time}},
  last_code INTEGER NOT NULL DEFAULT 0,
  last_response TEXT NOT NULL DEFAULT '',
  last_duration_ms BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX idx_webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX idx_webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id)
`
