package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/feeds"
	"github.com/wharf-registry/wharf/internal/nuget"
	"github.com/wharf-registry/wharf/internal/registry"
)

// A stage group's own restore source, /stages/{stage}/v3/: the feed as
// the caller reads it plus the group's staged versions, for a build that
// tests a release before a person promotes it. stageRead lets in only
// callers that act for the group's owner with read rights (a session, or
// an owner's key with the read scope, sent as NuGet sends source
// credentials); everyone else is challenged or finds nothing. Nothing
// here is cached or copied to the static copy.

const ctxStage = "wharf.stage" // *registry.StageGroup of a stage source request

// stageRead resolves the caller and the stage group of the URL.
func (s *Server) stageRead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, snap, v, err := s.reg.ReadAccess(c.Request().Context(), s.readCredentials(c))
		if err != nil {
			return s.refuseRead(c, err)
		}
		if v.UserID == 0 {
			return s.challenge(c, "A staged release needs credentials: add its source with a user name and an API key of its owner with the read scope as the password.")
		}
		ctx = feeds.WithReader(ctx, snap.NewReader(v, nil))
		id, err := strconv.ParseInt(c.Param("stage"), 10, 64)
		if err != nil {
			return notFoundf("There is no staged release '%s'.", truncate(c.Param("stage"), 40))
		}
		g, err := s.reg.StageSource(ctx, id)
		if err != nil {
			return err
		}
		c.Set(ctxStage, g)
		c.SetRequest(c.Request().WithContext(ctx))
		c.Response().Header().Set("Cache-Control", "private, no-store")
		return next(c)
	}
}

func stageOf(c echo.Context) *registry.StageGroup {
	g, _ := c.Get(ctxStage).(*registry.StageGroup)
	return g
}

// stageIndex is the service index of a stage source: what restore needs.
func (s *Server) stageIndex(c echo.Context) error {
	u := s.urls.Stage(stageOf(c).ID)
	var res []nuget.Resource
	res = append(res, nuget.Resource{ID: u.PackageBase(), Type: "PackageBaseAddress/3.0.0"})
	for _, t := range []string{"RegistrationsBaseUrl/3.6.0", "RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/Versioned", "RegistrationsBaseUrl/3.0.0-rc", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl"} {
		res = append(res, nuget.Resource{ID: u.RegistrationBase(), Type: t})
	}
	return c.JSON(http.StatusOK, nuget.ServiceIndex{Version: "3.0.0", Resources: res})
}

// stageVersions is the flat container's versions list of the stage source.
func (s *Server) stageVersions(c echo.Context) error {
	p, err := s.reg.StagePackage(c.Request().Context(), stageOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, versionsDoc(p))
}

// stageRegistration is the registration index of the stage source.
func (s *Server) stageRegistration(c echo.Context) error {
	g := stageOf(c)
	p, err := s.reg.StagePackage(c.Request().Context(), g, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, registrationIndexDoc(s.urls.Stage(g.ID), p))
}

// stageFile serves a version's .nupkg or .nuspec from the stage source.
func (s *Server) stageFile(c echo.Context) error {
	id, version, file := c.Param("id"), c.Param("version"), strings.ToLower(c.Param("file"))
	lowerID := strings.ToLower(id)
	f := registry.FileNupkg
	switch {
	case file == lowerID+".nuspec":
		f = registry.FileNuspec
	case strings.HasPrefix(file, lowerID+".") && strings.HasSuffix(file, ".nupkg") &&
		strings.EqualFold(strings.TrimSuffix(strings.TrimPrefix(file, lowerID+"."), ".nupkg"), version):
	default:
		return notFoundf("There is no file %s in the package folder.", c.Param("file"))
	}
	blob, _, err := s.reg.OpenStageFile(c.Request().Context(), stageOf(c), id, version, f)
	if err != nil {
		return err
	}
	defer blob.Close()
	ct := "application/octet-stream"
	if f == registry.FileNuspec {
		ct = "text/xml; charset=utf-8"
	}
	c.Response().Header().Set(echo.HeaderContentType, ct)
	http.ServeContent(fileWriter{c.Response()}, c.Request(), "", blob.Info().ModTime, blob)
	return nil
}
