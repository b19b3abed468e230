package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// serveNupkg answers a .nupkg download: with a redirect to a short-lived
// URL on the package store when the store presigns downloads (S3 with
// presign set: the bytes then never pass through this server), otherwise
// by streaming the file.
func (s *Server) serveNupkg(c echo.Context, id, version string) error {
	u, err := s.reg.PresignedNupkg(c.Request().Context(), id, version)
	if err != nil {
		return err
	}
	if u == "" {
		return s.serveFile(c, id, version, registry.FileNupkg, "application/octet-stream")
	}
	c.Response().Header().Set("Cache-Control", "no-store") // the URL expires; the package does not
	return c.Redirect(http.StatusFound, u)
}
