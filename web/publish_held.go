package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// pushHeld answers a push the provenance guard held: 202 Accepted, which
// NuGet clients count as a successful push (any 2xx is; the publish
// resource documents 201 and 202), with the reason in X-NuGet-Warning,
// which NuGet.Client's ServerWarningLogHandler prints as a warning, and
// in the body for other clients. The version is not in the feed until an
// owner releases it.
func (s *Server) pushHeld(c echo.Context, key *registry.APIKey, h *registry.HeldVersion, size int64) error {
	msg := registry.HeldMessage(h)
	s.log.Info("package held", "id", h.Name, "version", h.Version.String(), "key", key.ID, "bytes", size)
	c.Response().Header().Add("X-NuGet-Warning", headerSafe(strings.ReplaceAll(msg, "→", "->")))
	return c.String(http.StatusAccepted, msg+"\n")
}
