// Package web is Wharf's HTTP server: the NuGet V3 protocol endpoints, the
// push and token APIs and the web UI, built on echo. Handlers parse the request, call one registry
// use case and render its result; routes.go lists every route and
// errors.go maps every error kind to a status.
package web

import (
	"compress/gzip"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/wharf-registry/wharf/internal/registry"
)

// ServerConfig is what a Server needs.
type ServerConfig struct {
	Registry       *registry.Service
	BaseURL        string        // public base URL, e.g. https://nuget.example.com
	TempDir        string        // where uploads are spooled; same disk as the packages
	Logger         *slog.Logger  // default slog.Default()
	RequestTimeout time.Duration // bound on ordinary requests (default 60s)
	UploadTimeout  time.Duration // bound on a push, body included (default 30m)
	HeaderTimeout  time.Duration // bound on reading a request's line and headers (default 10s); see HTTPServer
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; without them the connection's address is the client's.
	TrustedProxies []*net.IPNet
	// SignIn configures the web UI's sign-in providers.
	SignIn SignInConfig
	// Audience is the aud CI tokens must carry; the policy pages show it.
	Audience string
	// MetricsOnMain serves the Prometheus metrics at /metrics of Handler;
	// otherwise only MetricsHandler serves them (metrics_listen).
	MetricsOnMain bool
	// Contact is the operator's contact (an e-mail address or URL) for
	// the report-abuse page; config.Config validates it.
	Contact string
	// Private puts the whole registry behind sign-in: every feed needs
	// credentials and every page but sign-in a session (see privateGate).
	Private bool
	// StaticCopy keeps the static copy of the restore path in the package
	// store (static.go): every change is republished before it is answered.
	StaticCopy bool
	// CDNBaseURL is where clients read the static copy (StaticConfig).
	CDNBaseURL string
}

// Server serves the feed.
type Server struct {
	staleLogged sync.Map // package ID -> when markStale last logged it (unix seconds)
	reg         *registry.Service
	urls        URLs
	log         *slog.Logger
	tempDir     string
	reqTO       time.Duration
	uploadTO    time.Duration
	headerTO    time.Duration
	docs        *docCache // per-package documents, valid per package revision
	searches    *docCache // search answers, valid per feed generation
	readmes     *readmes  // rendered READMEs for the package pages
	index       *doc
	indexCDN    *doc        // the union's service index pointing at the CDN
	cdn         string      // ServerConfig.CDNBaseURL
	static      *StaticCopy // nil without ServerConfig.StaticCopy
	contact     string
	echo        *echo.Echo

	secure    bool // the base URL is https: cookies are Secure and __Host-
	cookies   cookieNames
	assets    assets
	providers []*signInProvider
	audience  string

	metrics       *metrics
	metricsOnMain bool
	private       bool // the whole registry is private (ServerConfig.Private)
}

// NewServer builds a Server and its route table.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Registry == nil || cfg.BaseURL == "" || cfg.TempDir == "" {
		return nil, errors.New("web.NewServer: Registry, BaseURL and TempDir are required")
	}
	s := &Server{
		reg: cfg.Registry, urls: NewURLs(cfg.BaseURL), log: cfg.Logger, tempDir: cfg.TempDir,
		reqTO: cfg.RequestTimeout, uploadTO: cfg.UploadTimeout, headerTO: cfg.HeaderTimeout, contact: cfg.Contact,
		docs: newDocCache(20000, gzip.BestCompression), searches: newDocCache(2000, gzip.BestSpeed),
		readmes: newReadmes(32 << 20),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.reqTO <= 0 {
		s.reqTO = 60 * time.Second
	}
	if s.uploadTO <= 0 {
		s.uploadTO = 30 * time.Minute
	}
	if s.headerTO <= 0 {
		s.headerTO = defaultHeaderTimeout
	}
	idx, err := newDoc(serviceIndex(s.urls, ""), time.Now(), gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	s.index = idx
	s.cdn = strings.TrimRight(cfg.CDNBaseURL, "/")
	if s.indexCDN, err = newDoc(serviceIndex(s.urls, s.cdn), time.Now(), gzip.BestCompression); err != nil {
		return nil, err
	}
	if cfg.StaticCopy {
		s.static = NewStaticCopy(StaticConfig{Registry: s.reg, BaseURL: cfg.BaseURL, CDNBaseURL: s.cdn, Private: cfg.Private, Logger: s.log})
		s.reg.OnPackageChange(s.static.Changed)
	}
	s.secure = strings.HasPrefix(s.urls.Base(), "https://")
	s.cookies = newCookieNames(s.secure)
	if s.assets, err = newAssets(); err != nil {
		return nil, err
	}
	s.providers = newSignInProviders(cfg.SignIn, s.urls)
	s.audience, s.private = cfg.Audience, cfg.Private
	if s.audience == "" {
		s.audience = s.urls.Base()
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// Client addresses come from the connection, or from X-Forwarded-For
	// only as far as the configured proxies vouch for it: rate limits and
	// the audit log use them, so a client must not choose its own.
	e.IPExtractor = echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	s.echo = e
	s.metrics, s.metricsOnMain = newMetrics(s), cfg.MetricsOnMain
	e.Use(s.observe) // outermost: request IDs, metrics, the access log
	s.routes(e)
	return s, nil
}

// Static returns the keeper of the static copy, nil when
// ServerConfig.StaticCopy is off.
func (s *Server) Static() *StaticCopy { return s.static }

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.echo }

// URLs returns the server's URL builder.
func (s *Server) URLs() URLs { return s.urls }
