package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// readyTimeout bounds each readiness check, so a hung database fails the
// probe instead of hanging it.
const readyTimeout = 2 * time.Second

// readyz says whether this replica can serve (GET /readyz), where /healthz
// only says the process is up: the database
// answers and the package store answers and accepts writes, each within
// two seconds. Otherwise 503 with a sentence saying which; the cause goes
// to the log, not to the caller.
func (s *Server) readyz(c echo.Context) error {
	if err := s.reg.Ready(c.Request().Context(), readyTimeout); err != nil {
		s.log.Warn("not ready", append(logAttrs(c), "err", err)...)
		status, msg := statusOf(err)
		return c.String(status, msg+"\n")
	}
	return c.String(http.StatusOK, "ready\n")
}
