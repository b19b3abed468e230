package registry

import (
	"context"
	"time"

	"github.com/wharf-registry/wharf/internal/events"
	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/retention"
	"github.com/wharf-registry/wharf/internal/trust"
)

// Store is the metadata storage the registry needs. internal/db implements it
// on SQLite and PostgreSQL. Every method returns errors wrapping
// ErrNotFound or ErrConflict where the doc says so, and other errors as
// internal failures.
type Store interface {
	StageStore
	HeldStore
	// CreateAccount inserts a; names are unique case-insensitively (ErrConflict).
	CreateAccount(ctx context.Context, a *Account) error
	// AccountByName finds an account by case-insensitive name (ErrNotFound).
	AccountByName(ctx context.Context, name string) (*Account, error)
	// AccountByID finds an account by ID (ErrNotFound).
	AccountByID(ctx context.Context, id int64) (*Account, error)
	// SetAccountDisabled suspends an account (at set), deleting its
	// sessions, or restores it (nil); it moves the feed revision.
	SetAccountDisabled(ctx context.Context, id int64, at *time.Time) error
	// SetAccountAdmin stores the administrator flag; it moves the feed revision.
	SetAccountAdmin(ctx context.Context, id int64, admin bool) error
	// RemoveAccount fills r's lists and, in one transaction, either
	// refuses with ErrConflict, changing nothing, when the user solely
	// holds something (r.Blocked) and r.TransferTo is 0, or hands that to
	// r.TransferTo and deletes the account with everything that is only
	// theirs, recording r.Audit. It moves the feed revision.
	RemoveAccount(ctx context.Context, r *Removal) error
	// SuspendAccount disables an account in use because of the sign-in
	// rules, with a reason, ending its sessions; it reports whether it did
	// (an account already disabled is left alone).
	SuspendAccount(ctx context.Context, id int64, at time.Time, reason string) (bool, error)
	// LiftSuspension restores an account that the sign-in rules (not an
	// administrator) suspended, and reports whether it did.
	LiftSuspension(ctx context.Context, id int64) (bool, error)

	// CreateKey inserts k with the hash of its secret, setting k.ID.
	CreateKey(ctx context.Context, k *APIKey, hash string) error
	// KeyByHash finds the key whose secret hashes to hash (ErrNotFound).
	KeyByHash(ctx context.Context, hash string) (*APIKey, error)
	// KeyByID finds a key by ID (ErrNotFound).
	KeyByID(ctx context.Context, id int64) (*APIKey, error)
	// ListKeys lists a user's keys, newest first, revoked ones included.
	ListKeys(ctx context.Context, userID int64) ([]APIKey, error)
	// RevokeKey marks a key revoked at the given time (ErrNotFound).
	RevokeKey(ctx context.Context, id int64, at time.Time) error
	// TouchKeys records the last use of keys.
	TouchKeys(ctx context.Context, used map[int64]time.Time) error

	// Package loads a package with its owners and versions by lowercased ID
	// (ErrNotFound).
	Package(ctx context.Context, lowerID string) (*Package, error)
	// AllPackages loads every package with owners and versions.
	AllPackages(ctx context.Context) ([]*Package, error)
	// InsertVersion adds a version in one transaction. When the package ID
	// is new it creates the package named name owned by ownerID in feed feedID. When it
	// exists and ownerID is not one of its owners it returns ErrForbidden;
	// when the version exists it returns ErrConflict; when its coordinates
	// carry a tombstone, a *TombstonedError (an ErrConflict), checked in
	// the same transaction; when the database
	// stopped answering during the commit, ErrOutcomeUnknown too.
	InsertVersion(ctx context.Context, name string, ownerID, feedID int64, v *PackageVersion) error
	// SetOwner adds (owner=true) or removes an owner of a package
	// (ErrNotFound when the package does not exist).
	SetOwner(ctx context.Context, lowerID string, accountID int64, owner bool, at time.Time) error
	// CreateOwnerRequest invites an account to own a package (ErrNotFound
	// for the package, ErrConflict when already invited).
	CreateOwnerRequest(ctx context.Context, lowerID string, accountID, requestedBy int64, at time.Time) error
	// OwnerRequests lists open invitations of an account (accountID > 0)
	// or of a package (lowerID != ""), only those whose sender can still
	// change the package's owners. SetOwner, SetMembership and
	// RemoveMembership delete the invitations whose sender they leave
	// without that right.
	OwnerRequests(ctx context.Context, accountID int64, lowerID string) ([]OwnerRequest, error)
	// AnswerOwnerRequest removes an invitation and, with accept, adds the
	// owner, in one transaction (ErrNotFound when there is none or, with
	// accept, when its sender can no longer change the package's owners).
	AnswerOwnerRequest(ctx context.Context, lowerID string, accountID int64, accept bool, at time.Time) error
	// SetListed lists or unlists a version (ErrNotFound) on behalf of
	// ownerID, which must own the package (ErrForbidden), checked in the
	// same transaction; 0 is the operator (retention), who may.
	SetListed(ctx context.Context, lowerID, lowerVersion string, ownerID int64, listed bool, at time.Time) error
	// DeleteVersion deletes the version t names for good, in one
	// transaction with recording t (its OwnerIDs and SHA512 filled in
	// from the rows): the version's row and its symbol rows go, and the
	// package with its owners and invitations when it was the last
	// version. It returns the blob prefixes of the deleted files, which
	// the caller removes after the commit (ErrNotFound when there is no
	// such version; ErrConflict when t's coordinates already carry a
	// tombstone). It moves the feed revision.
	DeleteVersion(ctx context.Context, t *Tombstone) (prefixes []string, err error)
	// Tombstone finds the tombstone of a version (ErrNotFound).
	Tombstone(ctx context.Context, lowerID, lowerVersion string) (*Tombstone, error)
	// Tombstones lists the tombstones of a package ID, newest first.
	Tombstones(ctx context.Context, lowerID string) ([]Tombstone, error)
	// AddDownloads adds download counts per version ID, and records day
	// as the last download day of the versions in fresh.
	AddDownloads(ctx context.Context, counts map[int64]int64, day time.Time, fresh map[int64]bool) error
	// BlobPrefixes calls fn with the blob prefix of every stored version.
	BlobPrefixes(ctx context.Context, fn func(prefix string) error) error
	// Changes returns the IDs of packages changed since revision rev and the
	// current feed revision. It is how several processes keep caches fresh.
	Changes(ctx context.Context, rev int64) (lowerIDs []string, current int64, err error)
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error

	// UpsertMirror records what an upstream source says about a package
	// of upstream feed feedID: creates it without owners or updates it,
	// adding versions without files; a package of another feed with the
	// ID is ErrConflict.
	UpsertMirror(ctx context.Context, feedID int64, name string, versions []PackageVersion, checkedAt time.Time) error
	// SetMirroredFiles records where a mirrored version's files are
	// stored; ErrConflict when they already are, ErrNotFound for an
	// unknown version.
	SetMirroredFiles(ctx context.Context, lowerID, lowerVersion, prefix, sha512 string, size int64, at time.Time) error

	// SetDeprecation stores the deprecation of versions of a package (nil
	// undeprecates) on behalf of ownerID, which must own it (ErrForbidden;
	// 0 is the operator), in one transaction that moves the package's
	// revision (ErrNotFound for the package or a version).
	SetDeprecation(ctx context.Context, lowerID string, lowerVersions []string, ownerID int64, d *nuget.Deprecation, at time.Time) error

	AdvisoryStore
	TrustStore
	SessionStore
	feeds.Store
	PrefixStore
	SymbolStore
	events.Store
	RetentionStore
}

// RetentionStore is the part of the store retention needs (see
// retention.go).
type RetentionStore interface {
	// RetentionRules lists the rules of a feed (feedID 0: of every feed)
	// by ID, with their feed's name.
	RetentionRules(ctx context.Context, feedID int64) ([]retention.Rule, error)
	// AddRetentionRule stores r, setting r.ID.
	AddRetentionRule(ctx context.Context, r *retention.Rule) error
	// RemoveRetentionRule removes a rule of a feed (feedID 0: of any
	// feed); ErrNotFound when there is none.
	RemoveRetentionRule(ctx context.Context, feedID, id int64) error
	// AcquireLease takes the named lease for holder until until, when it
	// is free (its expiry is before now) or holder holds it already, and
	// reports whether it did. One statement: two replicas never both get it.
	AcquireLease(ctx context.Context, name, holder string, now, until time.Time) (bool, error)
	// ReleaseLease frees the named lease if holder holds it.
	ReleaseLease(ctx context.Context, name, holder string) error
	// SetPinned pins (by != "") or unpins a version against retention,
	// moving the package's revision (ErrNotFound).
	SetPinned(ctx context.Context, lowerID, lowerVersion, by string, at time.Time) error
}

// SessionStore is the part of the store that browser sign-in needs.
type SessionStore interface {
	// IdentityAccount finds the account linked to a provider's subject
	// (ErrNotFound).
	IdentityAccount(ctx context.Context, provider, subject string) (*Account, error)
	// CreateUserWithIdentity inserts a user and links the identity to it in
	// one transaction, setting a.ID; a taken name is ErrConflict.
	CreateUserWithIdentity(ctx context.Context, a *Account, provider, subject string) error
	// ListAccounts lists the accounts of one kind by name.
	ListAccounts(ctx context.Context, kind AccountKind) ([]Account, error)
	// CreateSession records a session by the hash of its secret; adminAs
	// is the admins entry that made the sign-in an admin, or "".
	CreateSession(ctx context.Context, hash string, accountID int64, adminAs string, created, expires time.Time) error
	// SessionAccount finds the account of a session alive at now, with the
	// session's AdminAs (ErrNotFound).
	SessionAccount(ctx context.Context, hash string, now time.Time) (*Account, error)
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, hash string) error
	// CreateLoginLink records a single-use sign-in link by its hash.
	CreateLoginLink(ctx context.Context, hash string, accountID int64, created, expires time.Time) error
	// ConsumeLoginLink deletes a link alive at now and returns its account,
	// atomically (ErrNotFound when unknown, used or expired).
	ConsumeLoginLink(ctx context.Context, hash string, now time.Time) (*Account, error)
	// RecordIdentityFacts stores what an identity last signed in with.
	RecordIdentityFacts(ctx context.Context, f IdentityFacts) error
	// IdentityFactsAll lists every identity's recorded facts.
	IdentityFactsAll(ctx context.Context) ([]IdentityFacts, error)
	// IdentityBlocked reports whether a removed user's identity may not
	// sign up again.
	IdentityBlocked(ctx context.Context, provider, subject string) (bool, error)
	// UnblockIdentities lets a removed user's identities (by the user's
	// name) sign up again; it returns how many there were.
	UnblockIdentities(ctx context.Context, name string) (int64, error)
	// SignInRulesSeen and SetSignInRulesSeen keep the fingerprint of the
	// sign-in rules the recorded facts were last checked against.
	SignInRulesSeen(ctx context.Context) (string, error)
	SetSignInRulesSeen(ctx context.Context, fingerprint string) error
	// PurgeSessions deletes sessions and links that expired before a time.
	PurgeSessions(ctx context.Context, before time.Time) error
}

// TrustStore is the part of the store that organisations and trusted
// publishing need.
type TrustStore interface {
	// SetMembership adds or changes a user's role in an organisation;
	// demoting its last admin is ErrConflict, checked atomically.
	SetMembership(ctx context.Context, orgID, userID int64, role Role, at time.Time) error
	// RemoveMembership removes a user from an organisation (ErrNotFound);
	// removing its last admin is ErrConflict, checked atomically.
	RemoveMembership(ctx context.Context, orgID, userID int64) error
	// Membership returns a user's role in an organisation (ErrNotFound).
	Membership(ctx context.Context, orgID, userID int64) (Role, error)
	// Members lists an organisation's members by name.
	Members(ctx context.Context, orgID int64) ([]Member, error)
	// Memberships lists the organisations a user belongs to, with the
	// user's role in each (Member.User is the organisation).
	Memberships(ctx context.Context, userID int64) ([]Member, error)
	// CreateOrgInvitation invites a user to join an organisation with a
	// role (again: replaces role and sender); requestedBy 0 is the
	// operator. SetMembership and RemoveMembership delete the invitations
	// whose sender they leave without admin rights.
	CreateOrgInvitation(ctx context.Context, orgID, userID int64, role Role, requestedBy int64, at time.Time) error
	// OrgInvitations lists the open invitations of a user (userID > 0) or
	// of an organisation (orgID > 0) whose sender is the operator or still
	// an admin of the organisation.
	OrgInvitations(ctx context.Context, userID, orgID int64) ([]OrgInvitation, error)
	// AnswerOrgInvitation removes an invitation and, with accept, makes the
	// user a member with its role, in one transaction, and returns the role
	// (ErrNotFound when there is none or, with accept, when its sender is
	// no longer an admin).
	AnswerOrgInvitation(ctx context.Context, orgID, userID int64, accept bool, at time.Time) (Role, error)

	// CreatePolicy inserts a policy, setting its ID.
	CreatePolicy(ctx context.Context, p *trust.Policy) error
	// UpdatePolicy replaces a policy and revokes the keys it minted, in one
	// transaction (ErrNotFound).
	UpdatePolicy(ctx context.Context, p *trust.Policy, at time.Time) error
	// DeletePolicy deletes a policy and revokes its keys (ErrNotFound).
	DeletePolicy(ctx context.Context, id int64, at time.Time) error
	// Policy finds a policy by ID (ErrNotFound).
	Policy(ctx context.Context, id int64) (*trust.Policy, error)
	// Policies lists the policies created by a user or owned by an account,
	// oldest first; pass 0 for the criterion not used.
	Policies(ctx context.Context, createdBy, ownerID int64) ([]trust.Policy, error)

	// MintTrustedKey records the token as used, binds the policy on first
	// use and inserts the key, all in one transaction. A token already used
	// is ErrConflict; a policy bound meanwhile to other IDs is ErrForbidden.
	MintTrustedKey(ctx context.Context, m *Mint) error
	// PolicyRepoUses lists the first use of each repository ID under a
	// glob policy, oldest first.
	PolicyRepoUses(ctx context.Context, policyID int64) ([]RepoUse, error)
	// PurgeExpired deletes trusted-publishing keys and used-token records
	// that expired before the given time, and old rate limit counters.
	PurgeExpired(ctx context.Context, before time.Time) (keys, tokens int64, err error)
	// CountEvent counts one event for key in the fixed window that starts
	// at windowStart (Unix seconds) unless the window already holds max,
	// and reports whether it counted it: atomically across every process
	// sharing the store, and without writing once the window is full.
	CountEvent(ctx context.Context, key string, windowStart int64, max int) (bool, error)
	// EventCount reads key's count in the window starting at windowStart.
	EventCount(ctx context.Context, key string, windowStart int64) (int64, error)

	// Audit appends an event to the audit log.
	Audit(ctx context.Context, e *AuditEvent) error
	// AuditEvents lists the newest events first.
	AuditEvents(ctx context.Context, limit int) ([]AuditEvent, error)
	// AuditPage lists the events matching f, newest first, with their
	// actors' names, using indexes only (keyset paging on ID).
	AuditPage(ctx context.Context, f AuditFilter) ([]AuditEvent, error)
}

// AdvisoryStore keeps security advisories. Every change moves the feed
// revision and the revision of every stored package the advisory names
// (before and after the change), in its transaction, so registration
// documents and caches follow. Package and AllPackages attach to each
// package the advisories that name it.
type AdvisoryStore interface {
	// SaveAdvisory inserts a or replaces the advisory with its source,
	// scope and ID (any case). For SourceImport it replaces only an older
	// one (by Modified) and reports changed=false otherwise.
	SaveAdvisory(ctx context.Context, a *Advisory, at time.Time) (changed bool, err error)
	// DeleteAdvisory removes an advisory by source, scope and lowercased
	// ID (ErrNotFound).
	DeleteAdvisory(ctx context.Context, source AdvisorySource, scope, lowerAdvisoryID string, at time.Time) error
	// Advisories lists the advisories naming a lowercased package ID, or
	// every advisory for "", by ID.
	Advisories(ctx context.Context, lowerID string) ([]Advisory, error)
}

// PrefixStore keeps reserved package ID prefixes. Every change moves the
// feed revision in its transaction, so every replica's access snapshot
// (feeds.Data.Prefixes, loaded by AccessData) picks it up.
type PrefixStore interface {
	// CreatePrefix inserts p, setting p.ID; a pattern taken in any case
	// is ErrConflict.
	CreatePrefix(ctx context.Context, p *feeds.Prefix) error
	// DeletePrefix removes the reservation of a pattern (any case) and
	// returns it (ErrNotFound).
	DeletePrefix(ctx context.Context, pattern string) (*feeds.Prefix, error)
	// ListPrefixes lists every reservation with its owner's name.
	ListPrefixes(ctx context.Context) ([]feeds.Prefix, error)
}
