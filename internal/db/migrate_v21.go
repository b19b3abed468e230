package db

// schemaV21 stores each trust policy's issuer by its stable name in the
// trusted_issuers setting ("github", "ghes", "gitlab-corp"), beside the
// issuer URL it already has. A migration cannot know the names the
// operator gives: existing rows get an empty name and wharf serve fills them at start
// from the URL against its settings (BackfillPolicyIssuerNames); until
// then, and for a URL no longer trusted, a policy is found by its URL alone.
const schemaV21 = `ALTER TABLE trust_policies ADD COLUMN issuer_name TEXT NOT NULL DEFAULT ''`
