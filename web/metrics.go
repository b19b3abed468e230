package web

import (
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wharf-registry/wharf/internal/registry"
)

// metrics are the server's Prometheus metrics, on a registry of its own
// (no global state): requests by route template and status, latency by
// route, pushes and token exchanges by outcome, and cache hits and misses.
// Labels come from closed sets (route templates, known methods, status
// codes), so no request can add a time series.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	pushes    *prometheus.CounterVec
	exchanges *prometheus.CounterVec
	handler   http.Handler
}

func newMetrics(s *Server) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wharf_http_requests_total", Help: "HTTP requests answered, by route template, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wharf_http_request_duration_seconds", Help: "Time to answer HTTP requests, by route template and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10, 60},
		}, []string{"route", "method"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wharf_pushes_total", Help: "Package pushes, by outcome (created, conflict, invalid, forbidden, ...).",
		}, []string{"outcome"}),
		exchanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wharf_token_exchanges_total", Help: "Trusted-publishing token exchanges, by outcome (accepted, rejected, rate_limited, ...).",
		}, []string{"outcome"}),
	}
	caches := []struct {
		name   string
		hit    bool
		val    func() float64
		helpOn string
	}{
		{"packages", true, func() float64 { return float64(s.reg.CacheStats().Hits) }, "package snapshots"},
		{"packages", false, func() float64 { return float64(s.reg.CacheStats().Misses) }, "package snapshots"},
		{"documents", true, func() float64 { return float64(s.docs.hits.Load()) }, "rendered documents"},
		{"documents", false, func() float64 { return float64(s.docs.misses.Load()) }, "rendered documents"},
		{"searches", true, func() float64 { return float64(s.searches.hits.Load()) }, "search answers"},
		{"searches", false, func() float64 { return float64(s.searches.misses.Load()) }, "search answers"},
		{"upstream", true, func() float64 { return float64(s.reg.UpstreamStats().Hits) }, "mirrored package files"},
		{"upstream", false, func() float64 { return float64(s.reg.UpstreamStats().Misses) }, "mirrored package files"},
	}
	for _, c := range caches {
		name, help := "wharf_cache_misses_total", "Cache misses, by cache."
		if c.hit {
			name, help = "wharf_cache_hits_total", "Cache hits, by cache."
		}
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: name, Help: help, ConstLabels: prometheus.Labels{"cache": c.name},
		}, c.val))
	}
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "wharf_readme_renders_total", Help: "README renders started (each README is rendered once per process).",
	}, func() float64 { return float64(s.readmes.renders.Load()) }))
	for _, u := range []struct {
		name, help string
		val        func(registry.UpstreamStats) float64
	}{
		{"wharf_upstream_requests_total", "Requests made to the sources of upstream feeds.", func(u registry.UpstreamStats) float64 { return float64(u.Requests) }},
		{"wharf_upstream_errors_total", "Requests to the sources of upstream feeds that failed.", func(u registry.UpstreamStats) float64 { return float64(u.Errors) }},
		{"wharf_upstream_bytes_total", "Bytes read from the sources of upstream feeds.", func(u registry.UpstreamStats) float64 { return float64(u.Bytes) }},
		{"wharf_upstream_request_seconds_total", "Time spent waiting for the sources of upstream feeds; divided by wharf_upstream_requests_total, the mean latency.",
			func(u registry.UpstreamStats) float64 { return u.Time.Seconds() }},
	} {
		val := u.val
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: u.name, Help: u.help},
			func() float64 { return val(s.reg.UpstreamStats()) }))
	}
	m.reg.MustRegister(m.requests, m.latency, m.pushes, m.exchanges,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
	return m
}

// knownMethods keeps the method label to a closed set.
var knownMethods = map[string]bool{"GET": true, "HEAD": true, "PUT": true, "POST": true, "DELETE": true, "OPTIONS": true, "PATCH": true}

// observe records one answered request.
func (m *metrics) observe(route, method string, status int, seconds float64) {
	if !knownMethods[method] {
		method = "OTHER"
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(seconds)
	switch {
	case method == "PUT" && (route == "/api/v2/package" || route == "/api/v2/package/"):
		m.pushes.WithLabelValues(outcome(status, "created")).Inc()
	case method == "POST" && route == "/api/v2/token":
		m.exchanges.WithLabelValues(outcome(status, "accepted")).Inc()
	}
}

// outcome names what a status says about a push or an exchange.
func outcome(status int, success string) string {
	switch {
	case status < 300:
		return success
	case status == http.StatusUnauthorized:
		return "rejected"
	case status == http.StatusForbidden:
		return "forbidden"
	case status == http.StatusConflict:
		return "conflict"
	case status == http.StatusRequestEntityTooLarge:
		return "too_large"
	case status == http.StatusTooManyRequests:
		return "rate_limited"
	case status < 500:
		return "invalid"
	}
	return "error"
}

// MetricsHandler serves the Prometheus metrics, for a listener of its own
// (metrics_listen); ServerConfig.MetricsOnMain also serves them at
// /metrics of the main handler.
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler }
