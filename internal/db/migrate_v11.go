package db

// schemaV11 adds reserved package ID prefixes (see docs/prefixes.md).
// prefix is the pattern as written ("Contoso.*" or "Contoso.Sdk");
// lower_prefix makes patterns unique case-insensitively. created_by is
// NULL when the operator reserved it from the command line.
const schemaV11 = `
CREATE TABLE reserved_prefixes (
  id {{id}},
  prefix TEXT NOT NULL,
  lower_prefix TEXT NOT NULL,
  owner_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_by BIGINT REFERENCES accounts (id) ON DELETE SET NULL,
  created_at {{time}} NOT NULL
);
CREATE UNIQUE INDEX idx_reserved_prefixes_lower ON reserved_prefixes (lower_prefix)
`
