package web

import (
	"compress/gzip"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/nuget"
)

// vulnerabilityMaxAge is how long clients and caches may keep the
// vulnerability documents. NuGet.Client caches them itself (by its
// http-cache age, 30 minutes by default) whatever the server says.
const vulnerabilityMaxAge = 300

// epoch is the @updated of an index with no advisories in it.
const epoch = "1970-01-01T00:00:00Z"

// getVulnerabilityIndex serves the vulnerability index: one page, "base",
// holding every advisory the caller may see. Its @updated is the newest
// "modified" among them (a removal does not move it; NuGet.Client reads
// the pages again by its own cache age, not by @updated).
// https://learn.microsoft.com/nuget/api/vulnerability-info#vulnerability-index
func (s *Server) getVulnerabilityIndex(c echo.Context) error {
	data, err := s.reg.Vulnerabilities(c.Request().Context())
	if err != nil {
		return err
	}
	updated := epoch
	if !data.Updated.IsZero() {
		updated = data.Updated.UTC().Format("2006-01-02T15:04:05Z")
	}
	idx := []nuget.VulnerabilityIndexEntry{{
		Name: "base", ID: s.feedURLs(c).VulnerabilityPage(), Updated: updated,
		Comment: "Every advisory of this feed that you may read.",
	}}
	d, err := newDoc(idx, data.Updated, gzip.BestSpeed)
	if err != nil {
		return err
	}
	return serveDoc(c, d, vulnerabilityMaxAge)
}

// getVulnerabilityPage serves the one vulnerability data file.
// https://learn.microsoft.com/nuget/api/vulnerability-info#vulnerability-data
func (s *Server) getVulnerabilityPage(c echo.Context) error {
	data, err := s.reg.Vulnerabilities(c.Request().Context())
	if err != nil {
		return err
	}
	d, err := newDoc(data.Page, data.Updated, gzip.BestSpeed)
	if err != nil {
		return err
	}
	return serveDoc(c, d, vulnerabilityMaxAge)
}
