package web

import (
	"github.com/labstack/echo/v4"
)

// routes installs every route, grouped by who may call it. Reads are
// anonymous; every change needs an API key (X-NuGet-ApiKey), checked by the
// handler through registry.Service.Authenticate.
func (s *Server) routes(e *echo.Echo) {
	e.Use(s.recoverPanics, s.securityHeaders, s.timeouts)

	// Anyone: the NuGet V3 read protocol. Every GET also answers HEAD.
	read := func(path string, h echo.HandlerFunc) {
		e.GET(path, h)
		e.HEAD(path, h)
	}
	read("/", s.home)
	read("/healthz", s.healthz)
	read("/v3/index.json", s.getServiceIndex)
	read("/v3/package/:id/index.json", s.getVersions)
	read("/v3/package/:id/:version/readme", s.getReadme)
	read("/v3/package/:id/:version/icon", s.getIcon)
	read("/v3/package/:id/:version/license", s.getLicense)
	read("/v3/package/:id/:version/:file", s.getPackageFile)
	read("/v3/registration/:id/index.json", s.getRegistrationIndex)
	read("/v3/registration/:id/page/:lower/:upper", s.getRegistrationPage)
	read("/v3/registration/:id/:leaf", s.getRegistrationLeaf)
	read("/v3/catalog/:id/:leaf", s.getCatalogEntry)
	read("/v3/provenance/:id/:leaf", s.getProvenance)
	read("/v3/search", s.getSearch)
	read("/v3/autocomplete", s.getAutocomplete)

	// API key holders: push, unlist, relist (authorised per package).
	e.PUT("/api/v2/package", s.push)
	e.PUT("/api/v2/package/", s.push)
	e.DELETE("/api/v2/package/:id/:version", s.unlist)
	e.POST("/api/v2/package/:id/:version", s.relist)

	// CI jobs: trade an OIDC token for a short-lived key; revoke it early.
	e.POST("/api/v2/token", s.exchangeToken)
	e.DELETE("/api/v2/token", s.revokeToken)

	e.RouteNotFound("/*", func(c echo.Context) error { return echo.ErrNotFound })
}
