package web

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// maxDeprecationBody bounds a deprecation request: a thousand versions
// and a thousand-character message fit many times over.
const maxDeprecationBody = 256 << 10

// deprecationRequest is the body of PUT {publish}/{id}/deprecations, the
// fields nuget.org's deprecation API reads (as its gallery's
// DeprecatePackageRequest and the Knapcode.PackageLifeCycle client send
// them). No reason undeprecates the versions.
type deprecationRequest struct {
	Versions                []string `json:"versions"`
	IsLegacy                bool     `json:"isLegacy"`
	HasCriticalBugs         bool     `json:"hasCriticalBugs"`
	IsOther                 bool     `json:"isOther"`
	AlternatePackageID      string   `json:"alternatePackageId"`
	AlternatePackageVersion string   `json:"alternatePackageVersion"`
	Message                 string   `json:"message"`
}

// deprecate deprecates or undeprecates versions for an API key that may
// change the package (as unlist): 200 with nothing more to say.
func (s *Server) deprecate(c echo.Context) error {
	ctx := c.Request().Context()
	key, err := s.reg.Authenticate(ctx, c.Request().Header.Get(apiKeyHeader))
	if err != nil {
		return err
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxDeprecationBody+1))
	if err != nil {
		return err
	}
	if len(body) > maxDeprecationBody {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The deprecation request is larger than 256 KiB. Send fewer versions at once.")
	}
	var req deprecationRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The body is not a deprecation request: send JSON with versions, isLegacy, hasCriticalBugs, isOther, alternatePackageId, alternatePackageVersion and message.")
	}
	d := registry.Deprecation{
		Legacy: req.IsLegacy, CriticalBugs: req.HasCriticalBugs, Other: req.IsOther, Message: req.Message,
		AlternateID: req.AlternatePackageID, AlternateVersion: req.AlternatePackageVersion,
	}
	if err := s.reg.Deprecate(ctx, key, c.Param("id"), req.Versions, d); err != nil {
		return err
	}
	s.log.Info("deprecation changed", "id", c.Param("id"), "versions", len(req.Versions), "deprecated", d.Deprecated(), "key", key.ID)
	return c.JSON(http.StatusOK, map[string]string{"message": "Done."})
}
