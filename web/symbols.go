package web

import (
	"net/http"
	"os"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// Symbols: the push of a .snupkg (SymbolPackagePublish/4.9.0), the symbol
// server (SSQP) and the .snupkg download. See docs/symbols.md.
// https://learn.microsoft.com/nuget/api/symbol-package-publish-resource
// https://github.com/dotnet/symstore/blob/main/docs/specs/Simple_Symbol_Query_Protocol.md

// pushSymbols accepts a .snupkg (PUT /api/v2/symbolpackage[/]), sent as
// NuGet clients send a .nupkg: multipart, the key in X-NuGet-ApiKey.
func (s *Server) pushSymbols(c echo.Context) error {
	req := c.Request()
	key, err := s.reg.Authenticate(req.Context(), req.Header.Get(apiKeyHeader))
	if err != nil {
		return clientError(err)
	}
	f, size, err := s.spoolUpload(req, s.reg.MaxPackageSize())
	if err != nil {
		return clientError(err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	return s.storeSymbols(c, key, registry.Upload{R: f, Size: size})
}

// storeSymbols is the service call and answer of a symbol push, from
// either push endpoint.
func (s *Server) storeSymbols(c echo.Context, key *registry.APIKey, up registry.Upload) error {
	pushed, err := s.reg.PushSymbols(c.Request().Context(), key, up)
	if err != nil {
		return clientError(err)
	}
	s.log.Info("symbols pushed", "id", pushed.PackageName, "version", pushed.Version.String(), "pdbs", pushed.PDBs, "key", key.ID, "bytes", up.Size)
	return c.NoContent(http.StatusCreated)
}

// symbolFileRoute is the SSQP route of the union; an anonymous miss there
// is challenged like a package ID's when the registry has private feeds
// (feedRead): a PDB names no package, and may be a private one's.
const symbolFileRoute = "/v3/symbols/:file/:key/:name"

// getSymbolFile serves a portable PDB by its SSQP key,
// /v3/symbols/{file}/{signature}/{file}, keys compared without case.
func (s *Server) getSymbolFile(c echo.Context) error {
	key := c.Param("file") + "/" + c.Param("key") + "/" + c.Param("name")
	blob, err := s.reg.OpenSymbolFile(c.Request().Context(), key)
	if err != nil {
		return err
	}
	defer blob.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/octet-stream")
	h.Set("Cache-Control", cacheScope(c)+", max-age=31536000, immutable")
	http.ServeContent(fileWriter{c.Response()}, c.Request(), "", blob.Info().ModTime, blob)
	return nil
}

// getSymbolPackage serves a version's .snupkg,
// /v3/symbolpackage/{id}/{version}/{id}.{version}.snupkg.
func (s *Server) getSymbolPackage(c echo.Context) error {
	id, version := c.Param("id"), c.Param("version")
	if strings.ToLower(c.Param("file")) != strings.ToLower(id)+"."+strings.ToLower(version)+".snupkg" {
		return echo.ErrNotFound
	}
	blob, sp, err := s.reg.OpenSymbolPackage(c.Request().Context(), id, version)
	if err != nil {
		return err
	}
	defer blob.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/octet-stream")
	h.Set("Cache-Control", cacheScope(c)+", max-age=31536000, immutable")
	h.Set("ETag", `"`+base64URL.Replace(sp.SHA512[:min(32, len(sp.SHA512))])+`-snupkg"`)
	http.ServeContent(fileWriter{c.Response()}, c.Request(), "", blob.Info().ModTime, blob)
	return nil
}
