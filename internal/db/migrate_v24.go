package db

// schemaV24 stores, for Buildkite, CircleCI and generic OpenID Connect
// trust policies, their claim rules: the claims a token must carry and
// the ID claims bound on first use, as JSON (trust.ClaimRules; "" for
// GitHub and GitLab policies, whose rules are their columns).
const schemaV24 = `ALTER TABLE trust_policies ADD COLUMN claim_rules TEXT NOT NULL DEFAULT ''`
