package web

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// routes installs every route, grouped by who may call it. Reads of public
// feeds and public pages are anonymous; reads of private feeds need an API
// key with the read scope or a session (see feedRead); API changes need
// an API key (X-NuGet-ApiKey),
// checked by the handler through registry.Service.Authenticate; page
// changes need a session and a CSRF token (checkCSRF), and each use case
// checks the signed-in user's rights again. In a private registry
// (ServerConfig.Private) every read and page needs credentials except
// health, static files, sign-in, the token exchange and /v3/index.json
// (privateGate, privateRead).
func (s *Server) routes(e *echo.Echo) {
	e.Use(s.recoverPanics, s.securityHeaders, s.timeouts, s.anonymousReader)

	// Anyone: health and metrics. Every GET also answers HEAD.
	read := func(path string, h echo.HandlerFunc) {
		e.GET(path, h)
		e.HEAD(path, h)
	}
	read("/healthz", s.healthz)
	read("/readyz", s.readyz)
	if s.metricsOnMain {
		read("/metrics", echo.WrapHandler(s.metrics.handler))
	}
	// The NuGet V3 read protocol, twice: /v3/ serves the union of the
	// feeds the caller may read, /feeds/NAME/v3/ one feed. feedRead
	// resolves the caller (HTTP Basic with an API key as the password,
	// X-NuGet-ApiKey or the session cookie) and the feed scope: the
	// registry answers "absent" for every package the caller may not
	// read, and anonymous callers of private feeds get the Basic challenge.
	for _, prefix := range []string{"", "/feeds/:feed"} {
		feedGet := func(path string, h echo.HandlerFunc) {
			e.GET(prefix+path, h, s.feedRead)
			e.HEAD(prefix+path, h, s.feedRead)
		}
		feedGet("/v3/index.json", s.getServiceIndex)
		feedGet("/v3/package/:id/index.json", s.getVersions)
		feedGet("/v3/package/:id/:version/readme", s.getReadme)
		feedGet("/v3/package/:id/:version/icon", s.getIcon)
		feedGet("/v3/package/:id/:version/license", s.getLicense)
		feedGet("/v3/package/:id/:version/:file", s.getPackageFile)
		feedGet("/v3/registration/:id/index.json", s.getRegistrationIndex)
		feedGet("/v3/registration/:id/page/:lower/:upper", s.getRegistrationPage)
		feedGet("/v3/registration/:id/:leaf", s.getRegistrationLeaf)
		feedGet("/v3/catalog/:id/:leaf", s.getCatalogEntry)
		feedGet("/v3/provenance/:id/:leaf", s.getProvenance)
		feedGet("/v3/search", s.getSearch)
		feedGet("/v3/autocomplete", s.getAutocomplete)
		// Symbols (docs/symbols.md): PDBs by SSQP key, and .snupkg files.
		feedGet("/v3/symbols/:file/:key/:name", s.getSymbolFile)
		feedGet("/v3/symbolpackage/:id/:version/:file", s.getSymbolPackage)
		feedGet("/v3/vulnerabilities/index.json", s.getVulnerabilityIndex)
		feedGet("/v3/vulnerabilities/base.json", s.getVulnerabilityPage)

		// API key holders: push, unlist, relist, push symbols (authorised per package;
		// a new ID pushed through /api/v2/package goes to "default").
		e.PUT(prefix+"/api/v2/package", s.push, s.feedWrite)
		e.PUT(prefix+"/api/v2/package/", s.push, s.feedWrite)
		e.DELETE(prefix+"/api/v2/package/:id/:version", s.unlist, s.feedWrite)
		e.POST(prefix+"/api/v2/package/:id/:version", s.relist, s.feedWrite)
		e.PUT(prefix+"/api/v2/symbolpackage", s.pushSymbols, s.feedWrite)
		e.PUT(prefix+"/api/v2/symbolpackage/", s.pushSymbols, s.feedWrite)
		// Deprecate or undeprecate versions (nuget.org's deprecation API).
		e.PUT(prefix+"/api/v2/package/:id/deprecations", s.deprecate, s.feedWrite)
	}

	// The staging API (PackageStaging/1.0.0, web/staging.go): API key
	// holders stage packages and manage their owner's stage groups; the
	// use cases check the key. No route promotes: a person does, below.
	stg := "/api/v2/staging"
	e.PUT(stg+"/package", s.stagePackage)
	e.GET(stg+"/package", s.listStaged)
	e.GET(stg+"/package/:id/:version", s.viewStaged)
	e.DELETE(stg+"/package/:id/:version", s.unstage)
	e.POST(stg+"/groups", s.createGroup)
	e.GET(stg+"/groups", s.listGroups)
	e.GET(stg+"/groups/:group", s.getGroup)
	e.PATCH(stg+"/groups/:group", s.renameGroup)
	e.DELETE(stg+"/groups/:group", s.deleteGroup)
	e.PUT(stg+"/groups/:group/items/:id/:version", s.addToGroup)
	e.DELETE(stg+"/groups/:group/items/:id/:version", s.removeFromGroup)
	// A stage group's own restore source: its owner's sessions and read
	// keys only (stageRead).
	stageGet := func(path string, h echo.HandlerFunc) {
		e.GET("/stages/:stage"+path, h, s.stageRead)
		e.HEAD("/stages/:stage"+path, h, s.stageRead)
	}
	stageGet("/v3/index.json", s.stageIndex)
	stageGet("/v3/package/:id/index.json", s.stageVersions)
	stageGet("/v3/package/:id/:version/:file", s.stageFile)
	stageGet("/v3/registration/:id/index.json", s.stageRegistration)

	// Trust policies as code (web/policy_api.go): a session (changes with
	// the CSRF token in X-CSRF-Token) or a key with the manage scope
	// (policyAPIAuth); the use cases check the caller's rights.
	pol := "/api/v2/policies"
	e.GET(pol, s.listPoliciesAPI, s.policyAPIAuth)
	e.POST(pol, s.createPolicyAPI, s.policyAPIAuth)
	e.POST(pol+"/test", s.testPoliciesAPI, s.policyAPIAuth)
	e.GET(pol+"/:policy", s.getPolicyAPI, s.policyAPIAuth)
	e.PUT(pol+"/:policy", s.updatePolicyAPI, s.policyAPIAuth)
	e.DELETE(pol+"/:policy", s.deletePolicyAPI, s.policyAPIAuth)

	// CI jobs: trade an OIDC token for a short-lived key; revoke it early.
	e.POST("/api/v2/token", s.exchangeToken)
	e.DELETE("/api/v2/token", s.revokeToken)

	// The web UI. Every page goes through uiContext (session, CSRF cookie,
	// page headers) and every form post through checkCSRF; middleware is
	// attached per route, as echo's groups would catch unknown paths.
	read("/static/*", s.staticFiles())
	// The sign-in pages stay open in a private registry (privateGate).
	open := []echo.MiddlewareFunc{s.uiContext, s.checkCSRF}
	anyone := append(open[:len(open):len(open)], s.privateGate)
	signedIn := append(open[:len(open):len(open)], s.requireUser)
	admin := append(signedIn[:len(signedIn):len(signedIn)], s.requireAdmin)
	page := func(path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) {
		e.GET(path, h, m...)
		e.HEAD(path, h, m...)
	}
	form := func(path string, h echo.HandlerFunc, m []echo.MiddlewareFunc) { e.POST(path, h, m...) }

	// Anyone: browse, search and sign in.
	page("/", s.homePage, anyone)
	page("/packages", s.searchPage, anyone)
	page("/packages/:id", s.packagePage, anyone)
	page("/packages/:id/:version", s.packagePage, anyone)
	page("/feeds", s.feedsPage, anyone)
	// The pages the service index's templates point Visual Studio at.
	page("/packages/:id/:version/report-abuse", s.reportAbusePage, anyone)
	page("/profiles/:owner", s.ownerPage, anyone)
	page("/sign-in", s.signInPage, open)
	e.GET("/sign-in/:provider", s.beginSignIn, open...)
	e.GET("/sign-in/:provider/callback", s.finishSignIn, open...)
	page("/sign-in/link/:token", s.loginLinkPage, open)
	form("/sign-in/link/:token", s.useLoginLink, open)
	form("/sign-out", s.signOut, open)

	// Signed-in users: their own keys, policies, organisations and
	// packages. The use cases check ownership and organisation roles.
	page("/account/packages", s.myPackagesPage, signedIn)
	page("/account/keys", s.keysPage, signedIn)
	form("/account/keys", s.createKey, signedIn)
	form("/account/keys/:key/revoke", s.revokeKey, signedIn)
	page("/account/trusted-publishing", s.policiesPage, signedIn)
	page("/account/audit", s.ownersAuditPage, signedIn) // events of the user's trust policies (AuditSearchFor)
	form("/account/trusted-publishing", s.createPolicy, signedIn)
	form("/account/trusted-publishing/test", s.testTokenForm, signedIn) // explain a pasted CI token (never stored)
	page("/account/trusted-publishing/:policy", s.policyPage, signedIn)
	form("/account/trusted-publishing/:policy", s.updatePolicy, signedIn)
	form("/account/trusted-publishing/:policy/renew", s.renewPolicy, signedIn)
	form("/account/trusted-publishing/:policy/delete", s.deletePolicy, signedIn)
	page("/account/organizations", s.orgsPage, signedIn)
	form("/account/organizations", s.createOrg, signedIn)
	page("/organizations/:org", s.orgPage, signedIn)
	form("/organizations/:org/members", s.setMember, signedIn)
	form("/organizations/:org/members/:user/remove", s.removeMember, signedIn)
	form("/organizations/:org/invitations/:user/cancel", s.cancelOrgInvitation, signedIn)
	form("/account/organizations/:org/accept", s.acceptOrgInvitation, signedIn)
	form("/account/organizations/:org/decline", s.declineOrgInvitation, signedIn)
	page("/packages/:id/manage", s.managePackagePage, signedIn)
	form("/packages/:id/manage/versions/:version/listed", s.setListedForm, signedIn)
	page("/packages/:id/manage/versions/:version/delete", s.deleteVersionPage, signedIn)
	form("/packages/:id/manage/versions/:version/delete", s.deleteVersionForm, signedIn)
	form("/packages/:id/manage/versions/:version/pin", s.setPinnedForm, signedIn)
	form("/packages/:id/manage/deprecation", s.deprecateForm, signedIn)
	form("/packages/:id/manage/advisories", s.publishAdvisoryForm, signedIn)
	form("/packages/:id/manage/advisories/:advisory/remove", s.removeAdvisoryForm, signedIn)
	form("/packages/:id/manage/owners", s.addOwner, signedIn)
	form("/packages/:id/manage/owners/:account/remove", s.removeOwner, signedIn)
	form("/packages/:id/manage/invitations/:account/cancel", s.cancelInvitation, signedIn)
	// Held versions and trusted publishing only (ui_held.go): owners review.
	page("/packages/:id/manage/held/:version/download", s.downloadHeld, signedIn)
	form("/packages/:id/manage/held/:version/release", s.releaseHeldForm, signedIn)
	form("/packages/:id/manage/held/:version/reject", s.rejectHeldForm, signedIn)
	form("/packages/:id/manage/trusted-only", s.setTrustedOnlyForm, signedIn)
	page("/account/trusted-publishing-only", s.trustedOnlyPage, signedIn)
	form("/account/trusted-publishing-only", s.setOwnerTrustedOnly, signedIn)
	// Staged releases: people who act for the owner see them; the owner
	// (an organisation's admins) approve, promote (fresh sign-in) and drop.
	page("/account/stages", s.stagesPage, signedIn)
	form("/account/stages/two-people", s.setTwoPeople, signedIn)
	page("/account/stages/:stage", s.stagePage, signedIn)
	form("/account/stages/:stage/approve", s.approveStage, signedIn)
	form("/account/stages/:stage/promote", s.promoteStage, signedIn)
	form("/account/stages/:stage/drop", s.dropStage, signedIn)
	form("/account/invitations/:id/accept", s.acceptInvitation, signedIn)
	form("/account/invitations/:id/decline", s.declineInvitation, signedIn)

	// Webhooks (docs/webhooks.md): a user's own, an organisation's (its
	// admins) and a feed's (its admins). The use cases resolve whose they
	// are for the signed-in user; anyone else's are absent (404).
	for _, base := range []string{"/account/webhooks", "/organizations/:org/webhooks", "/account/feeds/:feed/webhooks"} {
		page(base, s.webhooksPage, signedIn)
		form(base, s.addWebhook, signedIn)
		page(base+"/:hook", s.webhookPage, signedIn)
		form(base+"/:hook/test", s.testWebhook, signedIn)
		form(base+"/:hook/remove", s.removeWebhook, signedIn)
	}

	// Feeds: registry admins create them; a feed's admins (and the
	// registry's) change its visibility and grants. The use cases check
	// the role; a feed the user does not administer is absent (404).
	form("/feeds", s.createFeed, signedIn)
	page("/account/feeds/:feed", s.feedPage, signedIn)
	form("/account/feeds/:feed", s.updateFeed, signedIn)
	form("/account/feeds/:feed/grants", s.grantFeed, signedIn)
	form("/account/feeds/:feed/grants/revoke", s.revokeFeedGrant, signedIn)
	// Retention: a feed's rules, its plan and a run now, for its admins.
	page("/account/feeds/:feed/retention", s.retentionPage, signedIn)
	form("/account/feeds/:feed/retention/rules", s.addRetentionRule, signedIn)
	form("/account/feeds/:feed/retention/rules/:rule/remove", s.removeRetentionRule, signedIn)
	form("/account/feeds/:feed/retention/run", s.runRetention, signedIn)

	// Administrators of the registry.
	page("/admin/users", s.usersPage, admin)
	form("/admin/users/:name/disable", s.disableUser, admin)
	form("/admin/users/:name/enable", s.enableUser, admin)
	form("/admin/users/:name/admin", s.setUserAdmin, admin)
	page("/admin/users/:name/remove", s.removeUserPage, admin)
	form("/admin/users/:name/remove", s.removeUser, admin)
	page("/admin/audit", s.auditPage, admin)
	page("/admin/prefixes", s.prefixesPage, admin)
	form("/admin/prefixes", s.reservePrefix, admin)
	form("/admin/prefixes/release", s.releasePrefix, admin)

	// Unknown paths: JSON for the API and the feed, a page for the rest.
	e.RouteNotFound("/*", s.notFound)
}

// notFound answers unknown paths: JSON under /v3/ and /api/, where clients
// are programs, a page elsewhere.
func (s *Server) notFound(c echo.Context) error {
	p := c.Request().URL.Path
	if p == "/api/v2/staging/symbols" && c.Request().Method == "PUT" { // answered here: it never changes anything
		return s.stageSymbols(c)
	}
	if strings.HasPrefix(p, "/v3/") || strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/feeds/") || strings.HasPrefix(p, "/stages/") {
		return echo.ErrNotFound
	}
	return s.uiContext(func(echo.Context) error { return echo.ErrNotFound })(c)
}
