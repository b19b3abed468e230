package web

import (
	"log/slog"
	"net/http"
	"time"
)

// Connection limits of the http.Server that serves Handler. Request bodies
// are bounded per request by the timeouts middleware (RequestTimeout, or
// UploadTimeout for pushes), not here, so that big uploads are possible.
const (
	// MaxHeaderBytes bounds a request's line and headers together. net/http
	// answers 431 Request Header Fields Too Large beyond it (it reads up to
	// 4 KiB more before it decides).
	MaxHeaderBytes = 64 << 10
	// defaultHeaderTimeout bounds reading a request's line and headers: a
	// client that dribbles them (slow-loris) is disconnected after it.
	defaultHeaderTimeout = 10 * time.Second
	// idleTimeout is how long a keep-alive connection may wait for its
	// next request.
	idleTimeout = 2 * time.Minute
)

// HTTPServer returns the http.Server that serves Handler with Wharf's
// connection limits: headers read within HeaderTimeout and at most
// MaxHeaderBytes, idle connections closed after two minutes. Its own
// errors (a failed read, a malformed request) are logged at debug level.
// The caller sets nothing else but may add TLS or a base context.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: s.headerTO,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}
