package db

// schemaV5 adds what several replicas share: fixed-window counters for
// rate limits (counted in the database so that the limit holds however
// many replicas answer), and a small key-value table for facts about the
// database itself (its instance ID, where it was migrated from). Version 4
// belongs to the web UI's sessions.
const schemaV5 = `
CREATE TABLE rate_limits (
  key TEXT NOT NULL,
  window_start BIGINT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (key, window_start)
);
CREATE INDEX idx_rate_limits_window ON rate_limits (window_start);
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
)
`
