package web

import (
	"io"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// apiKeyHeader carries the API key on push, unlist and relist.
const apiKeyHeader = "X-NuGet-ApiKey"

// push accepts a package (PUT /api/v2/package[/]). The key is checked
// before the body is stored, and the body is streamed to disk, bounded by
// the size limit. https://learn.microsoft.com/nuget/api/package-publish-resource
func (s *Server) push(c echo.Context) error {
	req := c.Request()
	ctx := req.Context()
	key, err := s.reg.Authenticate(ctx, req.Header.Get(apiKeyHeader))
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
	if up := (registry.Upload{R: f, Size: size}); registry.IsSymbolPackage(up) {
		return s.storeSymbols(c, key, up) // a .snupkg sent here (symbols.go)
	}
	pushed, err := s.reg.Push(ctx, key, registry.Upload{R: f, Size: size})
	if err != nil {
		return clientError(err)
	}
	if w := s.reg.ExpiryWarning(key); w != "" {
		c.Response().Header().Set("X-NuGet-Warning", headerSafe(w))
	}
	if pushed.Held != nil {
		return s.pushHeld(c, key, pushed.Held, size)
	}
	s.log.Info("package pushed", "id", pushed.PackageName, "version", pushed.Version.Version.String(), "key", key.ID, "bytes", size)
	return c.NoContent(http.StatusCreated)
}

// unlist hides a version from search and "latest" (DELETE); it stays
// restorable, as on nuget.org.
func (s *Server) unlist(c echo.Context) error { return s.setListed(c, false) }

// relist shows an unlisted version again (POST).
func (s *Server) relist(c echo.Context) error { return s.setListed(c, true) }

func (s *Server) setListed(c echo.Context, listed bool) error {
	ctx := c.Request().Context()
	key, err := s.reg.Authenticate(ctx, c.Request().Header.Get(apiKeyHeader))
	if err != nil {
		return clientError(err)
	}
	if err := s.reg.SetListed(ctx, key, c.Param("id"), c.Param("version"), listed); err != nil {
		return clientError(err)
	}
	s.log.Info("listing changed", "id", c.Param("id"), "version", c.Param("version"), "listed", listed, "key", key.ID)
	return c.NoContent(http.StatusNoContent)
}

// drainBody reads and discards what is left of a refused request's body,
// up to limit bytes and within the request's deadline (the upload timeout
// for pushes). NuGet clients send the whole package before they read the
// answer; closing early shows them "connection reset" and makes them retry
// three times instead of printing why the push was refused.
func drainBody(req *http.Request, limit int64) {
	_, _ = io.CopyN(io.Discard, req.Body, limit)
}
