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
//
// A download counts once per GET of the whole file: streamed, when the
// answer is 200 and its body was sent to the last byte; redirected, when
// the GET asks for no range and is not conditional (the server cannot see
// the transfer from the store). HEAD, ranges (206), conditional answers (304) and transfers the
// client abandons count nothing.
func (s *Server) serveNupkg(c echo.Context, id, version string) error {
	req := c.Request()
	u, pv, err := s.reg.PresignedNupkg(req.Context(), id, version)
	if err != nil {
		return err
	}
	if u == "" {
		pv, whole, err := s.sendFile(c, id, version, registry.FileNupkg, "application/octet-stream")
		if err == nil && whole {
			s.reg.CountDownload(pv)
		}
		return err
	}
	if req.Method == http.MethodGet && !partialOrConditional(req.Header) {
		s.reg.CountDownload(pv)
	}
	c.Response().Header().Set("Cache-Control", "no-store") // the URL expires; the package does not
	return c.Redirect(http.StatusFound, u)
}

// partialOrConditional reports whether a request asks for part of a file
// or only for a changed one: the store may answer it 206 or 304.
func partialOrConditional(h http.Header) bool {
	for _, name := range []string{"Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"} {
		if h.Get(name) != "" {
			return true
		}
	}
	return false
}
